"""SQLite repositories for what happens after a send: reconciling unknown outcomes, fallback
chains, the delivery report, and the caps on automatic answers and relay loops."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from bot.storage.rows import STATUS_RANK, DeliveryLine, OutboxRow
from bot.storage.sqlite.messages import outbox_from_row
from bot.storage.sqlite.sql import (
    fetch_all,
    fetch_one,
    from_iso,
    from_iso_or_none,
    iso,
    iso_or_none,
)

# Statuses that mean "the provider has it": a sibling row in one of them reached the person.
REACHED = tuple(s for s, rank in STATUS_RANK.items() if rank in (2, 3, 5, 6) and s != "unknown")


class SqliteDelivery:
    """Unknown outcomes, fallbacks and the delivery report."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def due_unknown(self, channel: str, now: datetime, limit: int) -> list[OutboxRow]:
        """Unknown sends of a channel whose reconciliation is due, oldest first."""
        rows = await fetch_all(
            self.conn,
            "SELECT * FROM outbox WHERE status = 'unknown' AND channel = ? "
            "AND reconcile_at IS NOT NULL AND reconcile_at <= ? ORDER BY reconcile_at, id LIMIT ?",
            (channel, iso(now), limit),
        )
        return [outbox_from_row(r) for r in rows]

    async def next_reconcile_at(self, channel: str) -> datetime | None:
        """When the next unknown send of a channel is to be reconciled."""
        row = await fetch_one(
            self.conn,
            "SELECT MIN(reconcile_at) FROM outbox WHERE status = 'unknown' AND channel = ?",
            (channel,),
        )
        return from_iso_or_none(row[0]) if row else None

    async def found(self, outbox_id: int, provider_id: str, status: str, now: datetime) -> None:
        """The provider has the message after all: record its id and status; nothing is resent."""
        ours = status if STATUS_RANK.get(status, 0) > STATUS_RANK["accepted"] else "accepted"
        await self.conn.execute(
            "UPDATE outbox SET status = ?, provider_id = ?, error = NULL, reconcile_at = NULL, "
            "checks = checks + 1, updated_at = ? WHERE id = ? AND status = 'unknown'",
            (ours, provider_id, iso(now), outbox_id),
        )

    async def send_again(self, outbox_id: int, now: datetime, blind: bool) -> None:
        """Queue an unknown send again: the provider has no record of it (or, `blind`, cannot
        be asked and the duplicate risk is taken once)."""
        await self.conn.execute(
            "UPDATE outbox SET status = 'queued', next_attempt_at = ?, reconcile_at = NULL, "
            "checks = checks + 1, resent = resent + ?, updated_at = ? "
            "WHERE id = ? AND status = 'unknown'",
            (iso(now), int(blind), iso(now), outbox_id),
        )

    async def check_later(
        self, outbox_id: int, when: datetime | None, error: str, now: datetime
    ) -> None:
        """The lookup failed: try again at `when`, or (None) give up and leave it reported."""
        await self.conn.execute(
            "UPDATE outbox SET reconcile_at = ?, error = ?, checks = checks + 1, updated_at = ? "
            "WHERE id = ? AND status = 'unknown'",
            (iso_or_none(when), error, iso(now), outbox_id),
        )

    async def after_clock_jump(
        self, now: datetime, latest_retry: datetime, latest_check: datetime
    ) -> int:
        """After the clock went back: retries and checks now further off than any backoff
        would put them, and messages queued "in the future", are brought forward to now
        (holds for quiet hours, due after they were queued, stay)."""
        retries = await self.conn.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE status = 'queued' AND ("
            "(attempts > 0 AND next_attempt_at > ?) "
            "OR (attempts = 0 AND next_attempt_at <= created_at AND next_attempt_at > ?))",
            (iso(now), iso(latest_retry), iso(now)),
        )
        checks = await self.conn.execute(
            "UPDATE outbox SET reconcile_at = ? WHERE status = 'unknown' AND reconcile_at > ?",
            (iso(now), iso(latest_check)),
        )
        return retries.rowcount + checks.rowcount

    async def known_provider_ids(self, candidates: Iterable[str]) -> set[str]:
        """Which of these provider ids already belong to an outbox row."""
        wanted = list(candidates)
        if not wanted:
            return set()
        marks = ", ".join("?" * len(wanted))
        rows = await fetch_all(
            self.conn, f"SELECT provider_id FROM outbox WHERE provider_id IN ({marks})", wanted
        )
        return {r[0] for r in rows}

    async def chain(self, root: int) -> list[OutboxRow]:
        """A row and every fallback standing in for it."""
        rows = await fetch_all(
            self.conn,
            "SELECT * FROM outbox WHERE id = ? OR fallback_of = ? ORDER BY id",
            (root, root),
        )
        return [outbox_from_row(r) for r in rows]

    async def reached_otherwise(self, row: OutboxRow) -> bool:
        """Whether the same message to the same person went out on another of their channels."""
        if row.person_kind is None or row.person_id is None:
            return False
        marks = ", ".join("?" * len(REACHED))
        found = await fetch_one(
            self.conn,
            "SELECT 1 FROM outbox WHERE person_kind = ? AND person_id = ? AND created_at = ? "
            f"AND body = ? AND id != ? AND status IN ({marks}) LIMIT 1",
            (row.person_kind, row.person_id, iso(row.created_at), row.body, row.id, *REACHED),
        )
        return found is not None

    async def report(self, since: datetime) -> list[DeliveryLine]:
        """Sends that finally failed since `since`, and every send still waiting or unknown."""
        rows = await fetch_all(
            self.conn,
            "SELECT o.id, o.created_at, o.updated_at, o.channel, o.person_kind, "
            "COALESCE(c.name, s.name), o.status, o.error, o.reconcile_at FROM outbox o "
            "LEFT JOIN carers c ON o.person_kind = 'carer' AND c.id = o.person_id "
            "LEFT JOIN staff s ON o.person_kind = 'staff' AND s.id = o.person_id "
            "WHERE (o.status IN ('failed', 'undelivered') AND o.updated_at >= ?) "
            "OR o.status IN ('unknown', 'sending') "
            "OR (o.status = 'queued' AND o.attempts > 0) ORDER BY o.id",
            (iso(since),),
        )
        return [
            DeliveryLine(
                r[0], from_iso(r[1]), from_iso(r[2]), r[3], r[4], r[5], r[6], r[7],
                from_iso_or_none(r[8]),
            )
            for r in rows
        ]  # fmt: skip

    async def counts(self, since: datetime) -> dict[str, int]:
        """How many messages created since `since` are in each status."""
        rows = await fetch_all(
            self.conn,
            "SELECT status, COUNT(*) FROM outbox WHERE created_at >= ? GROUP BY status",
            (iso(since),),
        )
        return {r[0]: r[1] for r in rows}


