"""SQLite repositories for news about children, carers' update modes and pending summaries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain.people import KeyChild, PersonKind
from bot.storage.rows import DigestItem, FamilyMember, Writer
from bot.storage.sqlite.sql import fetch_all, fetch_one, from_iso_or_none, iso


class SqliteNews:
    """News about children and the summaries that carry it to families."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def key_children(self, staff_ids: list[int]) -> list[KeyChild]:
        """The children whose key person is one of these staff members: the first member's own
        children first, then those of colleagues they cover, each by first name."""
        marks = ",".join("?" * len(staff_ids))
        rows = await fetch_all(
            self.conn,
            "SELECT c.id, c.first_name, c.photo_consent FROM children c "
            "JOIN staff s ON s.setting_id = c.setting_id AND s.ref = c.key_person_ref "
            f"WHERE s.id IN ({marks}) AND c.left_at IS NULL "
            "ORDER BY s.id != ?, c.first_name, c.id",
            (*staff_ids, staff_ids[0]),
        )
        return [KeyChild(r[0], r[1], bool(r[2])) for r in rows]

    async def families(self, child_ids: list[int]) -> list[FamilyMember]:
        """Every carer of these children still linked to them, with their update mode, carer
        by carer; carers who share a phone count once, as the carer the phone is filed under."""
        marks = ",".join("?" * len(child_ids))
        rows = await fetch_all(
            self.conn,
            "SELECT DISTINCT ca.id, ca.name, ca.language, ca.update_mode, ca.summary_time, "
            "ca.summary_day, c.id, c.first_name, cc.receives_information, c.photo_consent "
            "FROM child_carers cc JOIN carer_reach r ON r.carer_id = cc.carer_id "
            "JOIN carers ca ON ca.id = r.reached_as "
            f"JOIN children c ON c.id = cc.child_id WHERE cc.child_id IN ({marks}) "
            "AND cc.left_at IS NULL AND c.left_at IS NULL "
            "ORDER BY ca.id, c.first_name, c.id",
            tuple(child_ids),
        )
        return [
            FamilyMember(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), bool(r[9]))
            for r in rows
        ]

    async def add(
        self,
        setting_id: int,
        child_id: int,
        kind: str,
        author: str,
        body: str,
        photo: str | None,
        now: datetime,
    ) -> None:
        """Record what was said about a child."""
        await self.conn.execute(
            "INSERT INTO news (setting_id, child_id, kind, author, body, photo, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (setting_id, child_id, kind, author, body, photo, iso(now)),
        )

    async def update_mode(self, carer_id: int) -> tuple[str, str, int]:
        """(mode, summary time HH:MM, summary weekday) of a carer."""
        row = await fetch_one(
            self.conn,
            "SELECT update_mode, summary_time, summary_day FROM carers WHERE id = ?",
            (carer_id,),
        )
        assert row is not None
        return str(row[0]), str(row[1]), int(row[2])

    async def write_news(self, record: Any, by: Writer) -> None:
        """Keep what a carer said about a child (record: child_id, kind, text)."""
        assert by.setting_id is not None
        await self.add(
            by.setting_id, record.child_id, record.kind, by.actor, record.text, None, by.now
        )

    async def write_update_mode(self, record: Any, by: Writer) -> None:
        """The writer's update mode (record: mode, at, day); only a carer has one."""
        if by.person_kind is PersonKind.CARER and by.person_id is not None:
            await self.set_update_mode(by.person_id, record.mode, record.at, record.day)

    async def set_update_mode(
        self, carer_id: int, mode: str, at: str | None = None, day: int | None = None
    ) -> None:
        """Record how a carer wants updates (and when, for summaries)."""
        await self.conn.execute(
            "UPDATE carers SET update_mode = ?, summary_time = COALESCE(?, summary_time), "
            "summary_day = COALESCE(?, summary_day) WHERE id = ?",
            (mode, at, day, carer_id),
        )

    async def hold(
        self, setting_id: int, carer_id: int, child_name: str, text: str, due_at: datetime
    ) -> None:
        """Keep an update for a carer's next summary."""
        await self.conn.execute(
            "INSERT INTO digest_items (setting_id, carer_id, child_name, text, due_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (setting_id, carer_id, child_name, text, iso(due_at)),
        )

    async def due(self, now: datetime, limit: int = 5000) -> list[DigestItem]:
        """Updates whose summary is due and not yet sent, carer by carer, oldest first."""
        rows = await fetch_all(
            self.conn,
            "SELECT id, setting_id, carer_id, child_name, text FROM digest_items "
            "WHERE sent_at IS NULL AND due_at <= ? ORDER BY carer_id, id LIMIT ?",
            (iso(now), limit),
        )
        return [DigestItem(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def mark_sent(self, item_ids: list[int], now: datetime) -> None:
        """Mark summary items sent (in the transaction that queued the summary)."""
        await self.conn.executemany(
            "UPDATE digest_items SET sent_at = ? WHERE id = ? AND sent_at IS NULL",
            [(iso(now), i) for i in item_ids],
        )

    async def quiet_families(
        self, setting_id: int, since: datetime, concerns_since: datetime
    ) -> list[dict[str, object]]:
        """Per child and key person: the last staff update, and the last month's concerns
        and celebrations, for the keeping-in-touch report."""
        rows = await fetch_all(
            self.conn,
            "SELECT c.id AS child_id, c.first_name, c.last_name, s.id AS key_person_id, "
            "s.name AS key_person, "
            "(SELECT MAX(n.created_at) FROM news n WHERE n.child_id = c.id "
            " AND n.kind IN ('update', 'celebration')) AS last_update, "
            "(SELECT COUNT(*) FROM news n WHERE n.child_id = c.id AND n.kind = 'concern' "
            " AND n.created_at >= ?) + "
            # Concerns raised as cases count too; a safety concern is the DSL's, never listed.
            "(SELECT COUNT(*) FROM concerns k WHERE k.child_id = c.id AND k.topic != 'safety' "
            " AND k.stage NOT IN ('draft', 'abandoned')"
            " AND k.opened_at >= ?) AS concerns, "
            "(SELECT COUNT(*) FROM news n WHERE n.child_id = c.id "
            " AND n.kind IN ('celebration', 'home') AND n.created_at >= ?) AS celebrations "
            "FROM children c LEFT JOIN staff s ON s.setting_id = c.setting_id "
            "AND s.ref = c.key_person_ref WHERE c.setting_id = ? AND c.left_at IS NULL "
            "ORDER BY s.name, c.first_name",
            (iso(concerns_since), iso(concerns_since), iso(concerns_since), setting_id),
        )
        stamp = iso(since)
        return [
            dict(r)
            | {
                "last_update": from_iso_or_none(r["last_update"]),
                "no_update": r["last_update"] is None or r["last_update"] < stamp,
            }
            for r in rows
        ]
