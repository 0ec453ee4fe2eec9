"""SQLite repository for translation tasks and who can translate what."""

from __future__ import annotations

from typing import Any

import aiosqlite

from bot.domain.translations import (
    FIRST_NUMBER,
    Delivery,
    Expired,
    Translated,
    TranslationAsked,
    TranslationTask,
)
from bot.storage.rows import Writer
from bot.storage.sqlite.sql import fetch_all, fetch_one, from_iso, iso

_COLUMNS = (
    "number, direction, language, words, carer, children, deliver_to, translators, "
    "created_at, translated_by, carer_id, child_id, thread, author, expired_at, families"
)


def _ids(cell: str) -> tuple[int, ...]:
    return tuple(int(x) for x in cell.split(";") if x)


def _cells(cell: str) -> set[str]:
    return {x.strip().lower() for x in (cell or "").split(";") if x.strip()}


class SqliteTranslations:
    """Translation tasks, their references, and the staff who read or translate a language."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def translators(self, setting_id: int, language: str) -> tuple[int, ...]:
        """Ids of the staff with the translator role who give this language."""
        rows = await fetch_all(
            self.conn,
            "SELECT id, roles, languages FROM staff WHERE setting_id = ? ORDER BY id",
            (setting_id,),
        )
        return tuple(
            int(r["id"])
            for r in rows
            if "translator" in _cells(r["roles"]) and language in _cells(r["languages"])
        )

    async def readers(self, staff_ids: tuple[int, ...], language: str) -> tuple[int, ...]:
        """Those of these staff who give this language among theirs."""
        found = []
        for staff_id in staff_ids:
            row = await fetch_one(
                self.conn, "SELECT languages FROM staff WHERE id = ?", (staff_id,)
            )
            if row is not None and language in _cells(row["languages"]):
                found.append(staff_id)
        return tuple(found)

    async def reserve(self, setting_id: int) -> int:
        """The next reference number of a setting, taken now."""
        row = await fetch_one(
            self.conn,
            "INSERT INTO translation_numbers (setting_id, last) VALUES (?, ?) "
            "ON CONFLICT (setting_id) DO UPDATE SET last = last + 1 RETURNING last",
            (setting_id, FIRST_NUMBER),
        )
        return int(row[0])

    async def add(self, record: TranslationAsked, by: Writer) -> None:
        """Keep a task."""
        if by.setting_id is None:
            raise ValueError("a translation task belongs to a setting")
        await self.conn.execute(
            "INSERT INTO translation_tasks (setting_id, number, direction, language, words, "
            "carer_id, carer, children, deliver_to, translators, created_at, child_id, thread, "
            "author, families) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                by.setting_id,
                record.number,
                record.direction,
                record.language,
                record.words,
                record.carer_id,
                record.carer,
                ", ".join(record.children),
                ";".join(str(i) for i in record.deliver_to),
                ";".join(str(i) for i in record.translators),
                iso(by.now),
                record.child_id,
                record.thread,
                record.author,
                record.families.dumps() if record.families is not None else None,
            ),
        )

    async def expired(self, record: Expired, by: Writer) -> None:
        """Keep that the English went instead of a translation."""
        if by.setting_id is None:
            raise ValueError("a translation task belongs to a setting")
        await self.conn.execute(
            "UPDATE translation_tasks SET expired_at = ? WHERE setting_id = ? AND number = ? "
            "AND translated_by IS NULL",
            (iso(by.now), by.setting_id, record.number),
        )

    async def by_language(self, setting_id: int) -> dict[str, tuple[int, ...]]:
        """Per language, the staff with the translator role who give it."""
        rows = await fetch_all(
            self.conn,
            "SELECT id, roles, languages FROM staff WHERE setting_id = ? ORDER BY id",
            (setting_id,),
        )
        found: dict[str, list[int]] = {}
        for r in rows:
            if "translator" in _cells(r["roles"]):
                for language in _cells(r["languages"]):
                    found.setdefault(language, []).append(int(r["id"]))
        return {language: tuple(ids) for language, ids in found.items()}

    async def translated(self, record: Translated, by: Writer) -> None:
        """Keep a task's translation and who gave it."""
        if by.setting_id is None or by.person_id is None:
            raise ValueError("a translation is given by a member of staff of a setting")
        await self.conn.execute(
            "UPDATE translation_tasks SET translation = ?, translated_by = ?, translated_at = ? "
            "WHERE setting_id = ? AND number = ?",
            (record.translation, by.person_id, iso(by.now), by.setting_id, record.number),
        )

    async def find(self, setting_id: int, number: int) -> TranslationTask | None:
        """A task by its number."""
        row = await fetch_one(
            self.conn,
            f"SELECT {_COLUMNS} FROM translation_tasks WHERE setting_id = ? AND number = ?",
            (setting_id, number),
        )
        return _task(row) if row is not None else None

    async def waiting(self, setting_id: int, staff_id: int) -> list[TranslationTask]:
        """Tasks not yet translated that this member of staff was asked to do, oldest first."""
        rows = await fetch_all(
            self.conn,
            f"SELECT {_COLUMNS} FROM translation_tasks WHERE setting_id = ? "
            "AND translated_by IS NULL AND expired_at IS NULL "
            "AND ';' || translators || ';' LIKE ? ORDER BY number",
            (setting_id, f"%;{staff_id};%"),
        )
        return [_task(r) for r in rows]


def _task(row: Any) -> TranslationTask:
    return TranslationTask(
        number=int(row["number"]),
        direction=row["direction"],
        language=row["language"],
        words=row["words"],
        carer=row["carer"],
        children=tuple(c for c in row["children"].split(", ") if c),
        deliver_to=_ids(row["deliver_to"]),
        translators=_ids(row["translators"]),
        created_at=from_iso(row["created_at"]),
        translated_by=row["translated_by"],
        carer_id=row["carer_id"],
        child_id=row["child_id"],
        thread=row["thread"],
        author=row["author"],
        expired=row["expired_at"] is not None,
        families=Delivery.loads(row["families"]) if row["families"] else None,
    )