class SqliteCaps:
    """When automatic answers last went to an address, and how busy each relay thread is."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def answered_since(self, channel: str, address: str, key: str, since: datetime) -> bool:
        """Whether this automatic answer went to this address at or after `since`."""
        row = await fetch_one(
            self.conn,
            "SELECT 1 FROM auto_answers WHERE channel = ? AND address = ? AND key = ? "
            "AND sent_at >= ?",
            (channel, address, key, iso(since)),
        )
        return row is not None

    async def answered(self, channel: str, address: str, key: str, now: datetime) -> None:
        """Note that this automatic answer is going to this address now."""
        await self.conn.execute(
            "INSERT INTO auto_answers (channel, address, key, sent_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (channel, address, key) DO UPDATE SET sent_at = excluded.sent_at",
            (channel, address, key, iso(now)),
        )

    async def exchange(
        self, setting_id: int, code: str, now: datetime, window_start_after: datetime
    ) -> tuple[int, datetime | None]:
        """Count one relay exchange on a thread (a new window when the last one has ended);
        return the exchanges in this window and until when the thread is paused, if it is."""
        row = await fetch_one(
            self.conn,
            "INSERT INTO relay_loops (setting_id, code, window_start, exchanges) "
            "VALUES (?, ?, ?, 1) ON CONFLICT (setting_id, code) DO UPDATE SET "
            "exchanges = CASE WHEN window_start > ? THEN exchanges + 1 ELSE 1 END, "
            "window_start = CASE WHEN window_start > ? THEN window_start "
            "ELSE excluded.window_start END RETURNING exchanges, paused_until",
            (setting_id, code, iso(now), iso(window_start_after), iso(window_start_after)),
        )
        return int(row[0]), from_iso_or_none(row[1])

    async def pause(self, setting_id: int, code: str, until: datetime) -> None:
        """Pause the relay on a thread until `until`."""
        await self.conn.execute(
            "UPDATE relay_loops SET paused_until = ? WHERE setting_id = ? AND code = ?",
            (iso(until), setting_id, code),
        )
