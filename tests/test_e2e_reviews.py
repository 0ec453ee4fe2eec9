"""Reviews end to end through the running demo app: the review scheduled on its database, the
simulator's clock moved forward, families answering on SMS (Twilio's parser) and Telegram
(Telegram's parser, buttons pressed), staff told on their phones."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bot.admin import reviews as admin
from bot.config import Settings
from bot.demo import EXAMPLE_SETTING, demo_app
from bot.domain.setting import load_profile
from bot.handlers.simulator.page import telegram_chat_id
from bot.storage.sqlite.database import Database
from tests.fakes.twilio_api import serve_app
from tests.harness import RunningClock

LAURA = "+447700900101"
KASIA = "+447700900103"
TOM = "+447700900004"
PRIYA = "+447700900002"
SARAH = "+447700900001"
ANNA = "+447700900003"
START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday morning
AT = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/London"))


async def _schedule(folder: Path, child: str) -> str:
    """A review added on the running demo's database, as `keyperson review add` does."""
    db = Database(folder / "demo.db")
    await db.open()
    try:
        async with db.transaction() as repos:
            setting_id = 1
            done = await admin.schedule(
                repos, load_profile(EXAMPLE_SETTING), setting_id, child, AT, "at nursery",
                "SEN support plan review", [], "cli", START,
            )  # fmt: skip
    finally:
        await db.close()
    return done.review.ref


class Phones:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def send(self, address: str, channel: str = "sms", **body: Any) -> None:
        answer = await self.http.post(
            "/simulator/api/send", json={"address": address, "channel": channel, **body}
        )
        assert answer.status_code == 200, answer.text

    async def seen(
        self, address: str, channel: str, wanted: str, timeout_s: float = 10.0
    ) -> dict[str, Any]:
        """The newest message to this phone whose text holds `wanted`, once it has arrived."""
        params = {"address": address, "channel": channel}
        found: list[dict[str, Any]] = []
        for _ in range(int(timeout_s / 0.05)):
            found = (await self.http.get("/simulator/api/messages", params=params)).json()[
                "messages"
            ]
            hits = [m for m in found if m["dir"] == "out" and wanted in m["text"]]
            if hits:
                return hits[-1]
            await asyncio.sleep(0.05)
        raise AssertionError(f"{wanted!r} never reached {address}: {[m['text'] for m in found]}")

    async def answered(self, address: str, channel: str, after: int) -> None:
        """Wait until a message newer than `after` has reached the phone."""
        params = {"address": address, "channel": channel}
        for _ in range(200):
            found = (await self.http.get("/simulator/api/messages", params=params)).json()
            if any(m["dir"] == "out" and m.get("id", 0) > after for m in found["messages"]):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"no answer reached {address}")

    async def forward(self, **body: Any) -> dict[str, Any]:
        answer = await self.http.post("/simulator/api/clock", json=body)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


