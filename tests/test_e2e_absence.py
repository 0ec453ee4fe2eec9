"""Absence end to end: through the signed Twilio webhook, the Telegram webhook and the demo's
simulator, in English and Polish; staff told at once even out of staff hours."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bot.config import Settings
from bot.demo import demo_app
from bot.handlers.simulator.page import telegram_chat_id
from tests.fakes.twilio_api import FakeTwilio, running_fake_twilio, serve_app
from tests.harness import ANNA, KASIA, LAURA, TOM, Clock, RunningClock, make_keyperson, say
from tests.test_e2e_sms import inbound_form, running_keyperson, signed
from tests.test_e2e_telegram import (
    LAURA_CHAT,
    Running,
    buttons,
    contact,
    link_laura,
    press,
    running,
)

PRIYA = "+447400100002"  # senco, works in Oaks (Zofia's room)
KASIA_CHAT = 5003
_sids = iter(range(1, 1_000_000))


class Sms:
    """Texts a phone sends through the signed webhook, and what the fake Twilio accepted."""

    def __init__(self, http: httpx.AsyncClient, public: str, fake: FakeTwilio) -> None:
        self.http, self.public, self.fake = http, public, fake

    async def send(self, sender: str, body: str) -> None:
        path = "/webhooks/twilio/sms"
        form = inbound_form(f"SM{next(_sids):032d}", sender, body)
        response = await self.http.post(path, **signed(self.public, path, form))
        assert response.status_code == 200

    async def to(self, number: str, count: int) -> list[str]:
        """The bodies sent to a number, once there are at least `count`."""
        for _ in range(250):
            found = [m["Body"] for m in self.fake.messages if m["To"] == number]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.02)
        raise AssertionError(f"{number} got {found}")


def absences(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT c.first_name, a.reason, a.first_day, a.last_day FROM absences a "
            "JOIN children c ON c.id = a.child_id ORDER BY a.id"
        ).fetchall()


async def test_sms_in_polish_a_message_that_reads_like_an_absence(tmp_path):
    async with running_fake_twilio() as fake, running_keyperson(tmp_path, fake) as public:
        async with httpx.AsyncClient(base_url=public) as http:
            phone = Sms(http, public, fake)
            await phone.send(KASIA, "Dzień dobry")
            await phone.to(KASIA, 1)  # the welcome
            await phone.send(KASIA, "Zofia jest chora, dziś nie przyjdzie")
            confirm = (await phone.to(KASIA, 2))[-1]
            assert "Czy to informacja, że dziecko Zofia nie przyjdzie?" in confirm
            assert "1 Tak" in confirm and "2 Nie, wyślij jako wiadomość" in confirm
            assert "3 Nie teraz" in confirm
            await phone.send(KASIA, "1")
            why = (await phone.to(KASIA, 3))[-1]
            assert "Jaki jest powód nieobecności dziecka Zofia?" in why and "1 Choroba" in why
            await phone.send(KASIA, "1")
            how_long = (await phone.to(KASIA, 4))[-1]
            assert "1 Tylko dzisiaj" in how_long and "2 Dwa dni: dzisiaj i jutro" in how_long
            await phone.send(KASIA, "1")
            thanks = (await phone.to(KASIA, 5))[-1]
            assert thanks == "Dziękujemy za informację. Życzymy dziecku Zofia dużo zdrowia."
            # Her key person Anna and Priya, who works in Zofia's room, hear it at once.
            for staff in (ANNA, PRIYA):
                (told,) = await phone.to(staff, 1)
                assert told.startswith("Absence: Zofia is away today. Reason: Ill.")
                assert "Zofia jest chora, dziś nie przyjdzie" in told
            assert not [m for m in fake.messages if m["To"] == TOM]
    assert absences(tmp_path / "k.db") == [("Zofia", "ill", "2026-11-24", "2026-11-24")]


async def test_sms_in_english_absent_then_a_no_that_goes_on_as_a_message(tmp_path):
    async with running_fake_twilio() as fake, running_keyperson(tmp_path, fake) as public:
        async with httpx.AsyncClient(base_url=public) as http:
            phone = Sms(http, public, fake)
            await phone.send(LAURA, "ABSENT")
            _, why = await phone.to(LAURA, 2)
            assert "Why is Amelia not coming in?" in why
            assert "1 Ill\n2 An appointment\n3 Holiday\n4 Something else\n5 Not now" in why
            await phone.send(LAURA, "dentist")
            how_long = (await phone.to(LAURA, 3))[-1]
            assert "4 Not sure yet" in how_long
            await phone.send(LAURA, "4")
            thanks = (await phone.to(LAURA, 4))[-1]
            assert thanks == "Thank you for letting us know. We have told the staff."
            (told,) = await phone.to(TOM, 1)
            assert told.startswith(
                "Absence: Amelia is away from today, back date not known yet. "
                "Reason: An appointment.\nFrom Laura Hughes (mum)."
            )

            await phone.send(LAURA, "Amelia won't be in tomorrow, we are at grandma's")
            confirm = (await phone.to(LAURA, 5))[-1]
            assert "Is this to tell us Amelia is not coming in?" in confirm
            await phone.send(LAURA, "2")
            relayed = (await phone.to(TOM, 2))[-1]
            assert "Amelia: message from Laura Hughes (mum)" in relayed
            assert "we are at grandma's" in relayed
    assert absences(tmp_path / "k.db") == [("Amelia", "appointment", "2026-11-24", None)]


async def test_telegram_menu_entry_and_command_in_english_and_polish(tmp_path):
    async with running(tmp_path) as app:
        await link_laura(app)
        await app.say(LAURA_CHAT, "INFO")
        menu = app.delivered(LAURA_CHAT, (await app.messages_to(LAURA_CHAT, 4))[-1])
        assert buttons(menu)["absent"] == "My child is not coming in"
        await app.post(press(LAURA_CHAT, menu, "absent"))
        why = app.delivered(LAURA_CHAT, (await app.messages_to(LAURA_CHAT, 5))[-1])
        assert why["text"] == "Why is Amelia not coming in?"
        await app.post(press(LAURA_CHAT, why, "ill"))
        how_long = app.delivered(LAURA_CHAT, (await app.messages_to(LAURA_CHAT, 6))[-1])
        assert buttons(how_long)["two"] == "Two days: today and tomorrow"
        await app.post(press(LAURA_CHAT, how_long, "two"))
        thanks = (await app.messages_to(LAURA_CHAT, 7))[-1]
        assert thanks["text"] == (
            "Thank you for letting us know. We hope Amelia feels better soon."
        )
        told = await sms_to(app, TOM, 1)
        assert told[0].startswith("Absence: Amelia is away from today to tomorrow. Reason: Ill.")
        menus = {
            m.get("language_code"): {c["command"]: c["description"] for c in m["commands"]}
            for m in app.telegram.called("setMyCommands")
            if not m.get("scope")
        }
        assert menus[None]["absent"] == "Tell us your child is not coming in"
        assert menus["pl"]["absent"] == "Zgłoś nieobecność dziecka"

        await app.say(KASIA_CHAT, "/start")
        await app.post(contact(KASIA_CHAT, KASIA))
        await app.messages_to(KASIA_CHAT, 3)
        await app.say(KASIA_CHAT, "/absent")
        why = app.delivered(KASIA_CHAT, (await app.messages_to(KASIA_CHAT, 4))[-1])
        assert why["text"] == "Jaki jest powód nieobecności dziecka Zofia?"
        assert buttons(why) == {
            "ill": "Choroba",
            "appointment": "Wizyta (np. lekarz)",
            "holiday": "Wyjazd lub urlop",
            "other": "Inny powód",
            "not_now": "Nie teraz",
        }
        await app.post(press(KASIA_CHAT, why, "holiday"))
        how_long = app.delivered(KASIA_CHAT, (await app.messages_to(KASIA_CHAT, 5))[-1])
        await app.post(press(KASIA_CHAT, how_long, "week"))
        thanks = (await app.messages_to(KASIA_CHAT, 6))[-1]
        assert thanks["text"] == "Dziękujemy za informację. Przekazaliśmy ją zespołowi."
        told = await sms_to(app, ANNA, 1)
        assert told[-1].startswith("Absence: Zofia is away from today to Friday. Reason: Holiday.")
        assert (await sms_to(app, PRIYA, 1))[-1] == told[-1]


async def sms_to(app: Running, number: str, count: int) -> list[str]:
    return [m["Body"] for m in await app.sms_to(number, count)]


async def test_staff_hear_at_once_out_of_staff_hours_while_other_messages_wait(tmp_path):
    evening = datetime(2026, 11, 24, 19, 30, tzinfo=UTC)  # staff hours ended at 17:30
    kp = await make_keyperson(tmp_path, Clock(evening))
    try:
        await say(kp, LAURA, "Hi")
        await say(kp, LAURA, "ABSENT")
        await say(kp, LAURA, "1")
        done = await say(kp, LAURA, "1")
        (to_tom,) = [r for r in done if r.address == TOM]
        assert to_tom.body.startswith("Absence: Amelia is away tomorrow. Reason: Ill.")
        assert to_tom.next_attempt_at == datetime(2026, 11, 24, 19, 30, tzinfo=UTC)  # not held
        assert to_tom.priority == 0  # the urgent lane
        message = await say(kp, LAURA, "Can she bring her teddy tomorrow?")
        (held,) = [r for r in message if r.address == TOM]
        assert held.next_attempt_at == datetime(
            2026, 11, 25, 8, 0, tzinfo=UTC
        )  # waits for staff hours
        async with kp.db.reading() as repos:
            (absent,) = await repos.absences.on_day(kp.setting_id, datetime(2026, 11, 25).date())
        assert (absent.child, absent.reason) == ("Amelia Hughes", "ill")
    finally:
        await kp.stop()


async def test_the_simulator_offers_it_in_the_menu_and_on_both_channels(tmp_path):
    app = demo_app(Settings(), tmp_path, clock=RunningClock())
    laura, tom = "+447700900101", "+447700900004"
    chat = str(telegram_chat_id(laura))
    async with serve_app(app, lifespan="on") as url, httpx.AsyncClient(base_url=url) as http:

        async def send(address: str, channel: str, **fields: Any) -> None:
            body = {"address": address, "channel": channel, **fields}
            answer = await http.post("/simulator/api/send", json=body)
            assert answer.status_code == 200, answer.text

        async def shown(address: str, channel: str, count: int) -> list[dict[str, Any]]:
            params = {"address": address, "channel": channel}
            for _ in range(300):
                found = (await http.get("/simulator/api/messages", params=params)).json()
                if len(found["messages"]) >= count:
                    return list(found["messages"])
                await asyncio.sleep(0.02)
            raise AssertionError(f"{address} has {found}")

        await send(laura, "sms", text="INFO")
        menu = (await shown(laura, "sms", 3))[-1]
        assert "My child is not coming in" in menu["text"]
        number = next(
            line.split()[0] for line in menu["text"].splitlines() if "not coming in" in line
        )
        await send(laura, "sms", text=number)
        why = (await shown(laura, "sms", 5))[-1]
        assert "Why is Amelia not coming in?" in why["text"]
        await send(laura, "sms", text="1")
        await shown(laura, "sms", 7)
        await send(laura, "sms", text="1")
        thanks = (await shown(laura, "sms", 9))[-1]
        assert "We hope Amelia feels better soon" in thanks["text"]
        told = await shown(tom, "sms", 1)
        assert any(m["text"].startswith("Absence: Amelia") for m in told)

        await send(chat, "telegram", text="/start")
        await shown(chat, "telegram", 2)
        await send(chat, "telegram", contact=True)
        found = await shown(chat, "telegram", 4)
        await send(chat, "telegram", text="/absent")
        why = (await shown(chat, "telegram", len(found) + 2))[-1]
        assert why["text"] == "Why is Amelia not coming in?"
        assert next(b["key"] for row in why["buttons"] for b in row) == "ill"
