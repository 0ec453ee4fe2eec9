"""SQLite repository for absences: who is told when a child is away, the absences kept, and
the day's list for the report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import aiosqlite

from bot.storage.rows import OPEN_DAYS, AbsenceRecord, AbsenceRow, Writer
from bot.storage.sqlite.sql import fetch_all, fetch_one


class SqliteAbsences:
    """Absences, and the staff told about a child's."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def to_tell(self, child_ids: tuple[int, ...]) -> dict[int, tuple[int, ...]]:
        """Per child: their key person, then the staff of their room; the managers when the
        child has neither. Staff ids, each once, key person first."""
        told: dict[int, tuple[int, ...]] = {}
        for child_id in dict.fromkeys(child_ids):
            row = await fetch_one(
                self.conn,
                "SELECT c.setting_id, c.room, s.id AS key_person FROM children c "
                "LEFT JOIN staff s ON s.setting_id = c.setting_id AND s.ref = c.key_person_ref "
                "WHERE c.id = ?",
                (child_id,),
            )
            if row is None:
                continue
            staff = await fetch_all(
                self.conn, "SELECT id, rooms FROM staff WHERE setting_id = ? ORDER BY id",
                (row["setting_id"],),
            )  # fmt: skip
            room = _room(row["room"])
            ids = [int(row["key_person"])] if row["key_person"] is not None else []
            if room:
                ids += [int(s["id"]) for s in staff if room in _rooms(s["rooms"])]
            if not ids:
                managers = await fetch_all(
                    self.conn,
                    "SELECT id FROM staff WHERE setting_id = ? AND ';' || roles || ';' LIKE "
                    "'%;manager;%' ORDER BY id",
                    (row["setting_id"],),
                )
                ids = [int(m["id"]) for m in managers]
            told[child_id] = tuple(dict.fromkeys(ids))
        return told

    async def add(self, record: AbsenceRecord, by: Writer) -> None:
        """Keep one child's absence, reported by `by.actor` at `by.now`."""
        setting_id, actor, now = by.setting_id, by.actor, by.now
        if setting_id is None:
            raise ValueError("an absence belongs to a setting")
        await self.conn.execute(
            "INSERT INTO absences (setting_id, child_id, reason, first_day, last_day, "
            "reported_by, reported_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                setting_id,
                record.child_id,
                record.reason,
                record.first_day.isoformat(),
                record.last_day.isoformat() if record.last_day else None,
                actor,
                _utc(now),
            ),
        )

    async def on_day(self, setting_id: int, day: date) -> list[AbsenceRow]:
        """The absences that cover a day (open ones for OPEN_DAYS from their first day), by
        room and child; a child reported twice is listed as last reported."""
        earliest = (day - timedelta(days=OPEN_DAYS - 1)).isoformat()
        rows = await fetch_all(
            self.conn,
            "SELECT a.id, a.child_id, c.first_name, c.last_name, c.room, a.reason, a.first_day, "
            "a.last_day, a.reported_by, a.reported_at, ca.name AS carer, cc.relationship "
            "FROM absences a JOIN children c ON c.id = a.child_id "
            "LEFT JOIN carers ca ON 'carer:' || ca.id = a.reported_by "
            "LEFT JOIN child_carers cc ON cc.child_id = a.child_id AND cc.carer_id = ca.id "
            "WHERE a.setting_id = ? AND a.first_day <= ? "
            "AND (a.last_day >= ? OR (a.last_day IS NULL AND a.first_day >= ?)) "
            "ORDER BY a.reported_at, a.id",
            (setting_id, day.isoformat(), day.isoformat(), earliest),
        )
        latest = {int(r["child_id"]): r for r in rows}  # a later report replaces an earlier
        found = [
            AbsenceRow(
                child=f"{r['first_name']} {r['last_name']}",
                room=str(r["room"]),
                reason=str(r["reason"]),
                first_day=date.fromisoformat(r["first_day"]),
                last_day=date.fromisoformat(r["last_day"]) if r["last_day"] else None,
                reported_by=(
                    f"{r['carer']} ({r['relationship']})" if r["carer"] else str(r["reported_by"])
                ),
                reported_at=datetime.strptime(r["reported_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                    tzinfo=UTC
                ),
            )
            for r in latest.values()
        ]
        return sorted(found, key=lambda a: (a.room.casefold(), a.child.casefold()))


def _room(name: str | None) -> str:
    return (name or "").strip().casefold()


def _rooms(cell: str | None) -> set[str]:
    return {_room(r) for r in (cell or "").split(";") if r.strip()}


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
