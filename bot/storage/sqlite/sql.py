"""Single-hop queries: aiosqlite runs each call on its own thread, so fewer calls is faster."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)
BUSY = ("database is locked", "database table is locked", "database is busy")


async def fetch_all(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> list[Any]:
    """Every row of a query, in one round trip to the database thread."""
    return list(await conn.execute_fetchall(sql, tuple(params)))


async def fetch_one(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> Any:
    """The first row of a query or None, in one round trip."""
    rows = await conn.execute_fetchall(sql, tuple(params))
    return next(iter(rows), None)


def iso(moment: datetime) -> str:
    """Format an aware datetime as a sortable UTC string for storage."""
    if moment.tzinfo is None:
        raise ValueError("storage takes timezone-aware datetimes only")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_or_none(moment: datetime | None) -> str | None:
    """`iso`, passing None through."""
    return None if moment is None else iso(moment)


def from_iso(text: str) -> datetime:
    """Parse a stored UTC string back into an aware datetime."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def from_iso_or_none(text: str | None) -> datetime | None:
    """`from_iso`, passing None through."""
    return None if text is None else from_iso(text)


def is_busy(error: BaseException) -> bool:
    """Whether an error says another connection holds the write lock."""
    return isinstance(error, sqlite3.OperationalError) and any(b in str(error) for b in BUSY)


async def begin_immediate(conn: aiosqlite.Connection, busy_wait_s: float, what: str) -> None:
    """BEGIN IMMEDIATE, asking again while another process holds the write lock (a backup,
    someone at the sqlite3 prompt) until `busy_wait_s` has passed; `what` names the file."""
    deadline = time.monotonic() + busy_wait_s
    pause = 0.05
    while True:
        try:
            await conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if not is_busy(error) or time.monotonic() + pause >= deadline:
                raise
            log.warning("%s busy: waiting for the write lock", what)
        await asyncio.sleep(pause)
        pause = min(pause * 2, 1.0)


# Every connection is opened with cached_statements=0. aiosqlite runs statements on its own
# thread, but a cursor the code does not close is freed on the event loop's thread, and
# CPython's sqlite3 resets the cursor's statement as it frees it. With the statement cache on,
# that statement may at that moment be the one another query is binding or stepping on the
# database thread (the cache hands the same statement to the next query with the same SQL),
# and SQLite answers "bad parameter or other API misuse": under load a batch of writes failed
# now and then and a row could end up recorded as failed. Without the cache each cursor owns
# its statement, and SQLite's own mutex keeps the two threads apart.
STATEMENT_CACHE = 0
