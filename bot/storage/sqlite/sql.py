"""Single-hop queries: aiosqlite runs each call on its own thread, so fewer calls is faster."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import aiosqlite


async def fetch_all(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> list[Any]:
    """Every row of a query, in one round trip to the database thread."""
    return list(await conn.execute_fetchall(sql, tuple(params)))


async def fetch_one(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> Any:
    """The first row of a query or None, in one round trip."""
    rows = await conn.execute_fetchall(sql, tuple(params))
    return next(iter(rows), None)
