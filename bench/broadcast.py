"""Broadcast benchmark: the "Speed and fairness" figures of the broadcasts issue.

1. 10,000 recipients queued (audience resolved, bodies rendered, rows written) in under 1 s.
2. Each channel kept at 95% or more of its limit with no 429: SMS at 10/s from one number and
   Telegram at 30/s overall and 1/s per chat, against fake APIs that answer at once and answer
   429 to anything over the limit (the real Telegram sender, on a fake bot).
3. The dispatcher alone, limits lifted: at least 2,000 sends/s.
4. While 10,000 broadcast messages are queued, `keyperson serve`'s app on loopback with the
   fake Twilio API: a parent's reply relayed to the key person (p99 under 2 s), and a
   safeguarding message reaching the DSL (under 2 s).
5. The resident memory of a server process with 10,000 families and 10,000 queued messages
   (under 200 MB).
6. kill -9 three times in the middle of a 10,000-message broadcast, then restart: no queued
   message lost, each sent once apart from those in flight at a kill (counted).

Prints each figure, then one line of JSON.

    python bench/broadcast.py [--families 10000] [--telegram 1000] [--replies 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.admin.broadcasts import Broadcaster  # noqa: E402
from bot.admin.importer import import_families, import_staff  # noqa: E402
from bot.app import Keyperson, build, production_senders  # noqa: E402
from bot.domain.broadcasts import BroadcastRequest  # noqa: E402
from bot.domain.errors import SendError  # noqa: E402
from bot.domain.messages import Channel, Outbound, SendResult  # noqa: E402
from bot.domain.setting import load_profile  # noqa: E402
from bot.engine.outbox import Dispatcher  # noqa: E402
from bot.language.catalogs import Catalogs  # noqa: E402
from bot.storage.sqlite.database import Database, iso  # noqa: E402
from bot.web import create_app  # noqa: E402
from tests.fakes.twilio_api import (  # noqa: E402
    ACCOUNT_SID,
    AUTH_TOKEN,
    FakeTwilio,
    running_fake_twilio,
    serve_app,
)
from tests.faults.ledger import Ledger, count_outbound, count_reported, settled  # noqa: E402
from tests.faults.test_kill import Server  # noqa: E402
from tests.harness import (  # noqa: E402
    ANNA,
    DAN,
    DATA,
    KASIA,
    LAURA,
    SARAH,
    TOM,
    RunningClock,
    settings_for,
)
from tests.test_e2e_sms import inbound_form, signed  # noqa: E402

SETTING = ROOT / "setting.example.toml"
TEXT = "The nursery is closed today because of the snow. Stay safe and warm!"
ROOMS = ("Acorns", "Oaks", "Willows")
PRIYA, MEERA = "+447400100002", "+447400200005"
PARENTS = ((LAURA, TOM), (DAN, TOM), (KASIA, ANNA), (MEERA, PRIYA))  # parent, key person
NOON = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # a Tuesday, outside quiet hours


# Families.


def add_families(db: Path, count: int, start: int = 0) -> None:
    """`count` fictional families (one child, one carer, an SMS number each), written the way
    an import writes them; faster than importing a CSV of that size for every run."""
    with sqlite3.connect(db) as conn:
        setting = conn.execute("SELECT id FROM settings ORDER BY id LIMIT 1").fetchone()[0]
        for n in range(start, start + count):
            child = conn.execute(
                "INSERT INTO children (setting_id, ref, first_name, last_name, date_of_birth, "
                "room, key_person_ref, send_status) VALUES (?, ?, ?, ?, '2022-01-01', ?, ?, ?) "
                "RETURNING id",
                (setting, f"B{n:05d}", f"Child{n}", f"Family{n}", ROOMS[n % 3], f"S0{2 + n % 3}",
                 "emerging" if n % 4 == 0 else "none"),
            ).fetchone()[0]  # fmt: skip
            phone = f"+4474005{n:05d}"
            carer = conn.execute(
                "INSERT INTO carers (setting_id, ref, name, phone, language) VALUES "
                "(?, ?, ?, ?, ?) RETURNING id",
                (setting, f"Q{n:05d}", f"Carer {n}", phone, "pl" if n % 5 == 0 else "en"),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO child_carers (setting_id, child_id, carer_id, relationship, "
                "receives_information) VALUES (?, ?, ?, 'mum', 1)",
                (setting, child, carer),
            )
            conn.execute(
                "INSERT INTO contacts (setting_id, channel, address, person_kind, person_id) "
                "VALUES (?, 'sms', ?, 'carer', ?)",
                (setting, phone, carer),
            )


async def fresh_database(folder: Path, families: int) -> Path:
    """A database with the test staff and families, and `families` more."""
    path = folder / "k.db"
    db = Database(path)
    await db.open()
    async with db.transaction() as repos:
        await repos.settings.upsert("little-acorns", "Little Acorns Nursery", "{}", NOON)
    await import_staff(db, 1, DATA / "staff.csv", "GB")
    await import_families(db, 1, DATA / "families.csv", "GB", now=NOON)
    await db.close()
    add_families(path, families)
    return path


async def queue_broadcast(path: Path, now: datetime, request: BroadcastRequest) -> float:
    """Seconds to queue one broadcast to everyone, as `keyperson broadcast` does."""
    db = Database(path)
    await db.open()
    broadcaster = Broadcaster(Catalogs.load(), load_profile(SETTING))
    try:
        started = time.perf_counter()
        async with db.transaction() as repos:
            queued = await broadcaster.queue(repos, 1, request, now)
        took = time.perf_counter() - started
    finally:
        await db.close()
    assert queued.messages > 0
    return took


# Fake providers that answer at once and count what goes over a limit.


@dataclass
class Limited:
    """A provider's limits: `per_s` requests in any second, and `per_chat_s` between two to
    one chat; a request over either gets 429, as Twilio and Telegram answer."""

    per_s: float
    per_chat_s: float = 0.0
    clock: Callable[[], float] = time.monotonic
    starts: deque[float] = field(default_factory=deque)
    last: dict[str, float] = field(default_factory=dict)
    times: list[float] = field(default_factory=list)
    too_many: int = 0

    def take(self, chat: str) -> bool:
        now = self.clock()
        while self.starts and now - self.starts[0] >= 1.0:
            self.starts.popleft()
        if len(self.starts) >= self.per_s:
            self.too_many += 1
            return False
        if self.per_chat_s and now - self.last.get(chat, -1e9) < self.per_chat_s:
            self.too_many += 1
            return False
        self.starts.append(now)
        self.last[chat] = now
        self.times.append(now)
        return True

    def utilisation(self) -> float:
        """Sends a second over the busy stretch, as a share of the limit (first and last
        second left out: the queue fills, then runs dry)."""
        if len(self.times) < 3:
            return 0.0
        span = self.times[-1] - self.times[0]
        return (len(self.times) - 1) / span / self.per_s if span > 0 else 0.0


class FakeSms:
    """An SMS sender whose API answers at once, with the limit of one number."""

    channel = Channel.SMS

    def __init__(self, rate_per_s: float, limit: Limited | None) -> None:
        self.rate_per_s = rate_per_s
        self.limit = limit
        self.sent = 0

    async def send(self, message: Outbound) -> SendResult:
        if self.limit is not None and not self.limit.take(message.address.value):
            raise SendError("429", retryable=True, retry_after=1.0, code="20429")
        self.sent += 1
        return SendResult(provider_id=f"SM{message.outbox_id:032d}", status="queued")

    async def close(self) -> None:
        return None


class FakeBot:
    """The few Bot API calls the Telegram sender makes, answered at once, limits enforced."""

    def __init__(self, limit: Limited) -> None:
        self.limit = limit
        self.next_id = 0

    async def send_message(self, chat_id: int, text: str, reply_markup: Any = None) -> Any:
        from telegram.error import RetryAfter

        if not self.limit.take(str(chat_id)):
            raise RetryAfter(1)
        self.next_id += 1
        return type("Sent", (), {"message_id": self.next_id})()


async def telegram_rows(path: Path, count: int, now: datetime) -> None:
    """A Telegram broadcast's rows: one to each of `count` chats, and to a tenth of them a
    second message (the per-chat gap must hold)."""
    stamp = iso(now)
    rows = [(f"{900000 + n}", f"Sports day on Friday {n}") for n in range(count)]
    rows += [(f"{900000 + n}", f"And bring a hat {n}") for n in range(0, count, 10)]
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO outbox (setting_id, channel, address, priority, body, choices, "
            "next_attempt_at, created_at, updated_at) VALUES (1, 'telegram', ?, 9, ?, '[]', ?, "
            "?, ?)",
            [(chat, body, stamp, stamp, stamp) for chat, body in rows],
        )


async def run_dispatcher(
    path: Path, senders: dict[Channel, Any], until: Callable[[], bool], timeout: float
) -> float:
    """Run a dispatcher on the database until `until()` holds; return the seconds it took."""
    db = Database(path)
    await db.open()
    clock = RunningClock(NOON)
    dispatcher = Dispatcher(db, senders, clock)
    started = time.perf_counter()
    task = asyncio.create_task(dispatcher.run())
    try:
        while not until() and time.perf_counter() - started < timeout:
            await asyncio.sleep(0.05)
        return time.perf_counter() - started
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await db.close()


async def channels(folder: Path, families: int, telegram: int) -> dict[str, Any]:
    """Both channels at their limits at once: the Telegram broadcast, and SMS meanwhile."""
    from bot.handlers.telegram.send import TelegramSender

    path = await fresh_database(folder, families)
    await queue_broadcast(path, NOON, BroadcastRequest(TEXT))
    await telegram_rows(path, telegram, NOON)
    sms_limit = Limited(10)
    tg_limit = Limited(30, per_chat_s=1.0)
    sms = FakeSms(10, sms_limit)
    bot = FakeBot(tg_limit)
    tg = TelegramSender(bot, rate_per_s=30, chat_gap_s=1.0)  # type: ignore[arg-type]
    wanted = telegram + len(range(0, telegram, 10))
    took = await run_dispatcher(
        path,
        {Channel.SMS: sms, Channel.TELEGRAM: tg},
        lambda: len(tg_limit.times) >= wanted,
        timeout=wanted / 30 * 2 + 30,
    )
    return {
        "telegram_messages": len(tg_limit.times),
        "telegram_s": round(took, 2),
        "telegram_utilisation": round(tg_limit.utilisation(), 3),
        "telegram_429": tg_limit.too_many,
        "sms_messages": len(sms_limit.times),
        "sms_utilisation": round(sms_limit.utilisation(), 3),
        "sms_429": sms_limit.too_many,
    }


async def unlimited(folder: Path, families: int) -> dict[str, Any]:
    """The dispatcher alone: limits lifted, a provider that answers at once."""
    path = await fresh_database(folder, families)
    await queue_broadcast(path, NOON, BroadcastRequest(TEXT))
    sms = FakeSms(1_000_000, None)
    with sqlite3.connect(path) as conn:
        total = conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'queued'").fetchone()[0]
    took = await run_dispatcher(path, {Channel.SMS: sms}, lambda: sms.sent >= total, 120)
    with sqlite3.connect(path) as conn:
        recorded = conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'accepted'").fetchone()[
            0
        ]
    return {"unlimited_sends": sms.sent, "unlimited_per_s": round(sms.sent / took, 1),
            "unlimited_recorded": recorded}  # fmt: skip


# The running app: replies and safeguarding while a broadcast is queued.


async def fairness(folder: Path, families: int, replies: int) -> dict[str, Any]:
    """Relay and safeguarding latencies through the webhook, 10,000 broadcast rows queued."""
    async with running_fake_twilio() as fake:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        public = f"http://127.0.0.1:{sock.getsockname()[1]}"
        path = await fresh_database(folder, families)
        settings = settings_for(
            folder,
            database=path,
            public_url=public,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_from_number="+447700900999",
            twilio_api_url=fake.url,
        )
        clock = RunningClock(NOON)
        made: list[Keyperson] = []

        async def factory() -> Keyperson:
            keyperson = await build(settings, production_senders(settings), clock)
            made.append(keyperson)
            return keyperson

        async with serve_app(create_app(factory), lifespan="on", sock=sock):
            await queue_broadcast(path, clock(), BroadcastRequest(TEXT))
            async with httpx.AsyncClient(base_url=public) as http:
                # Four parents in turn, each to their child's key person: one thread taking
                # more than 20 messages in 5 minutes would be paused as a loop (engine/caps.py).
                relay = [
                    await _timed(http, public, fake, *PARENTS[n % len(PARENTS)], f"r{n}")
                    for n in range(replies)
                ]
                words = "Amelia said her daddy hits her when she cries"
                dsl = await _timed(http, public, fake, LAURA, SARAH, "SAFEGUARDING", words)
            with sqlite3.connect(path) as conn:
                waiting = conn.execute(
                    "SELECT COUNT(*) FROM outbox WHERE status = 'queued' AND broadcast_id "
                    "IS NOT NULL"
                ).fetchone()[0]
    relay.sort()
    return {
        "relay_p50_ms": round(statistics.median(relay), 1),
        "relay_p99_ms": round(relay[min(len(relay) - 1, int(len(relay) * 0.99))], 1),
        "safeguarding_ms": round(dsl, 1),
        "bulk_still_queued": waiting,
    }


_sids = iter(range(1, 10**9))


async def _timed(
    http: httpx.AsyncClient,
    public: str,
    fake: FakeTwilio,
    sender: str,
    to: str,
    token: str,
    body: str | None = None,
) -> float:
    """Milliseconds from posting a parent's text to its relay (holding `token`) reaching the
    fake Twilio for `to`."""
    before = len(fake.messages)
    path = "/webhooks/twilio/sms"
    form = inbound_form(f"SM{next(_sids):032d}", sender, body or f"Is it cold outside? {token}")
    started = time.perf_counter()
    response = await http.post(path, **signed(public, path, form))
    assert response.status_code == 200
    while True:
        for message in fake.messages[before:]:
            if message["To"] == to and token in message["Body"]:
                return (time.perf_counter() - started) * 1000
        await asyncio.sleep(0.002)


# A server process: its memory, and kill -9 in the middle of a broadcast.


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def process(folder: Path, families: int, seed: int) -> dict[str, Any]:
    """RSS with 10,000 families and 10,000 queued, then three kills mid-broadcast."""
    rng = random.Random(seed)
    clock = RunningClock(NOON)
    async with running_fake_twilio(clock=clock) as twilio:
        server = Server(folder / "k.db", twilio, clock)
        await server.start()  # creates the database with the test families
        await server.stop()
        server.log = tempfile.TemporaryFile()
        add_families(server.db, families)
        await queue_broadcast(server.db, clock(), BroadcastRequest(TEXT))
        with sqlite3.connect(server.db) as conn:
            total = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        kill_at = sorted(rng.sample(range(total // 10, total * 9 // 10), 3))
        rss = 0.0
        try:
            await server.start()
            assert server.proc is not None
            for point in kill_at:
                while len(twilio.messages) < point:
                    rss = max(rss, rss_mb(server.proc.pid))
                    await asyncio.sleep(0.01)
                await server.kill()
                await server.start()
            assert await settled(server.db, timeout=600), "did not settle"
            ledger = Ledger("kill -9 x3 during a broadcast")
            ledger.in_flight_at_kills = server.in_flight_at_kills
            count_outbound(ledger, server.db, twilio.messages)
            await count_reported(ledger, server.db)
        finally:
            await server.stop()
    lost = ledger.outbound_queued - ledger.sent - ledger.failed
    return {
        "rss_mb": round(rss, 1),
        "kill_queued": ledger.outbound_queued,
        "kill_sent": ledger.sent,
        "kill_lost": lost,
        "kill_sent_twice": ledger.sent_twice,
        "kill_in_flight": ledger.in_flight_at_kills,
        "kill_failed": ledger.failed,
        "kill_after_sends": kill_at,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=10_000)
    parser.add_argument("--telegram", type=int, default=1_000)
    parser.add_argument("--replies", type=int, default=40)
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()
    figures: dict[str, Any] = {"families": args.families}

    def folder() -> Path:
        return Path(tempfile.mkdtemp(prefix="kp-broadcast-"))

    path = await fresh_database(folder(), args.families)
    figures["queue_s"] = round(await queue_broadcast(path, NOON, BroadcastRequest(TEXT)), 3)
    print(f"{args.families:,} recipients queued in {figures['queue_s']} s (goal: under 1 s)")
    figures["queue_confirm_s"] = round(
        await queue_broadcast(path, NOON, BroadcastRequest(TEXT, confirm=True)), 3
    )
    print(f"  with --confirm (and its held reminders): {figures['queue_confirm_s']} s")

    figures |= await channels(folder(), args.families, args.telegram)
    print(
        f"Telegram: {figures['telegram_messages']} messages in {figures['telegram_s']} s, "
        f"{figures['telegram_utilisation']:.1%} of 30/s, {figures['telegram_429']} answered 429 "
        "(goal: 95% or more, none)"
    )
    print(
        f"SMS meanwhile: {figures['sms_messages']} messages, {figures['sms_utilisation']:.1%} of "
        f"10/s, {figures['sms_429']} answered 429 (goal: 95% or more, none)"
    )

    figures |= await unlimited(folder(), args.families)
    print(
        f"Limits lifted: {figures['unlimited_sends']:,} sends at {figures['unlimited_per_s']:,}/s "
        f"({figures['unlimited_recorded']:,} outcomes recorded) (goal: 2,000/s or more)"
    )

    figures |= await fairness(folder(), args.families, args.replies)
    print(
        f"With {args.families:,} broadcast messages queued: a parent's message relayed to the "
        f"key person in p50 {figures['relay_p50_ms']} ms, p99 {figures['relay_p99_ms']} ms; "
        f"safeguarding to the DSL in {figures['safeguarding_ms']} ms (goal: under 2,000 ms); "
        f"{figures['bulk_still_queued']:,} broadcast messages still queued"
    )

    figures |= await process(folder(), args.families, args.seed)
    print(
        f"Server process with {args.families:,} families and {figures['kill_queued']:,} queued: "
        f"{figures['rss_mb']} MB resident at most (goal: under 200 MB)"
    )
    print(
        f"kill -9 x3 mid-broadcast (after {figures['kill_after_sends']} sends): "
        f"{figures['kill_queued']:,} queued, {figures['kill_sent']:,} sent, "
        f"{figures['kill_lost']} lost, {figures['kill_sent_twice']} sent twice, "
        f"{figures['kill_in_flight']} in flight at the kills, {figures['kill_failed']} failed"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # each figure as it comes
    asyncio.run(main())
