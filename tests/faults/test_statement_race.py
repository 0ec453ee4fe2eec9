"""Many handlers writing on one connection at once, as a batch does: no statement is ever
reset under another's feet (SQLite's "bad parameter or other API misuse"), so no write fails
and nothing is recorded failed for it. See STATEMENT_CACHE in bot/storage/sqlite/sql.py; with
the statement cache on, this run failed a few writes in every few thousand."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.storage.rows import NewOutbox
from bot.storage.sqlite.database import Database

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ROUNDS = 1500


async def test_concurrent_writes_on_one_connection_never_misuse_a_statement(tmp_path):
    db = Database(tmp_path / "k.db")
    await db.open()
    failures: list[str] = []
    try:
        async with db.transaction() as repos:

            async def handler(n: int) -> None:
                for i in range(ROUNDS):
                    row = NewOutbox(None, "sms", f"+4474000{n:05d}", None, None, 1, f"m{i}", [])
                    try:
                        await repos.outbox.add([row, row], NOW)
                        await repos.outbox.add([row], NOW)
                        await repos.outbox.add([row], NOW)
                    except Exception as error:  # what the race raised, kept to name it
                        failures.append(f"{type(error).__name__}: {error}")

            await asyncio.gather(*(handler(n) for n in range(8)))
        assert failures == []
        async with db.conn.execute("SELECT COUNT(*) FROM outbox") as cursor:
            assert tuple(await cursor.fetchone()) == (ROUNDS * 8 * 4,)
    finally:
        await db.close()
