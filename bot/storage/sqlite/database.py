"""The aiosqlite database: one write connection, WAL, synchronous=FULL, BEGIN IMMEDIATE."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.storage.repos import Store, Transaction
from bot.storage.sqlite.absences import SqliteAbsences
from bot.storage.sqlite.agencies import SqliteAgencies
from bot.storage.sqlite.audiences import SqliteAudiences
from bot.storage.sqlite.broadcasts import SqliteBroadcasts
from bot.storage.sqlite.concerns import SqliteConcerns
from bot.storage.sqlite.delivery import SqliteCaps, SqliteDelivery
from bot.storage.sqlite.inbound import InboundFile, inbound_path
from bot.storage.sqlite.languages import SqliteLanguages
from bot.storage.sqlite.links import SqliteInvites, SqliteLinks
from bot.storage.sqlite.messages import SqliteAudit, SqliteHandled, SqliteOutbox
from bot.storage.sqlite.news import SqliteNews
from bot.storage.sqlite.people import SqlitePeople, SqliteSettings
from bot.storage.sqlite.reminders import SqliteReminders
from bot.storage.sqlite.reports import SqliteReports
from bot.storage.sqlite.reviews import SqliteReviews
from bot.storage.sqlite.roster import SqliteRoster
from bot.storage.sqlite.safeguarding import SqliteSafeguarding
from bot.storage.sqlite.sql import STATEMENT_CACHE, begin_immediate, from_iso, is_busy, iso
from bot.storage.sqlite.threads import SqliteConversations, SqliteThreads
from bot.storage.sqlite.translations import SqliteTranslations
from bot.storage.sqlite.visits import SqliteVisits
from bot.storage.sqlite.workshops import SqliteWorkshops

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_S = 5.0  # SQLite's own wait for another process's write lock, per statement
BUSY_WAIT_S = 12.0  # how long a transaction keeps asking for the lock (webhooks wait 15 s)


def is_storage_failure(error: BaseException) -> bool:
    """Whether an error is the storage's (locked, full, I/O), not the data's: retry, never blame
    the row being handled."""
    return isinstance(error, sqlite3.OperationalError)


def migrations() -> list[tuple[int, str]]:
    """The numbered SQL migrations shipped with the package, in order."""
    folder = resources.files("bot.storage.sqlite").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(found)


__all__ = ["Database", "SqliteRepos", "from_iso", "is_busy", "is_storage_failure", "iso"]


class SqliteRepos:
    """Every repository bound to one connection, so a transaction spans all of them."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._savepoints = itertools.count(1)
        self.settings = SqliteSettings(conn)
        self.people = SqlitePeople(conn)
        self.conversations = SqliteConversations(conn)
        self.threads = SqliteThreads(conn)
        self.handled = SqliteHandled(conn)
        self.outbox = SqliteOutbox(conn)
        self.reminders = SqliteReminders(conn)
        self.audit = SqliteAudit(conn)
        self.links = SqliteLinks(conn)
        self.invites = SqliteInvites(conn)
        self.news = SqliteNews(conn)
        self.roster = SqliteRoster(conn)
        self.reports = SqliteReports(conn)
        self.delivery = SqliteDelivery(conn)
        self.caps = SqliteCaps(conn)
        self.absences = SqliteAbsences(conn)
        self.concerns = SqliteConcerns(conn)
        self.safeguarding = SqliteSafeguarding(conn)
        self.agencies = SqliteAgencies(conn)
        self.audiences = SqliteAudiences(conn)
        self.workshops = SqliteWorkshops(conn)
        self.visits = SqliteVisits(conn)
        self.reviews = SqliteReviews(conn)
        self.languages = SqliteLanguages(conn)
        self.translations = SqliteTranslations(conn)
        self.broadcasts = SqliteBroadcasts(conn)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A SAVEPOINT inside the open transaction: rolled back to (and re-raised) if the
        block fails, released if it succeeds; the outer transaction goes on either way."""
        name = f"sp{next(self._savepoints)}"
        await self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    await self.conn.execute(f"ROLLBACK TO {name}")
                    await self.conn.execute(f"RELEASE {name}")
            raise
        await self.conn.execute(f"RELEASE {name}")


class Database:
    """Owns the write connection; every change goes through `transaction()`."""

    def __init__(
        self,
        path: Path | str,
        busy_timeout_s: float = BUSY_TIMEOUT_S,
        busy_wait_s: float = BUSY_WAIT_S,
    ) -> None:
        self.path = str(path)
        # Resolved now: the health connection must open the same file whatever the cwd.
        self._uri = f"file:{Path(self.path).absolute()}?mode=ro"
        self.busy_timeout_s = busy_timeout_s
        self.busy_wait_s = busy_wait_s
        self._conn: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # Webhooks are stored in a file of their own, beside this one, on their own connection.
        self.inbound = InboundFile(inbound_path(self.path), busy_timeout_s, busy_wait_s)

    async def open(self) -> None:
        """Connect, set the durability pragmas and apply pending migrations."""
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(
            self.path, isolation_level=None, cached_statements=STATEMENT_CACHE
        )
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=FULL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_s * 1000)}")
        self._conn = conn
        await self._migrate()
        await self.inbound.open(conn)

    async def close(self) -> None:
        """Close the connections; safe to call twice."""
        await self.inbound.close()
        if self._reader is not None:
            with contextlib.suppress(sqlite3.Error):
                await self._reader.close()
            self._reader = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def snapshot(self) -> SqliteRepos:
        """Repositories on a second, read-only connection for health checks: in WAL it reads
        while the write connection waits for a lock or a long transaction, so /healthz never
        queues behind it."""
        if self._reader is None:
            reader = await aiosqlite.connect(
                self._uri, uri=True, isolation_level=None, cached_statements=STATEMENT_CACHE
            )
            await reader.execute("PRAGMA busy_timeout=1000")
            self._reader = reader
        return SqliteRepos(self._reader)

    def is_failure(self, error: BaseException) -> bool:
        """Whether an error is the storage's (locked, full, I/O), not the data's."""
        return is_storage_failure(error)

    def is_error(self, error: BaseException) -> bool:
        """Whether SQLite raised an error (its own words hold no data)."""
        return isinstance(error, sqlite3.Error)

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
    async def transaction(self) -> AsyncIterator[SqliteRepos]:
        """One BEGIN IMMEDIATE transaction on the write connection, committed on success."""
        async with self._lock:
            conn = self.conn
            await self._begin(conn)
            try:
                yield SqliteRepos(conn)
                await conn.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (a full disk does); a failed COMMIT leaves
                # the transaction open. Either way nothing of it may stay.
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        await conn.execute("ROLLBACK")
                raise

    async def _begin(self, conn: aiosqlite.Connection) -> None:
        await begin_immediate(conn, self.busy_wait_s, "database")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqliteRepos]:
        """Repositories for reads that need no transaction of their own."""
        async with self._lock:
            yield SqliteRepos(self.conn)


def _as_one_transaction(sql: str, number: int) -> str:
    # Schema and user_version move together, or not at all.
    return f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version={number};\nCOMMIT;"


def _conforms(db: Database, repos: SqliteRepos) -> tuple[Store, Transaction]:
    # mypy checks here that the SQLite classes implement the storage Protocols.
    return db, repos
