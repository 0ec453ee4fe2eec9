"""Visits end to end through the running app and the fakes: recorded from a staff phone by SMS
and answered by text; recorded with `keyperson visit add` and answered with Telegram's buttons;
never sent to a carer who may not be told."""

from __future__ import annotations

import itertools

from bot.admin.visits import Request, add_visit
from tests.harness import DAN, LAURA, TOM
from tests.test_e2e_sms import inbound_form, signed
from tests.test_e2e_telegram import LAURA_CHAT, Running, buttons, link_laura, press, running

SAM = "+447400200006"  # Amelia's step-dad in the running app's families: told
_sids = itertools.count(1)


async def text(app: Running, sender: str, body: str) -> None:
    """An SMS through the signed Twilio webhook."""
    path = "/webhooks/twilio/sms"
    public = str(app.http.base_url).rstrip("/")
    form = inbound_form(f"SMv{next(_sids):031d}", sender, body)
    response = await app.http.post(path, **signed(public, path, form))
    assert response.status_code == 200


async def last_sms(app: Running, number: str, count: int) -> str:
    return (await app.sms_to(number, count))[-1]["Body"]


def answers(app: Running) -> list[tuple[str, str, str, str]]:
    with_names = (
        "SELECT ca.name, a.answer, a.words, a.channel FROM visit_answers a "
        "JOIN carers ca ON ca.id = a.carer_id ORDER BY a.id"
    )
    import sqlite3

    with sqlite3.connect(app.db_path) as conn:
        return [tuple(r) for r in conn.execute(with_names).fetchall()]


async def test_recorded_by_sms_from_a_staff_phone_and_answered_by_text(tmp_path):
    async with running(tmp_path) as app:
        steps = [
            ("VISIT", "Which child is the visit about?"),
            ("1", "Who is coming?"),
            ("1", "What is their name?"),
            ("Jo Reed", "When?"),
            ("26/11 10:00", "Where will it be?"),
            ("1", "Why are they coming?"),
            ("to see how Amelia is getting on with her words", "This is what the family"),
        ]
        for count, (said, asked) in enumerate(steps, start=2):  # 1: Tom's welcome
            await text(app, TOM, said)
            assert asked in await last_sms(app, TOM, count)
        preview = await last_sms(app, TOM, len(steps) + 1)
        assert "Who: speech and language therapist, Jo Reed" in preview
        assert "helps children who find talking, understanding" in preview  # explained
        assert "When: Thursday 26 November 10:00" in preview
        await text(app, TOM, "1")  # Send
        assert "Sent: visit V-1 about Amelia" in await last_sms(app, TOM, len(steps) + 2)

        await app.keyperson.scheduler.fire_timers()
        notice = await last_sms(app, LAURA, 1)
        assert notice.startswith("Little Acorns Nursery: a visit about Amelia (V-1)")
        assert "Reply 1 That's fine, 2 I have questions, 3 I'd like to be there" in notice
        assert "a visit about Amelia (V-1)" in await last_sms(app, SAM, 1)

        await text(app, LAURA, "2")
        assert "What would you like to ask?" in await last_sms(app, LAURA, 3)  # after welcome
        await text(app, LAURA, "Will she miss her lunch?")
        to_tom = await last_sms(app, TOM, len(steps) + 3)
        assert "Visit V-1 about Amelia: Laura Hughes (mum) answered: I have questions." in to_tom
        assert 'Their words: "Will she miss her lunch?"' in to_tom
        code = to_tom.split("write ")[1].split()[0]
        await text(app, TOM, f"{code} No, they will be finished by 11")
        assert "No, they will be finished by 11" in await last_sms(app, LAURA, 5)

        await text(app, SAM, "1")
        assert "is fine with you" in await last_sms(app, SAM, 3)
        assert answers(app) == [
            ("Laura Hughes", "questions", "", "sms"),
            ("Laura Hughes", "questions", "Will she miss her lunch?", "sms"),
            ("Sam Hughes", "fine", "", "sms"),
        ]
        assert not [m for m in app.twilio.messages if m["To"] == DAN]  # may not be told


async def test_added_from_the_command_line_and_answered_with_telegram_buttons(tmp_path):
    async with running(tmp_path) as app:
        await link_laura(app)
        kp = app.keyperson
        request = Request(
            "C01", "portage worker", "2026-11-27 14:00", "to show you games for talking",
            home=True,
        )  # fmt: skip
        info = await add_visit(kp.db, kp.setting_id, kp.profile, request, kp.clock())
        assert info.reference == "V-1"
        await kp.scheduler.fire_timers()
        notice = (await app.messages_to(LAURA_CHAT, 4))[-1]
        assert "Who: Portage worker" in notice["text"]
        assert "Where: at your home" in notice["text"]
        assert "Please choose an answer below." in notice["text"]  # no numbers on Telegram
        assert buttons(notice) == {
            "visit:1:fine": "That's fine",
            "visit:1:another_time": "Another time, please",
            "visit:1:questions": "I have questions",
            "visit:1:call": "Please call me",
        }
        assert "Reply 1 That's fine, 2 Another time" in await last_sms(app, SAM, 1)

        await app.post(press(LAURA_CHAT, app.delivered(LAURA_CHAT, notice), "visit:1:another_time"))
        asked = (await app.messages_to(LAURA_CHAT, 5))[-1]
        assert "Which days and times would suit you better?" in asked["text"]
        await app.say(LAURA_CHAT, "Any morning next week")
        to_tom = await last_sms(app, TOM, 1)
        assert "Laura Hughes (mum) answered: Another time, please." in to_tom
        assert 'Their words: "Any morning next week"' in to_tom
        assert app.scalar("SELECT state FROM visits") == "change_asked"

        await text(app, SAM, "1")
        assert "is fine with you" in await last_sms(app, SAM, 3)
        assert app.scalar("SELECT state FROM visits") == "confirmed"
        assert [(a[0], a[1], a[3]) for a in answers(app)] == [
            ("Laura Hughes", "another_time", "telegram"),
            ("Laura Hughes", "another_time", "telegram"),
            ("Sam Hughes", "fine", "sms"),
        ]
        assert not [m for m in app.twilio.messages if m["To"] == DAN]
