"""A Keyperson on a temporary database with the test families, a fake sender and a set clock."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.admin.importer import import_families, import_staff
from bot.app import Keyperson, build
from bot.config import Settings
from bot.domain.clock import StartedClock
from bot.domain.errors import SendError
from bot.domain.messages import Channel, Inbound, InboundKind, Outbound, SendResult
from bot.storage.rows import OutboxRow
from bot.storage.sqlite.inbound import inbound_path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
TUESDAY_10AM = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)

LAURA = "+447400200001"  # mum of Amelia (key person Tom, S04)
DAN = "+447400200002"  # dad of Amelia, receives_information = no
KASIA = "+48601234567"  # Polish mum of Zofia (key person Anna, S03)
MAREK = "+447400200004"  # dad of Jan (Anna) and Leo (Grace)
TOM = "+447400100004"
ANNA = "+447400100003"
SARAH = "+447400100001"  # manager
STRANGER = "+447400999999"


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = TUESDAY_10AM) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class RunningClock(StartedClock):
    """A clock that starts at a set moment and then runs in real time; tests may jump it."""

    def __init__(self, start: datetime = TUESDAY_10AM) -> None:
        super().__init__(start)


def pause(seconds: float) -> None:
    """Wait in a blocking test. Not time.sleep: libfaketime 0.9.10 breaks the absolute
    clock_nanosleep it makes when the monotonic clock is left real, as it is when the suite
    runs with the wall clock set to another hour to show that no test depends on it."""
    threading.Event().wait(seconds)


def ended(process: subprocess.Popen[Any], timeout_s: float) -> bool:
    """Whether the process ends within `timeout_s` (Popen.wait(timeout) uses time.sleep)."""
    deadline = time.monotonic() + timeout_s
    while process.poll() is None:
        if time.monotonic() > deadline:
            return False
        pause(0.05)
    return True


class FakeSender:
    """Records what it is asked to send; can be told to fail."""

    channel = Channel.SMS

    def __init__(self, rate_per_s: float = 1000.0) -> None:
        self.rate_per_s = rate_per_s
        self.sent: list[Outbound] = []
        self.failures: list[SendError] = []

    async def send(self, message: Outbound) -> SendResult:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        return SendResult(provider_id=f"SM{message.outbox_id:032d}", status="queued")

    async def close(self) -> None:
        return None


def settings_for(tmp_path: Path, **changes: object) -> Settings:
    """Settings for a test database and the example setting."""
    base = Settings(database=tmp_path / "k.db", setting_file=ROOT / "setting.example.toml")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


async def make_keyperson(
    tmp_path: Path, clock: Clock | None = None, sender: FakeSender | None = None
) -> Keyperson:
    """A Keyperson with the test staff and families imported (workers not started)."""
    keyperson = await build(
        settings_for(tmp_path), {Channel.SMS: sender or FakeSender()}, clock or Clock()
    )
    await import_staff(keyperson.db, keyperson.setting_id, DATA / "staff.csv", "GB")
    await import_families(
        keyperson.db, keyperson.setting_id, DATA / "families.csv", "GB", now=keyperson.clock()
    )
    return keyperson


_counter = iter(range(1, 1_000_000))


def sms(address: str, text: str, kind: InboundKind = InboundKind.MESSAGE) -> Inbound:
    """An inbound SMS with a fresh MessageSid."""
    return Inbound(Channel.SMS, address, f"SM{next(_counter):032d}", TUESDAY_10AM, text, kind=kind)


async def say(keyperson: Keyperson, address: str, text: str) -> list[OutboxRow]:
    """Store and handle one SMS; return what it queued for anyone."""
    async with keyperson.db.reading() as repos:
        before = await repos.conn.execute_fetchall("SELECT MAX(id) FROM outbox")
    last = next(iter(before))[0] or 0
    kind = _kind(text)
    await keyperson.router.accept(sms(address, text, kind))
    await keyperson.router.drain()
    return await queued_since(keyperson, last)


async def queued_since(keyperson: Keyperson, last_id: int) -> list[OutboxRow]:
    """Outbox rows after an id, oldest first."""
    async with keyperson.db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT channel, address FROM outbox WHERE id > ? GROUP BY channel, address",
            (last_id,),
        )
        found: list[OutboxRow] = []
        for channel, address in rows:
            found.extend(await repos.outbox.for_address(channel, address, last_id))
    return sorted(found, key=lambda r: r.id)


_INBOUND = re.compile(r"\bFROM inbound\b", re.IGNORECASE)


def in_inbound_file(sql: str) -> bool:
    """Whether a query reads the inbound rows, which live in the inbound file."""
    return bool(_INBOUND.search(sql))


async def scalar(keyperson: Keyperson, sql: str, *args: object) -> Any:
    """The first value a query returns, from the inbound file or the main one by its table."""
    if in_inbound_file(sql):
        async with keyperson.db.inbound.reading() as inbox:
            rows = await inbox.conn.execute_fetchall(sql, args)
    else:
        async with keyperson.db.reading() as repos:
            rows = await repos.conn.execute_fetchall(sql, args)
    row = next(iter(rows), None)
    return row[0] if row else None


def scalar_at(db_path: Path | str, sql: str, *args: object) -> Any:
    """The same, read by another connection from the files on disk."""
    path = inbound_path(db_path) if in_inbound_file(sql) else str(db_path)
    with sqlite3.connect(path) as conn:
        row = conn.execute(sql, args).fetchone()
    return row[0] if row else None


def _kind(text: str) -> InboundKind:
    from bot.handlers.sms.webhook import parse_inbound

    parsed = parse_inbound({"MessageSid": "SMx", "From": "+1", "Body": text}, TUESDAY_10AM)
    assert parsed is not None
    return parsed.kind
