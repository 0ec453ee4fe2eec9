"""Fault injectors: another process holding SQLite's write lock, and a full disk."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.storage.sqlite.database import Database
from tests.harness import ended

# Run in a separate process, as a backup or someone at the sqlite3 prompt would be.
_HOLDER = """
import sqlite3, sys, threading
conns = [sqlite3.connect(p, isolation_level=None, timeout=30) for p in sys.argv[2:]]
for conn in conns:
    conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
# Not time.sleep: libfaketime breaks its absolute sleep when the wall clock is moved.
threading.Event().wait(float(sys.argv[1]))
for conn in conns:
    conn.execute("ROLLBACK")
"""


@asynccontextmanager
async def write_lock_held(
    path: Path | str, seconds: float, *more: Path | str
) -> AsyncIterator[subprocess.Popen[str]]:
    """Another process takes the write lock of a database file (and of `more` files) and keeps
    it for `seconds`; the block runs while it is held (and may outlast it)."""
    holder = subprocess.Popen(  # noqa: ASYNC220 - started once; reading its line is threaded
        [sys.executable, "-c", _HOLDER, str(seconds), str(path), *map(str, more)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    line = await asyncio.to_thread(holder.stdout.readline)
    assert line.strip() == "locked", "the lock holder did not start"
    try:
        yield holder
    finally:
        await asyncio.to_thread(ended, holder, 60)


async def wait_lock_released(holder: subprocess.Popen[str]) -> None:
    """Until the holder has let go."""
    await asyncio.to_thread(ended, holder, 60)


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@asynccontextmanager
async def disk_full(db: Database) -> AsyncIterator[list[str]]:
    """Until the block ends, every write on the app's connection fails with SQLite's own
    "database or disk is full" (SQLITE_FULL), as it would on a full disk: a real full disk
    cannot be arranged in a test, and SQLite's max_page_count still lets small rows into
    pages with room. Yields the statements refused, so a test can see the fault was hit."""
    refused: list[str] = []
    names = ("execute", "executemany", "execute_fetchall")
    # Both files are on the one disk: the main file and the inbound file beside it.
    conns = (db.conn, db.inbound.conn)
    originals = {(c, name): getattr(conn, name) for c, conn in enumerate(conns) for name in names}

    def failing(c: int, name: str):  # type: ignore[no-untyped-def]
        original = originals[(c, name)]

        def call(sql: str, *args, **kwargs):  # type: ignore[no-untyped-def]
            if sql.lstrip().upper().startswith(WRITES):
                refused.append(sql.split()[0].upper())
                raise sqlite3.OperationalError("database or disk is full")
            return original(sql, *args, **kwargs)

        return call

    for c, name in originals:
        setattr(conns[c], name, failing(c, name))
    try:
        yield refused
    finally:
        for (c, name), original in originals.items():
            setattr(conns[c], name, original)
