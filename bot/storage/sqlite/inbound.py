"""The inbound file: stored webhooks in their own SQLite file, on their own connection.

Webhooks are acknowledged once their row is committed here (persist, then acknowledge). The
worker's long transactions run on the main file, so a group commit of webhooks never waits for
them. The two files cannot commit together, so handling is made exactly-once like this:

1. the worker reads waiting rows here;
2. it handles them in one transaction on the main file, which also records each handled
   inbound id (`inbound_handled`), with the effects;
3. after that commit it marks the rows handled here.

A crash between 2 and 3 leaves rows unmarked here but recorded in the main file: they are
marked, not handled again, when next read (and at start). Ids never repeat, even if this file
is lost: it is opened with its id sequence above every id the main file has recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.storage.sqlite.messages import SqliteInbox
from bot.storage.sqlite.sql import STATEMENT_CACHE, begin_immediate

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS inbound (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    channel      TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    address      TEXT NOT NULL,
    payload      TEXT NOT NULL,             -- the parsed Inbound as JSON
    received_at  TEXT NOT NULL,
    handled_at   TEXT,
    error        TEXT,
    deferred     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (channel, external_id)
);
CREATE INDEX IF NOT EXISTS inbound_unhandled ON inbound (id) WHERE handled_at IS NULL;
CREATE INDEX IF NOT EXISTS inbound_waiting ON inbound (deferred, id) WHERE handled_at IS NULL;
CREATE INDEX IF NOT EXISTS inbound_deferred ON inbound (channel, address, id)
    WHERE handled_at IS NULL AND deferred = 1;
"""
COLUMNS = "id, channel, external_id, address, payload, received_at, handled_at, error, deferred"


def inbound_path(database: Path | str) -> str:
    """The inbound file beside a database file: `keyperson.db` → `keyperson-inbound.db`."""
    if str(database) == ":memory:":
        return ":memory:"
    path = Path(database)
    return str(path.with_name(f"{path.stem}-inbound{path.suffix}"))


class InboundFile:
    """Owns the inbound file's connection; webhooks' group commits go through `transaction()`."""

    def __init__(self, path: Path | str, busy_timeout_s: float, busy_wait_s: float) -> None:
        self.path = str(path)
        self._uri = f"file:{Path(self.path).absolute()}?mode=ro"
        self.busy_timeout_s = busy_timeout_s
        self.busy_wait_s = busy_wait_s
        self._conn: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        """The open connection."""
        if self._conn is None:
            raise RuntimeError("inbound file is not open")
        return self._conn

    async def open(self, main: aiosqlite.Connection) -> None:
        """Connect, create the table, bring over rows an older version kept in the main file,
        and keep ids above every id the main file has recorded as handled."""
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(
            self.path, isolation_level=None, cached_statements=STATEMENT_CACHE
        )
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=FULL")
        await conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_s * 1000)}")
        self._conn = conn
        await conn.executescript(
            f"BEGIN IMMEDIATE;\n{SCHEMA}\nPRAGMA user_version={SCHEMA_VERSION};\nCOMMIT;"
        )
        await self._bring_over(main)
        await self._ids_above(main)

    async def _bring_over(self, main: aiosqlite.Connection) -> None:
        """Copy the rows of an older version's `inbound` table (renamed `inbound_legacy` by
        migration 0010) here, then drop it there. Copying again after a crash changes nothing."""
        async with main.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'inbound_legacy'"
        ) as cur:
            if await cur.fetchone() is None:
                return
        rows = list(await main.execute_fetchall(f"SELECT {COLUMNS} FROM inbound_legacy"))
        async with self.transaction():
            await self.conn.executemany(
                f"INSERT OR IGNORE INTO inbound ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [tuple(r) for r in rows],
            )
        await main.execute("BEGIN IMMEDIATE")
        try:
            await main.executemany(
                "INSERT OR IGNORE INTO inbound_handled (inbound_id, channel, address, "
                "received_at, handled_at, error) VALUES (?, ?, ?, ?, ?, ?)",
                [(r[0], r[1], r[3], r[5], r[6], r[7]) for r in rows if r[6] is not None],
            )
            await main.execute("DROP TABLE inbound_legacy")
            await main.execute("COMMIT")
        except BaseException:
            if main.in_transaction:
                await main.execute("ROLLBACK")
            raise
        log.info("moved %d inbound rows to the inbound file", len(rows))

    async def _ids_above(self, main: aiosqlite.Connection) -> None:
        async with main.execute("SELECT MAX(inbound_id) FROM inbound_handled") as cur:
            row = await cur.fetchone()
        floor = int(row[0]) if row and row[0] is not None else 0
        async with self.transaction():
            async with self.conn.execute(
                "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'inbound'), 0), "
                "COALESCE((SELECT MAX(id) FROM inbound), 0)"
            ) as cur:
                found = await cur.fetchone()
            seq, top = (int(found[0]), int(found[1])) if found else (0, 0)
            if top < floor:
                log.warning("inbound file is behind the database (ids to %d, handled to %d)",
                            top, floor)  # fmt: skip
            if seq < floor:
                await self.conn.execute("DELETE FROM sqlite_sequence WHERE name = 'inbound'")
                await self.conn.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES ('inbound', ?)", (floor,)
                )

    async def close(self) -> None:
        """Close the connections; safe to call twice."""
        if self._reader is not None:
            with contextlib.suppress(sqlite3.Error):
                await self._reader.close()
            self._reader = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def snapshot(self) -> SqliteInbox:
        """Reads on a second, read-only connection (for /healthz), never queued behind writes."""
        if self._reader is None:
            reader = await aiosqlite.connect(
                self._uri, uri=True, isolation_level=None, cached_statements=STATEMENT_CACHE
            )
            await reader.execute("PRAGMA busy_timeout=1000")
            self._reader = reader
        return SqliteInbox(self._reader)

    @asynccontextmanager
    async def transaction(self, durable: bool = True) -> AsyncIterator[SqliteInbox]:
        """One BEGIN IMMEDIATE transaction on the inbound file, committed on success.

        A transaction that need not be `durable` commits without waiting for the disk (the
        handled marks: the main file's record is what counts, and a mark lost to a power cut
        is made again at start); the next durable commit takes it to disk with its own."""
        async with self._lock:
            conn = self.conn
            if not durable:
                await conn.execute("PRAGMA synchronous=NORMAL")
            try:
                await self._begin(conn)
                try:
                    yield SqliteInbox(conn)
                    await conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        with contextlib.suppress(sqlite3.Error):
                            await conn.execute("ROLLBACK")
                    raise
            finally:
                if not durable:
                    await conn.execute("PRAGMA synchronous=FULL")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqliteInbox]:
        """The inbound rows for reads that need no transaction of their own."""
        async with self._lock:
            yield SqliteInbox(self.conn)

    async def _begin(self, conn: aiosqlite.Connection) -> None:
        await begin_immediate(conn, self.busy_wait_s, "inbound file")
