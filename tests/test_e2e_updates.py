"""End to end: a key person's daily update over Telegram reaching each family in their own way."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.admin.invites import create_invite
from bot.domain.people import PersonKind
from tests.harness import RunningClock
from tests.test_e2e_sms import inbound_form, signed
from tests.test_e2e_telegram import (
    LAURA_CHAT,
    TOM_CHAT,
    Running,
    buttons,
    link_laura,
    press,
    running,
)

# Noah, a second key child of Tom's: dad Olu wants an evening summary, mum Bea essentials only.
NOAH_FAMILY = (
    "C06,Noah,Okoro,2022-01-10,Acorns,S04,none,P07,Olu Okoro,dad,07400 200007,en,yes\n"
    "C06,Noah,Okoro,2022-01-10,Acorns,S04,none,P08,Bea Okoro,mum,07400 200008,en,yes\n"
)
OLU, BEA, SAM, DAN = "+447400200007", "+447400200008", "+447400200006", "+447400200002"
TUESDAY_3PM = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # London is on UTC in November
_sids = iter(range(10_000, 99_999))


async def text_from(app: Running, number: str, body: str) -> None:
    public = str(app.http.base_url).rstrip("/")
    path = "/webhooks/twilio/sms"
    form = inbound_form(f"SM{next(_sids):032d}", number, body)
    assert (await app.http.post(path, **signed(public, path, form))).status_code == 200


async def last_to(app: Running, chat: int, count: int) -> dict:
    return app.delivered(chat, (await app.messages_to(chat, count))[-1])


async def test_one_update_for_two_children_reaches_each_family_its_own_way(tmp_path):
    clock = RunningClock(TUESDAY_3PM)
    async with running(tmp_path, clock=clock, extra_rows=NOAH_FAMILY) as app:
        kp = app.keyperson
        await link_laura(app)  # Laura, Amelia's mum, on Telegram: each update at once
        invite = await create_invite(kp.db, kp.setting_id, PersonKind.STAFF, "S04", 7, clock())
        await app.say(TOM_CHAT, f"/start {invite.code}")
        await app.messages_to(TOM_CHAT, 2)

        await text_from(app, OLU, "SETTINGS")  # 1 instant, 2 evening, 3 weekly, 4 essentials
        await app.sms_to(OLU, 2)  # welcome, then the settings question
        await text_from(app, OLU, "2")
        await app.sms_to(OLU, 3)
        await text_from(app, OLU, "17:30")
        done = await app.sms_to(OLU, 4)
        assert "each evening at 17:30" in done[-1]["Body"]
        await text_from(app, BEA, "SETTINGS")
        await app.sms_to(BEA, 2)
        await text_from(app, BEA, "4")
        await app.sms_to(BEA, 3)
        before = {n: len([m for m in app.twilio.messages if m["To"] == n]) for n in (OLU, BEA)}

        await app.say(TOM_CHAT, "/update")
        pick = await last_to(app, TOM_CHAT, 3)
        assert set(buttons(pick).values()) >= {"Amelia", "Noah", "All my children"}
        await app.post(press(TOM_CHAT, pick, "all"))
        compose = await last_to(app, TOM_CHAT, 4)
        await app.post(press(TOM_CHAT, compose, "ate_well"))
        await app.messages_to(TOM_CHAT, 5)
        await app.say(TOM_CHAT, "We made pizza together.")
        preview = await last_to(app, TOM_CHAT, 6)
        # "All" is Amelia and Noah, and the children of Anna and Priya, whom Tom covers for:
        # seven carers, but five families (Laura and Sam are Amelia's; Olu and Bea Noah's).
        assert "pizza" in preview["text"] and "This will go to 5 families." in preview["text"]
        await app.post(press(TOM_CHAT, preview, "send"))
        sent = await last_to(app, TOM_CHAT, 7)
        assert sent["text"] == (
            "Sent: the update about Amelia, Noah, Isla, Jan, and Zofia.\n"
            "It is on its way to 4 families.\n"
            "1 family will get it in their evening or weekly summary."
        )

        to_laura = (await app.messages_to(LAURA_CHAT, 4))[-1]
        assert "Amelia" in to_laura["text"] and "Ate well." in to_laura["text"]
        assert "pizza" in to_laura["text"] and "Noah" not in to_laura["text"]
        to_sam = await app.sms_to(SAM, 1)  # Amelia's step-dad, on SMS, each update at once
        assert "pizza" in to_sam[-1]["Body"]
        assert not [m for m in app.twilio.messages if m["To"] == DAN]  # no information
        for number in (OLU, BEA):
            assert len([m for m in app.twilio.messages if m["To"] == number]) == before[number]

        clock.advance(timedelta(hours=2, minutes=31))  # past 17:30 in London
        await kp.scheduler.tick()
        await kp.scheduler.tick()  # however often it runs, a summary goes once
        summary = await app.sms_to(OLU, before[OLU] + 1)
        assert "Noah" in summary[-1]["Body"] and "pizza" in summary[-1]["Body"]
        await asyncio.sleep(0.3)
        assert len([m for m in app.twilio.messages if m["To"] == OLU]) == before[OLU] + 1
        assert len([m for m in app.twilio.messages if m["To"] == BEA]) == before[BEA]

        # After 17:30 an answer waits for staff hours (the setting's [out_of_hours] messages).
        await app.say(LAURA_CHAT, "Thank you! She loves pizza.")
        await asyncio.sleep(0.3)
        assert len(await app.messages_to(TOM_CHAT, 7)) == 7
        clock.advance(timedelta(hours=14, minutes=30))  # Wednesday 08:01
        kp.dispatcher.wake()  # the lane sleeps until the held row is due by the real clock
        relayed = await last_to(app, TOM_CHAT, 8)
        assert "She loves pizza" in relayed["text"] and "Amelia" in relayed["text"]
