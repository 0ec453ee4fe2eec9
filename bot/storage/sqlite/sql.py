"""Single-hop queries: aiosqlite runs each call on its own thread, so fewer calls is faster."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import aiosqlite


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