async def test_a_review_on_sms_and_telegram_through_the_running_app(tmp_path: Path) -> None:
    app = demo_app(Settings(), tmp_path, clock=RunningClock(START))
    kasia = str(telegram_chat_id(KASIA))
    async with serve_app(app, lifespan="on") as url, httpx.AsyncClient(base_url=url) as http:
        phones = Phones(http)
        clock = (await http.get("/simulator/api/clock")).json()
        assert clock["movable"] and clock["now"].startswith("Tue 24 Nov 2026 10:0")
        bad = await http.post("/simulator/api/clock", json={"minutes": -5})
        assert bad.status_code == 400
        await phones.send(LAURA, text="Hi")
        await phones.send(kasia, "telegram", text="/start")
        await phones.send(kasia, "telegram", contact=True)
        where = await phones.seen(kasia, "telegram", "Gdzie chcą Państwo")
        telegram = next(b for row in where["buttons"] for b in row if "Telegram" in b["text"])
        await phones.send(kasia, "telegram", choice=telegram["key"], message_id=where["id"])
        await phones.answered(kasia, "telegram", after=where["id"])
        assert await _schedule(tmp_path, "C01") == "P-1001"
        assert await _schedule(tmp_path, "C02") == "P-1002"

        await phones.forward(minutes=1)  # the invitations are due at once: fired now
        invite = await phones.seen(LAURA, "sms", "We would like to meet with you")
        assert "1 I can come" in invite["text"]
        zaproszenie = await phones.seen(kasia, "telegram", "Zapraszamy na spotkanie")
        labels = [b["text"] for row in zaproszenie["buttons"] for b in row]
        assert labels[:4] == ["Mogę przyjść", "Proszę o inny termin", "Proszę o tłumacza",
                              "Chcę przyjść z kimś"]  # fmt: skip

        await phones.send(LAURA, text="1")
        await phones.seen(TOM, "sms", "Review P-1001 of Amelia (Monday 7 December 10:00): Laura")
        await phones.send(kasia, "telegram", choice="review_interpreter",
                          message_id=zaproszenie["id"])  # fmt: skip
        await phones.seen(kasia, "telegram", "Zapewnimy tłumacza")
        await phones.seen(SARAH, "sms", "Katarzyna Nowak would like an interpreter for pl")
        await phones.seen(ANNA, "sms", "Katarzyna Nowak would like an interpreter for pl")

        moved = await phones.forward(next=True)  # to the reminders 7 days before
        assert moved["now"].startswith("Mon 30 Nov 2026 10:01")
        await phones.seen(LAURA, "sms", "A reminder: the meeting about Amelia is on Monday")
        await phones.seen(kasia, "telegram", "Przypominamy: spotkanie")
        await phones.seen(PRIYA, "sms", "Reminder: review P-1001 of Amelia")

        await phones.forward(next=True)  # the views, 5 days before at 10:00
        question = await phones.seen(kasia, "telegram", "1 z 3: Co dobrze idzie")
        await phones.send(kasia, "telegram", text="Zosia dużo mówi po polsku i po angielsku")
        await phones.seen(kasia, "telegram", "2 z 3")
        assert question["buttons"]
        await phones.seen(LAURA, "sms", "1 of 3: What is going well for Amelia?")
        await phones.send(LAURA, text="She loves the garden")
        await phones.send(LAURA, text="1")  # skip
        await phones.send(LAURA, text="Using more words")
        views = await phones.seen(PRIYA, "sms", "Views for review P-1001 of Amelia")
        assert views["text"].endswith(
            "Going well: She loves the garden\nWorries: (not answered)\n"
            "To work on next: Using more words"
        )


async def test_review_from_tom_s_phone_in_the_simulator(tmp_path: Path) -> None:
    app = demo_app(Settings(), tmp_path, clock=RunningClock(START))
    async with serve_app(app, lifespan="on") as url, httpx.AsyncClient(base_url=url) as http:
        phones = Phones(http)
        assert (await phones.forward(next=True))["waiting"] is False  # nothing set yet
        await phones.send(LAURA, text="Hi")
        await phones.send(TOM, text="REVIEW")
        await phones.seen(TOM, "sms", "Which child is the review for?")
        await phones.send(TOM, text="Amelia")
        await phones.seen(TOM, "sms", "When is the review of Amelia Hughes?")
        await phones.send(TOM, text="7/12 10:00")
        await phones.seen(TOM, "sms", "Where will it be?")
        await phones.send(TOM, text="1")
        await phones.seen(TOM, "sms", "Send the invitations?")
        await phones.send(TOM, text="1")
        await phones.seen(TOM, "sms", "its reference follows in a moment")
        moved = await phones.forward(next=True)  # the timer is due now: run at once
        assert moved["waiting"] is True and moved["moved_minutes"] == 0
        await phones.seen(TOM, "sms", "P-1001: the review of Amelia on Monday 7 December")
        await phones.forward(next=True)  # the invitation
        invite = await phones.seen(LAURA, "sms", "We would like to meet with you")
        assert "Where: at the nursery." in invite["text"]
