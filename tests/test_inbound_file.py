"""The inbound file: webhooks stored beside the database on their own connection, each row
handled exactly once even when the process dies between the two files' commits."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import build
from bot.domain.messages import Channel
from bot.storage.sqlite import database
from bot.storage.sqlite.database import Database
from bot.storage.sqlite.inbound import inbound_path
from bot.storage.sqlite.messages import SqliteInbox
from tests.harness import (
    LAURA,
    TOM,
    Clock,
    FakeSender,
    make_keyperson,
    scalar,
    scalar_at,
    settings_for,
    sms,
)


def test_the_inbound_file_sits_beside_the_database():
    assert inbound_path("/var/lib/keyperson/keyperson.db") == (
        "/var/lib/keyperson/keyperson-inbound.db"
    )
    assert inbound_path(Path("data/k.sqlite3")) == str(Path("data/k-inbound.sqlite3"))
    assert inbound_path(":memory:") == ":memory:"


async def test_webhooks_are_stored_while_the_worker_holds_its_transaction(tmp_path):
    kp = await make_keyperson(tmp_path)
    async with kp.db.transaction():  # the worker's transaction on the main file, held open
        # On one file this would wait for the transaction to end: here, never.
        stored = await asyncio.wait_for(kp.router.accept(sms(LAURA, "Hello")), timeout=10)
    assert stored is True
    assert scalar_at(tmp_path / "k.db", "SELECT COUNT(*) FROM inbound") == 1
    await kp.router.drain()
    assert await scalar(kp, "SELECT COUNT(*) FROM inbound WHERE handled_at IS NULL") == 0
    await kp.stop()


async def relays_to_tom(kp) -> int:
    async with kp.db.reading() as repos:
        return len([r for r in await repos.outbox.for_address("sms", TOM)])


async def test_a_row_handled_just_before_the_process_died_is_not_handled_again(
    tmp_path, monkeypatch
):
    kp = await make_keyperson(tmp_path)
    await kp.router.accept(sms(LAURA, "Hi"))
    await kp.router.drain()
    await kp.router.accept(sms(LAURA, "Is Amelia's coat still at nursery?"))

    async def died(self, marks, now):
        raise SystemExit("killed between the main commit and the inbound mark")

    monkeypatch.setattr(SqliteInbox, "mark_handled", died)
    with pytest.raises(SystemExit):
        await kp.router.drain()
    monkeypatch.undo()
    relayed = await relays_to_tom(kp)
    assert relayed == 1  # handled and committed, but not marked in the inbound file
    assert await scalar(kp, "SELECT COUNT(*) FROM inbound WHERE handled_at IS NULL") == 1
    await kp.db.close()

    again = await build(settings_for(tmp_path), {Channel.SMS: FakeSender()}, Clock())
    await again.router._reconcile()  # what the worker does first when it starts
    assert await scalar(again, "SELECT COUNT(*) FROM inbound WHERE handled_at IS NULL") == 0
    await again.router.drain()
    assert await relays_to_tom(again) == 1
    assert await scalar(again, "SELECT COUNT(*) FROM inbound_handled") == 2
    await again.stop()


async def test_an_unmarked_row_met_by_the_worker_is_marked_not_handled_again(tmp_path, monkeypatch):
    # The same, found by a batch rather than at start (the mark failed, the process lived on).
    kp = await make_keyperson(tmp_path)
    await kp.router.accept(sms(LAURA, "Is Amelia's coat still at nursery?"))
    real = SqliteInbox.mark_handled

    async def full(self, marks, now):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(SqliteInbox, "mark_handled", full)
    with pytest.raises(sqlite3.OperationalError):
        await kp.router.handle_batch()
    monkeypatch.setattr(SqliteInbox, "mark_handled", real)
    await kp.router.drain()
    assert await relays_to_tom(kp) == 1
    assert await scalar(kp, "SELECT COUNT(*) FROM inbound WHERE handled_at IS NULL") == 0
    await kp.stop()


def lose_inbound_file(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(inbound_path(db) + suffix).unlink(missing_ok=True)


async def test_ids_never_repeat_when_the_inbound_file_is_lost(tmp_path):
    kp = await make_keyperson(tmp_path)
    for text in ("Hi", "Is Amelia in today?"):
        await kp.router.accept(sms(LAURA, text))
    await kp.router.drain()
    await kp.stop()
    lose_inbound_file(tmp_path / "k.db")

    again = await build(settings_for(tmp_path), {Channel.SMS: FakeSender()}, Clock())
    await again.router.accept(sms(LAURA, "Is her coat there?"))
    # A new row must not take the id of a handled one, or it would be skipped as handled.
    assert await scalar(again, "SELECT MIN(id) FROM inbound") > 2
    await again.router.drain()
    assert await relays_to_tom(again) == 2
    await again.stop()


async def test_rows_an_older_version_kept_in_the_database_move_to_the_inbound_file(tmp_path):
    # A database made before migration 0010, with one row handled and one waiting.
    with sqlite3.connect(tmp_path / "k.db", isolation_level=None) as conn:
        for number, sql in database.migrations():
            if number < 10:
                conn.executescript(f"BEGIN; {sql}; PRAGMA user_version={number}; COMMIT;")
        for n, (sid, text, handled) in enumerate(
            [("SMold1", "Hi", "2026-11-24T09:00:01.000000Z"), ("SMold2", "Is Amelia in?", None)]
        ):
            stored = {"channel": "sms", "address": LAURA, "external_id": sid, "text": text,
                      "received_at": "2026-11-24T09:00:00.000000Z", "kind": "message"}  # fmt: skip
            conn.execute(
                "INSERT INTO inbound (id, channel, external_id, address, payload, received_at, "
                "handled_at) VALUES (?, 'sms', ?, ?, ?, '2026-11-24T09:00:00.000000Z', ?)",
                (n + 1, sid, LAURA, json.dumps(stored), handled),
            )
    conn.close()

    kp = await make_keyperson(tmp_path)
    assert await scalar(kp, "SELECT COUNT(*) FROM inbound") == 2
    assert await scalar(kp, "SELECT COUNT(*) FROM inbound_handled") == 1
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await scalar(kp, "SELECT COUNT(*) FROM inbound_legacy")
    await kp.router.drain()
    assert await scalar(kp, "SELECT COUNT(*) FROM inbound WHERE handled_at IS NULL") == 0
    assert await relays_to_tom(kp) == 1  # the waiting one, once; the handled one not again
    assert await kp.router.accept(sms(LAURA, "Thank you")) is True
    assert await scalar(kp, "SELECT MAX(id) FROM inbound") == 3
    await kp.stop()


async def test_a_database_opens_both_files_and_closes_both(tmp_path):
    db = Database(tmp_path / "k.db")
    await db.open()
    async with db.inbound.transaction() as inbox:
        assert (
            await inbox.store("sms", "SM1", LAURA, {}, datetime(2026, 11, 24, 10, tzinfo=UTC)) == 1
        )
    await db.close()
    await db.close()
    with sqlite3.connect(inbound_path(tmp_path / "k.db")) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT COUNT(*) FROM inbound").fetchone()[0] == 1


async def test_marks_commit_without_waiting_for_the_disk_and_webhooks_still_do(tmp_path):
    db = Database(tmp_path / "k.db")
    await db.open()
    conn = db.inbound.conn

    async def synchronous() -> int:
        return int(next(iter(await conn.execute_fetchall("PRAGMA synchronous")))[0])

    async with db.inbound.transaction(durable=False) as inbox:
        assert await synchronous() == 1  # NORMAL: the handled marks, which can be made again
        await inbox.mark_handled([], datetime(2026, 11, 24, 10, tzinfo=UTC))
    assert await synchronous() == 2  # FULL again for every webhook's commit
    with pytest.raises(RuntimeError):
        async with db.inbound.transaction(durable=False):
            raise RuntimeError("a failed mark")
    assert await synchronous() == 2
    async with db.inbound.transaction():
        assert await synchronous() == 2
    await db.close()
