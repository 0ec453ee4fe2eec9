"""SQLite repository for timers and reminders: rows due in UTC with the local rule that made
them, fired once by the scheduler, cancelled with their event, or recorded as missed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.storage.rows import ReminderRow
from bot.storage.sqlite.sql import fetch_all, from_iso, iso, iso_or_none

_PENDING = "fired_at IS NULL AND cancelled_at IS NULL AND missed_at IS NULL"


class SqliteReminders:
    """Timers as rows: added with a flow transition, fired by the scheduler."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def add(
        self,
        setting_id: int,
        channel: str,
        address: str,
        flow: str,
        due_at: datetime,
        rule: str,
        payload: dict[str, Any],
        *,
        kind: str | None = None,
        subject: str | None = None,
        about: str | None = None,
        event_at: datetime | None = None,
    ) -> None:
        """Set a timer (a reminder, when it has a kind)."""
        await self.conn.execute(
            "INSERT INTO reminders (setting_id, channel, address, flow, due_at, rule, payload, "
            "kind, subject, about, event_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                setting_id,
                channel,
                address,
                flow,
                iso(due_at),
                rule,
                json.dumps(payload),
                kind,
                subject,
                about,
                iso_or_none(event_at),
            ),
        )

    async def due(
        self, now: datetime, limit: int = 500, setting_id: int | None = None
    ) -> list[ReminderRow]:
        """Timers due by `now` (of one setting, if given) not yet fired, cancelled or missed."""
        rows = await fetch_all(
            self.conn,
            f"SELECT * FROM reminders WHERE {_PENDING} AND due_at <= ? "
            "AND (? IS NULL OR setting_id = ?) ORDER BY due_at, id LIMIT ?",
            (iso(now), setting_id, setting_id, limit),
        )
        return [_row(r) for r in rows]

    async def mark_fired(self, reminder_id: int, now: datetime) -> None:
        """Record that a timer fired, so it never fires twice."""
        await self.mark_all_fired([reminder_id], now)

    async def mark_all_fired(self, reminder_ids: Sequence[int], now: datetime) -> None:
        """Record that these timers fired, in one statement."""
        await self.conn.executemany(
            "UPDATE reminders SET fired_at = ? WHERE id = ? AND fired_at IS NULL",
            [(iso(now), i) for i in reminder_ids],
        )

    async def mark_missed(self, reminder_ids: Sequence[int], now: datetime) -> None:
        """Record reminders found due too late to be of use: kept, never sent."""
        await self.conn.executemany(
            "UPDATE reminders SET missed_at = ? WHERE id = ? AND fired_at IS NULL",
            [(iso(now), i) for i in reminder_ids],
        )

    async def claim_period(self, name: str, period: str, now: datetime) -> bool:
        """Claim periodic work for one period (a week, say); False if it was done already."""
        cur = await self.conn.execute(
            "INSERT INTO scheduled_runs (name, period, ran_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name, period) DO NOTHING",
            (name, period, iso(now)),
        )
        return cur.rowcount == 1

    async def cancel(
        self, channel: str, address: str, flow: str, now: datetime, rule: str | None = None
    ) -> None:
        """Cancel a conversation's pending timers of one flow (of one rule, if given)."""
        await self.conn.execute(
            "UPDATE reminders SET cancelled_at = ? WHERE channel = ? AND address = ? AND flow = ? "
            f"AND (? IS NULL OR rule = ?) AND {_PENDING}",
            (iso(now), channel, address, flow, rule, rule),
        )

    async def cancel_subject(self, subject: str, now: datetime) -> int:
        """Cancel every pending reminder about one event (moved or cancelled); how many."""
        cur = await self.conn.execute(
            f"UPDATE reminders SET cancelled_at = ? WHERE subject = ? AND {_PENDING}",
            (iso(now), subject),
        )
        return cur.rowcount

    async def upcoming(self, setting_id: int, start: datetime, end: datetime) -> list[ReminderRow]:
        """The reminders people see (those with a kind) due from `start` up to `end`."""
        rows = await fetch_all(
            self.conn,
            f"SELECT * FROM reminders WHERE setting_id = ? AND kind IS NOT NULL AND {_PENDING} "
            "AND due_at >= ? AND due_at < ? ORDER BY due_at, id",
            (setting_id, iso(start), iso(end)),
        )
        return [_row(r) for r in rows]

    async def next_due(self, setting_id: int) -> datetime | None:
        """When the first pending timer of a setting is due (any timer, not only reminders;
        it may be due already)."""
        rows = await fetch_all(
            self.conn,
            f"SELECT MIN(due_at) FROM reminders WHERE setting_id = ? AND {_PENDING}",
            (setting_id,),
        )
        first = rows[0][0] if rows else None
        return from_iso(first) if first else None


def _row(r: aiosqlite.Row) -> ReminderRow:
    return ReminderRow(
        r["id"],
        r["setting_id"],
        r["channel"],
        r["address"],
        r["flow"],
        from_iso(r["due_at"]),
        r["rule"],
        json.loads(r["payload"]),
        r["kind"],
        r["subject"],
        r["about"],
        from_iso(r["event_at"]) if r["event_at"] else None,
    )
