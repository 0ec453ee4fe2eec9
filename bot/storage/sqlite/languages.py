"""SQLite repository for the languages families write in and the switch question."""

from __future__ import annotations

import aiosqlite

from bot.domain.languages import LanguageHistory, LanguageSeen, SwitchAnswered, SwitchAsked
from bot.storage.rows import Writer
from bot.storage.sqlite.sql import fetch_one, from_iso_or_none, iso

_UPSERT = "INSERT INTO language_history (carer_id) VALUES (?) ON CONFLICT (carer_id) DO NOTHING"


class SqliteLanguages:
    """Per carer: the language their messages agree on, and the switch question."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def history(self, carer_id: int) -> LanguageHistory:
        """The carer's row (an empty history when there is none yet)."""
        row = await fetch_one(
            self.conn,
            "SELECT seen_language, seen_count, asked_language, asked_at, answer "
            "FROM language_history WHERE carer_id = ?",
            (carer_id,),
        )
        if row is None:
            return LanguageHistory()
        return LanguageHistory(
            seen_language=row["seen_language"],
            seen_count=int(row["seen_count"]),
            asked_language=row["asked_language"],
            asked_at=from_iso_or_none(row["asked_at"]),
            answer=row["answer"],
        )

    async def seen(self, record: LanguageSeen, by: Writer) -> None:
        """Keep the language the carer's last messages agree on."""
        await self.conn.execute(_UPSERT, (record.carer_id,))
        await self.conn.execute(
            "UPDATE language_history SET seen_language = ?, seen_count = ? WHERE carer_id = ?",
            (record.language, record.count, record.carer_id),
        )

    async def asked(self, record: SwitchAsked, by: Writer) -> None:
        """Keep that the family was asked about a language (its answer not yet known)."""
        await self.conn.execute(_UPSERT, (record.carer_id,))
        await self.conn.execute(
            "UPDATE language_history SET asked_language = ?, asked_at = ?, answer = NULL, "
            "answered_at = NULL WHERE carer_id = ?",
            (record.language, iso(by.now), record.carer_id),
        )

    async def answered(self, record: SwitchAnswered, by: Writer) -> None:
        """Keep the family's answer; a yes changes the language of every carer on their phone
        (carers sharing a phone share its language)."""
        await self.conn.execute(_UPSERT, (record.carer_id,))
        await self.conn.execute(
            "UPDATE language_history SET asked_language = ?, answer = ?, answered_at = ?, "
            "asked_at = COALESCE(asked_at, ?) WHERE carer_id = ?",
            (
                record.language,
                "yes" if record.accepted else "no",
                iso(by.now),
                iso(by.now),
                record.carer_id,
            ),
        )
        if record.accepted:
            await self.conn.execute(
                "UPDATE carers SET language = ? WHERE id = ? OR (phone IS NOT NULL AND "
                "(setting_id, phone) = (SELECT setting_id, phone FROM carers WHERE id = ?))",
                (record.language, record.carer_id, record.carer_id),
            )
