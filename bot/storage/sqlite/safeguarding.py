"""SQLite repository for safeguarding records: reference numbers, the records, and the
acknowledgement and escalation of each."""

from __future__ import annotations

import json

import aiosqlite

from bot.storage.rows import SafeguardingRecord, SafeguardingRow, SafeguardingStage, Writer
from bot.storage.sqlite.sql import fetch_all, fetch_one, from_iso, from_iso_or_none, iso

FIRST_NUMBER = 1001


class SqliteSafeguarding:
    """Safeguarding records, kept apart from messages so that no retention purge removes them."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def reserve(self, setting_id: int) -> int:
        """The next reference number in a setting, taken now (rolled back with the message if
        handling it fails, so numbers are never given twice)."""
        row = await fetch_one(
            self.conn,
            "INSERT INTO safeguarding_numbers (setting_id, last) VALUES (?, ?) "
            "ON CONFLICT (setting_id) DO UPDATE SET last = last + 1 RETURNING last",
            (setting_id, FIRST_NUMBER),
        )
        return int(row["last"])

    async def add(self, record: SafeguardingRecord, by: Writer) -> None:
        """Keep a safeguarding record, raised at `by.now`."""
        if by.setting_id is None:
            raise ValueError("a safeguarding record belongs to a setting")
        await self.conn.execute(
            "INSERT INTO safeguarding (setting_id, number, carer_id, children, signs, words, "
            "told, raised_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                by.setting_id,
                record.number,
                record.carer_id,
                json.dumps(list(record.children)),
                json.dumps(list(record.signs)),
                record.words,
                json.dumps(list(record.told)),
                iso(by.now),
            ),
        )

    async def acknowledge(self, stage: SafeguardingStage, by: Writer) -> None:
        """Record that the staff member writing acknowledged it (the first to do so counts)."""
        await self.conn.execute(
            "UPDATE safeguarding SET acknowledged_at = ?, acknowledged_by = ? "
            "WHERE setting_id = ? AND number = ? AND acknowledged_at IS NULL",
            (iso(by.now), by.person_id, by.setting_id, stage.number),
        )

    async def escalate(self, stage: SafeguardingStage, by: Writer) -> None:
        """Record that it was sent on because no one acknowledged it in time."""
        await self.conn.execute(
            "UPDATE safeguarding SET escalated_at = ? WHERE setting_id = ? AND number = ?",
            (iso(by.now), by.setting_id, stage.number),
        )

    async def find(self, setting_id: int, number: int) -> SafeguardingRow | None:
        """A record by its number in a setting, with names."""
        row = await fetch_one(
            self.conn,
            "SELECT g.*, ca.name AS carer, s.name AS acknowledger FROM safeguarding g "
            "JOIN carers ca ON ca.id = g.carer_id "
            "LEFT JOIN staff s ON s.id = g.acknowledged_by "
            "WHERE g.setting_id = ? AND g.number = ?",
            (setting_id, number),
        )
        if row is None:
            return None
        child_ids = [int(c) for c in json.loads(row["children"])]
        names: dict[int, tuple[str, str]] = {}
        if child_ids:
            marks = ",".join("?" * len(child_ids))
            found = await fetch_all(
                self.conn,
                f"SELECT c.id, c.first_name, cc.relationship FROM children c "
                f"LEFT JOIN child_carers cc ON cc.child_id = c.id AND cc.carer_id = ? "
                f"WHERE c.id IN ({marks})",
                (row["carer_id"], *child_ids),
            )
            names = {int(f["id"]): (f["first_name"], f["relationship"] or "") for f in found}
        listed = [names[c] for c in child_ids if c in names]
        return SafeguardingRow(
            number=int(row["number"]),
            carer=str(row["carer"]),
            relationship=listed[0][1] if listed else "",
            children=tuple(name for name, _ in listed),
            signs=tuple(json.loads(row["signs"])),
            words=str(row["words"]),
            told=tuple(int(s) for s in json.loads(row["told"])),
            raised_at=from_iso(row["raised_at"]),
            acknowledged_at=from_iso_or_none(row["acknowledged_at"]),
            acknowledged_by=row["acknowledger"],
            escalated_at=from_iso_or_none(row["escalated_at"]),
        )
