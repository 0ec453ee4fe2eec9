"""The aiosqlite database: one write connection, WAL, synchronous=FULL, BEGIN IMMEDIATE."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.storage.sqlite_links import SqliteInvites, SqliteLinks
from bot.storage.sqlite_messages import SqliteAudit, SqliteInbox, SqliteOutbox
from bot.storage.sqlite_news import SqliteNews
from bot.storage.sqlite_people import SqlitePeople, SqliteSettings
from bot.storage.sqlite_reports import SqliteReports
from bot.storage.sqlite_roster import SqliteRoster
from bot.storage.sqlite_threads import SqliteConversations, SqliteReminders, SqliteThreads

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def iso(moment: datetime) -> str:
    """Format an aware datetime as a sortable UTC string for storage."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_iso(text: str) -> datetime:
    """Parse a stored UTC string back into an aware datetime."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def migrations() -> list[tuple[int, str]]:
    """The numbered SQL migrations shipped with the package, in order."""
    folder = resources.files("bot.storage").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(found)


class Repos:
    """Every repository bound to one connection, so a transaction spans all of them."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self.settings = SqliteSettings(conn)
        self.people = SqlitePeople(conn)
        self.conversations = SqliteConversations(conn)
        self.threads = SqliteThreads(conn)
        self.inbox = SqliteInbox(conn)
        self.outbox = SqliteOutbox(conn)
        self.reminders = SqliteReminders(conn)
        self.audit = SqliteAudit(conn)
        self.links = SqliteLinks(conn)
        self.invites = SqliteInvites(conn)
        self.news = SqliteNews(conn)
        self.roster = SqliteRoster(conn)
        self.reports = SqliteReports(conn)


class Database:
    """Owns the write connection; every change goes through `transaction()`."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        """Connect, set the durability pragmas and apply pending migrations."""
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=FULL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        self._conn = conn
        await self._migrate()

    async def close(self) -> None:
        """Close the connection; safe to call twice."""
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        """The open connection."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def _migrate(self) -> None:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        for number, sql in migrations():
            if number <= current:
                continue
            async with self._lock:
                try:
                    await self.conn.executescript(_as_one_transaction(sql, number))
                except BaseException:
                    if self.conn.in_transaction:
                        await self.conn.execute("ROLLBACK")
                    raise
            log.info("applied migration %04d", number)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Repos]:
        """One BEGIN IMMEDIATE transaction on the write connection, committed on success."""
        async with self._lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield Repos(conn)
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Repos]:
        """Repositories for reads that need no transaction of their own."""
        async with self._lock:
            yield Repos(self.conn)


def _as_one_transaction(sql: str, number: int) -> str:
    # Schema and user_version move together, or not at all.
    return f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version={number};\nCOMMIT;"
