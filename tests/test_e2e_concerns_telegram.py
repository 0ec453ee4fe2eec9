"""A concern on Telegram through the running app and the fake Bot API: a parent raises it with
buttons and a photo, the key person acknowledges it with a button, answers and closes it, and
the parent answers "Are you happy…?" with a button."""

from __future__ import annotations

import sqlite3

from bot.admin.invites import create_invite
from bot.domain.people import PersonKind
from tests.test_e2e_telegram import (
    LAURA_CHAT,
    TOM_CHAT,
    buttons,
    contact,
    message,
    press,
    running,
)

PHOTO = "AgACAgQAAxkBAAIBa2VjY29uY2Vybg"


def _photo(chat: int, caption: str) -> dict:
    sizes = [
        {"file_id": "small-" + PHOTO, "file_unique_id": "s1", "width": 90, "height": 90},
        {"file_id": PHOTO, "file_unique_id": "b1", "width": 800, "height": 800},
    ]
    return message(chat, photo=sizes, caption=caption)


async def test_telegram_a_concern_with_buttons_and_a_photo_to_its_rating(tmp_path):
    async with running(tmp_path) as app:
        await app.say(LAURA_CHAT, "/start")
        await app.post(contact(LAURA_CHAT, "447400200001"))
        where = app.delivered(LAURA_CHAT, (await app.messages_to(LAURA_CHAT, 3))[-1])
        await app.post(press(LAURA_CHAT, where, "telegram"))
        await app.messages_to(LAURA_CHAT, 4)
        kp = app.keyperson
        invite = await create_invite(kp.db, kp.setting_id, PersonKind.STAFF, "S04", 7, kp.clock())
        await app.say(TOM_CHAT, f"/start {invite.code}")
        await app.messages_to(TOM_CHAT, 2)
        seen = len(app.telegram.sent_to(LAURA_CHAT))

        await app.say(LAURA_CHAT, "/concern")
        topic = app.delivered(LAURA_CHAT, (await app.messages_to(LAURA_CHAT, seen + 1))[-1])
        assert topic["text"].startswith("What is it about?")
        assert {"development", "care", "complaint", "safety", "not_now"} == set(buttons(topic))
        await app.post(press(LAURA_CHAT, topic, "care"))
        urgency = app.delivered(LAURA_CHAT, (await app.messages_to(LAURA_CHAT, seen + 2))[-1])
        await app.post(press(LAURA_CHAT, urgency, "today"))
        words = (await app.messages_to(LAURA_CHAT, seen + 3))[-1]
        assert words["text"].startswith("Please tell us about it in your own words.")
        await app.post(_photo(LAURA_CHAT, "This scratch was on her arm at pickup"))
        answer = app.delivered(LAURA_CHAT, (await app.messages_to(LAURA_CHAT, seen + 4))[-1])
        assert set(buttons(answer)) == {"message", "phone", "meeting", "not_now"}
        await app.post(press(LAURA_CHAT, answer, "message"))
        received = (await app.messages_to(LAURA_CHAT, seen + 5))[-1]
        assert "Your reference is C-1001." in received["text"]

        # Tom, the key person, gets the photo and the concern with its buttons.
        told = app.delivered(TOM_CHAT, (await app.messages_to(TOM_CHAT, 3))[-1])
        assert "Concern C-1001 from Laura Hughes (mum) about Amelia" in told["text"]
        assert "This scratch was on her arm at pickup" in told["text"]
        assert "A photo came with this." in told["text"]
        assert [p["photo"] for p in app.telegram.photos if p["chat_id"] == TOM_CHAT] == [PHOTO]
        assert set(buttons(told)) == {
            "concern_ack:1001", "concern_reply:1001", "concern_close:1001"
        }  # fmt: skip
        await app.post(press(TOM_CHAT, told, "concern_ack:1001"))
        looking = (await app.messages_to(LAURA_CHAT, seen + 6))[-1]
        assert looking["text"] == "Tom Baker is looking at your concern C-1001."
        await app.say(TOM_CHAT, "C-1001 She slipped on the steps; we cleaned it at once.")
        answered = (await app.messages_to(LAURA_CHAT, seen + 7))[-1]
        assert "slipped on the steps" in answered["text"]
        await app.say(TOM_CHAT, "CLOSE C-1001 Talked at pickup; steps now have a mat.")
        closed = app.delivered(LAURA_CHAT, (await app.messages_to(LAURA_CHAT, seen + 8))[-1])
        assert "Are you happy with how this was dealt with?" in closed["text"]
        assert buttons(closed) == {
            "concern_rate:1001:yes": "Yes",
            "concern_rate:1001:not_really": "Not really",
            "concern_rate:1001:manager": "I'd like to talk to the manager",
        }
        await app.post(press(LAURA_CHAT, closed, "concern_rate:1001:yes"))
        thanks = (await app.messages_to(LAURA_CHAT, seen + 9))[-1]
        assert thanks["text"] == "Thank you for telling us."

        with sqlite3.connect(app.db_path) as conn:
            row = conn.execute(
                "SELECT stage, satisfaction, photo, acknowledged_by IS NOT NULL FROM concerns"
            ).fetchone()
        assert row == ("closed", "yes", PHOTO, 1)
