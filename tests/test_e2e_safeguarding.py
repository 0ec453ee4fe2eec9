"""Safeguarding end to end through the signed Twilio webhook and the running app: a relay
with signs of harm reaches the DSL as well as the key person; the family hears nothing of it;
the DSL acknowledges by SMS."""

from __future__ import annotations

import sqlite3

import httpx

from tests.fakes.twilio_api import running_fake_twilio
from tests.harness import LAURA, SARAH, TOM
from tests.test_e2e_absence import Sms
from tests.test_e2e_sms import running_keyperson


async def test_sms_disclosure_reaches_the_dsl_and_is_acknowledged_by_sms(tmp_path):
    words = "Amelia has finger marks on her arm, she says her mum's boyfriend grabbed her"
    async with running_fake_twilio() as fake, running_keyperson(tmp_path, fake) as public:
        async with httpx.AsyncClient(base_url=public) as http:
            phone = Sms(http, public, fake)
            await phone.send(LAURA, "Hello")
            await phone.to(LAURA, 1)  # the welcome
            await phone.send(LAURA, words)
            (alert,) = await phone.to(SARAH, 1)
            assert alert.startswith("SAFEGUARDING S-1001, urgent.")
            assert words in alert and "Reply ACK S-1001" in alert
            relayed = (await phone.to(TOM, 1))[-1]
            assert words in relayed  # the key person gets it as any message
            await phone.send(SARAH, "ACK S-1001")
            thanks = (await phone.to(SARAH, 3))[-1]  # after her welcome
            assert thanks == "Thank you. S-1001 is marked as acknowledged by you."
            to_laura = [m["Body"] for m in fake.messages if m["To"] == LAURA]
            assert not any("S-1001" in b or "SAFEGUARDING" in b for b in to_laura)
    with sqlite3.connect(tmp_path / "k.db") as conn:
        ((acknowledged,),) = conn.execute("SELECT acknowledged_at FROM safeguarding").fetchall()
    assert acknowledged is not None
