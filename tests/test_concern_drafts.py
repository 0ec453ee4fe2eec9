"""Concern drafts in storage: one record from the first step, its answers kept, raised in
place (same reference), offered for a day, closed as abandoned and never deleted; migration
0015 keeps the concerns and notes already held."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.flows.concerns import Abandoned, Concern, Draft, DraftAnswer
from bot.storage.sqlite.database import Database, migrations
from tests.test_absences import DATA, _setting
from tests.test_concerns import DUE, NOW, by
from tests.test_concerns import db as db


async def test_a_draft_is_one_record_raised_in_place(db):
    setting_id = await _setting(db, DATA / "staff.csv")
    writer = by(setting_id, "carer:1", 1)
    async with db.transaction() as repos:
        number = await repos.concerns.reserve_number(setting_id)
        await repos.concerns.start_draft(Draft(number), writer)
        await repos.concerns.keep_draft(DraftAnswer(number, {"child_id": 1}), writer)
        await repos.concerns.keep_draft(DraftAnswer(number, {"topic": "care"}), writer)
        draft = await repos.concerns.draft_of(setting_id, 1, NOW - timedelta(days=1))
        tom = await repos.people.staff_member(4)
        assert await repos.concerns.open_for(setting_id, tom) == []
        assert await repos.concerns.listed(setting_id, False, None) == []  # not raised yet
    assert draft is not None and draft.number == number and draft.stage == "draft"
    assert (draft.child_id, draft.topic, draft.urgency) == (1, "care", "")
    assert draft.acknowledge_by is None
    async with db.transaction() as repos:
        raised = Concern(number, 1, "care", "week", "a scratch", "message", (4,), DUE, "AgPh0t0")
        await repos.concerns.add(raised, by(setting_id, "carer:1", 1, NOW + timedelta(hours=1)))
        kept = await repos.concerns.by_number(setting_id, number)
        count = await repos.conn.execute_fetchall("SELECT COUNT(*) FROM concerns")
        gone = await repos.concerns.draft_of(setting_id, 1, NOW - timedelta(days=1))
    assert count[0][0] == 1 and gone is None
    assert kept is not None and (kept.stage, kept.words, kept.photo) == (
        "received", "a scratch", "AgPh0t0"
    )  # fmt: skip
    assert kept.opened_at == NOW + timedelta(hours=1)  # opened when raised


async def test_a_draft_is_offered_for_a_day_then_closed_as_abandoned_never_deleted(db):
    setting_id = await _setting(db, DATA / "staff.csv")
    writer = by(setting_id, "carer:1", 1)
    async with db.transaction() as repos:
        number = await repos.concerns.reserve_number(setting_id)
        await repos.concerns.start_draft(Draft(number, "I'm worried"), writer)
        later = NOW + timedelta(days=1, minutes=1)
        stale = await repos.concerns.draft_of(setting_id, 1, later - timedelta(days=1))
        await repos.concerns.abandon(Abandoned(number), by(setting_id, "carer:1", 1, later))
        row = await repos.conn.execute_fetchall(
            "SELECT stage, words, closed_at FROM concerns WHERE number = ?", (number,)
        )
        report = await repos.concerns.listed(setting_id, False, None)
        open_ones = await repos.concerns.listed(setting_id, True, None)
    assert stale is None  # more than a day old: not offered
    assert tuple(row[0])[:2] == ("abandoned", "I'm worried") and row[0][2]
    assert [c.stage for c in report] == ["abandoned"] and open_ones == []


async def test_migration_0015_keeps_concerns_and_notes(tmp_path: Path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for number, sql in migrations():
        if number <= 14:
            conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version={number};\nCOMMIT;")
    conn.executescript(
        "INSERT INTO settings (id, ref, name, profile, updated_at) VALUES (1, 's', 'S', '{}', 'x');"
        "INSERT INTO carers (id, setting_id, ref, name, phone, language) "
        "VALUES (1, 1, 'P1', 'Laura', '+447700900001', 'en');"
        "INSERT INTO concerns (id, setting_id, number, carer_id, topic, urgency, words, "
        "answer_by, opened_at, acknowledge_by) VALUES (7, 1, 1001, 1, 'care', 'week', 'w', "
        "'phone', '2026-11-24T10:00:00.000000Z', '2026-11-26T10:00:00.000000Z');"
        "INSERT INTO concern_notes (concern_id, kind, words, written_by, written_at) "
        "VALUES (7, 'family', 'more', 'carer:1', '2026-11-24T11:00:00.000000Z');"
    )
    conn.close()
    database = Database(path)
    await database.open()
    try:
        async with database.reading() as repos:
            kept = await repos.concerns.by_number(1, 1001)
            notes = await repos.conn.execute_fetchall("SELECT concern_id, words FROM concern_notes")
            broken = await repos.conn.execute_fetchall("PRAGMA foreign_key_check")
    finally:
        await database.close()
    assert kept is not None and (kept.id, kept.words, kept.stage) == (7, "w", "received")
    assert [tuple(n) for n in notes] == [(7, "more")] and not broken
