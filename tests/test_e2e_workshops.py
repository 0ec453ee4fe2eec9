"""Workshops end to end through the running app: the invite by SMS and on Telegram, answered
by number, by word and by button, the waiting list, and what would help reaching the manager."""

from __future__ import annotations

import asyncio

from bot.admin import workshops as admin
from bot.admin.workshops import new_workshop
from tests.harness import LAURA, SARAH
from tests.test_e2e_absence import Sms
from tests.test_e2e_telegram import LAURA_CHAT, buttons, link_laura, press, running

MEERA = "+447400200005"
SAM = "+447400200006"  # step-dad of Amelia, added by running()


async def said(phone: Sms, number: str, words: str) -> str:
    """The latest text to a number holding these words, once it has arrived."""
    for _ in range(250):
        found = [m for m in phone.fake.messages if m["To"] == number and words in m["Body"]]
        if found:
            return str(found[-1]["Body"])
        await asyncio.sleep(0.02)
    raise AssertionError(f"{number} got no message with {words!r}")


async def invite(app, **changes) -> None:
    kp = app.keyperson
    options = {
        "title": "Helping your child with talking",
        "at": "2026-12-10 18:00",
        "until": "19:00",
        "where": "the Acorns room",
        "online": None,
        "capacity": None,
        "audience": None,
    }
    options.update(changes)
    new = new_workshop(kp.profile, kp.clock(), **options)
    number = await admin.add(kp.db, kp.setting_id, kp.profile, kp.clock(), new)
    await admin.invite(kp.db, kp.setting_id, kp.profile, kp.clock(), f"W-{number}")
    await kp.scheduler.tick()  # the server's next tick hands the invites to the router


async def test_sms_invite_answered_by_number_with_a_waiting_list_and_what_would_help(tmp_path):
    async with running(tmp_path) as app:
        phone = Sms(app.http, str(app.http.base_url).rstrip("/"), app.twilio)
        await invite(app, capacity=1)
        (invited,) = await phone.to(MEERA, 1)
        assert invited.startswith(
            "Little Acorns Nursery invites you to a workshop for families: Helping your child"
        )
        assert "Will you come? (W-1)" in invited and invited.endswith("1 Yes\n2 No\n3 Maybe")
        await phone.send(MEERA, "1")
        await said(phone, MEERA, "Thank you, you have a place at Helping your child with talking")
        await phone.send(SAM, "yes")
        await said(phone, SAM, "you are on the waiting list: number 1 in line")
        await phone.send(MEERA, "W-1 no")
        asked = await said(phone, MEERA, "Would something help you come")
        assert "4 An interpreter" in asked
        freed = await said(phone, SAM, "Good news")
        assert "a place has come free" in freed
        await phone.send(MEERA, "4")
        heard = await said(phone, SARAH, "cannot come")
        assert heard == (
            "Meera Patel cannot come to W-1 Helping your child with talking. What would help: "
            "An interpreter"
        )


async def test_telegram_invite_answered_with_a_button(tmp_path):
    async with running(tmp_path) as app:
        await link_laura(app)
        # A question left open (here the newly linked carer's "where to?") keeps its options
        # for a while: the invite waits for it to be answered or left, so she leaves it first.
        await app.say(LAURA_CHAT, "not now")
        await app.messages_to(LAURA_CHAT, 4)
        await invite(app)
        sent = await app.messages_to(LAURA_CHAT, 5)
        invited = app.delivered(LAURA_CHAT, sent[-1])
        assert invited["text"].startswith("Little Acorns Nursery invites you to a workshop")
        assert buttons(invited) == {"ws:yes:1": "Yes", "ws:no:1": "No", "ws:maybe:1": "Maybe"}
        assert app.twilio.messages == [] or all(m["To"] != LAURA for m in app.twilio.messages)
        await app.post(press(LAURA_CHAT, invited, "ws:maybe:1"))
        noted = (await app.messages_to(LAURA_CHAT, 6))[-1]
        assert noted["text"].startswith("Thank you. We will ask you again a few days before")
        # The buttons stay valid: she can change her mind.
        await app.post(press(LAURA_CHAT, invited, "ws:yes:1"))
        booked = (await app.messages_to(LAURA_CHAT, 7))[-1]
        assert booked["text"].startswith("Thank you, you have a place")
        assert app.scalar("SELECT answer FROM workshop_guests WHERE carer_id = 1") == "yes"
