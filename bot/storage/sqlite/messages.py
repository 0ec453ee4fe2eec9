"""SQLite repositories for inbound messages, the outbox and the audit log."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

import aiosqlite

from bot.storage.rows import STATUS_RANK, InboundRow, NewOutbox, OutboxRow
from bot.storage.sqlite.sql import (
    fetch_all,
    fetch_one,
    from_iso,
    from_iso_or_none,
    iso,
    iso_or_none,
)

__all__ = [
    "STATUS_RANK",
    "SqliteAudit",
    "SqliteHandled",
    "SqliteInbox",
    "SqliteOutbox",
    "outbox_from_row",
]


class SqliteInbox:
    """Inbound messages under their unique (channel, external id) key."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def store(
        self,
        channel: str,
        external_id: str,
        address: str,
        payload: dict[str, Any],
        now: datetime,
        deferred: bool = False,
    ) -> int | None:
        """Store a message once; return its id, or None when it was stored before."""
        cur = await self.conn.execute(
            "INSERT INTO inbound (channel, external_id, address, payload, received_at, deferred) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, external_id) DO NOTHING",
            (channel, external_id, address, json.dumps(payload), iso(now), int(deferred)),
        )
        return cur.lastrowid if cur.rowcount == 1 else None

    async def unhandled(self, limit: int = 1000, after_id: int = 0) -> list[InboundRow]:
        """Stored messages not yet handled, oldest first."""
        rows = await fetch_all(
            self.conn,
            "SELECT id, channel, external_id, address, payload FROM inbound "
            "WHERE handled_at IS NULL AND id > ? ORDER BY id LIMIT ?",
            (after_id, limit),
        )
        return [InboundRow(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]

    async def waiting(self, limit: int, deferred: bool) -> list[InboundRow]:
        """The oldest unhandled rows within senders' budgets (or, with `deferred`, beyond them).

        A row within budget waits while an earlier row of its sender is deferred, so each
        sender's messages are still handled in the order they came.
        """
        rows = await fetch_all(
            self.conn,
            "SELECT id, channel, external_id, address, payload, received_at FROM inbound i "
            "WHERE handled_at IS NULL AND deferred = ? AND (? OR NOT EXISTS ("
            "SELECT 1 FROM inbound d WHERE d.handled_at IS NULL AND d.deferred = 1 "
            "AND d.channel = i.channel AND d.address = i.address AND d.id < i.id)) "
            "ORDER BY id LIMIT ?",
            (int(deferred), int(deferred), limit),
        )
        return [InboundRow(r[0], r[1], r[2], r[3], json.loads(r[4]), from_iso(r[5])) for r in rows]

    async def deferred_senders(self) -> list[tuple[str, str]]:
        """(channel, address) of every sender with deferred rows waiting (read after a restart)."""
        rows = await fetch_all(
            self.conn,
            "SELECT DISTINCT channel, address FROM inbound WHERE handled_at IS NULL "
            "AND deferred = 1",
        )
        return [(r[0], r[1]) for r in rows]

    async def oldest_unhandled(self) -> datetime | None:
        """When the oldest message not yet handled was received."""
        row = await fetch_one(
            self.conn,
            "SELECT received_at FROM inbound WHERE handled_at IS NULL ORDER BY id LIMIT 1",
        )
        return from_iso(row[0]) if row else None

    async def for_address(
        self, channel: str, address: str
    ) -> list[tuple[datetime, dict[str, Any]]]:
        """(received_at, stored message) of every message from one address, oldest first."""
        rows = await fetch_all(
            self.conn,
            "SELECT received_at, payload FROM inbound WHERE channel = ? AND address = ? "
            "ORDER BY id",
            (channel, address),
        )
        return [(from_iso(r[0]), json.loads(r[1])) for r in rows]

    async def mark_handled(self, marks: Collection[tuple[int, str | None]], now: datetime) -> None:
        """Mark messages handled, each with the error class name when handling failed; a row
        marked already keeps its mark (marking is idempotent)."""
        await self.conn.executemany(
            "UPDATE inbound SET handled_at = ?, error = ? WHERE id = ? AND handled_at IS NULL",
            [(iso(now), error, i) for i, error in marks],
        )

    async def unhandled_ids(self) -> list[int]:
        """Ids of every row not yet marked handled."""
        rows = await fetch_all(self.conn, "SELECT id FROM inbound WHERE handled_at IS NULL")
        return [r[0] for r in rows]

    async def last_received(self) -> list[tuple[str, str, datetime]]:
        """(channel, address, when) of the last message from every address."""
        rows = await fetch_all(
            self.conn,
            "SELECT channel, address, MAX(received_at) FROM inbound GROUP BY channel, address",
        )
        return [(r[0], r[1], from_iso(r[2])) for r in rows]


class SqliteHandled:
    """In the main file: which inbound rows have been handled, written in the same
    transaction as their effects, so that a row is handled once even when the process dies
    before the inbound file is marked."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def among(self, inbound_ids: Collection[int]) -> set[int]:
        """The ids of these that were handled already."""
        if not inbound_ids:
            return set()
        rows = await fetch_all(
            self.conn,
            "SELECT inbound_id FROM inbound_handled WHERE inbound_id IN "
            "(SELECT value FROM json_each(?))",
            (json.dumps(sorted(inbound_ids)),),
        )
        return {r[0] for r in rows}

    async def record(
        self, rows: Collection[InboundRow], errors: dict[int, str], now: datetime
    ) -> None:
        """Record rows as handled (with the error class name where handling failed)."""
        await self.conn.executemany(
            "INSERT INTO inbound_handled (inbound_id, channel, address, received_at, handled_at, "
            "error) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (r.id, r.channel, r.address, _stamp(r.received_at), iso(now), errors.get(r.id))
                for r in rows
            ],
        )


class SqliteOutbox:
    """Messages committed for sending, with their delivery state."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def add(self, rows: list[NewOutbox], now: datetime) -> None:
        """Queue messages; they are sent after the surrounding transaction commits."""
        stamp = iso(now)
        await self.conn.executemany(
            "INSERT INTO outbox (setting_id, channel, address, person_kind, person_id, priority, "
            "body, choices, ignore_stop, essential, thread, photo, next_attempt_at, created_at, "
            "updated_at, fallback_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    r.setting_id,
                    r.channel,
                    r.address,
                    r.person_kind,
                    r.person_id,
                    r.priority,
                    r.body,
                    json.dumps(r.choices),
                    int(r.ignore_stop),
                    int(r.essential),
                    r.thread,
                    r.photo,
                    iso(max(now, r.not_before or now)),
                    stamp,
                    stamp,
                    r.fallback_of,
                )
                for r in rows
            ],
        )

    async def claim_due(
        self, channel: str, now: datetime, limit: int, busy: Collection[str] = ()
    ) -> list[OutboxRow]:
        """Take queued messages that are due, marking them sending, fairly: by priority, then
        each address's first message before anyone's second, so one busy conversation cannot
        hold back the others. Addresses in `busy` (a send in flight) wait for the next round.

        Messages to a number that has since texted STOP are suppressed, never sent.
        """
        await self.conn.execute(
            "UPDATE outbox SET status = 'suppressed', updated_at = ? WHERE status = 'queued' "
            "AND channel = ? AND ignore_stop = 0 AND EXISTS (SELECT 1 FROM opt_outs o "
            "WHERE o.channel = outbox.channel AND o.address = outbox.address)",
            (iso(now), channel),
        )
        skip = json.dumps(sorted(busy))
        rows = await fetch_all(
            self.conn,
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, attempted_at = ?, "
            "updated_at = ? WHERE id IN (SELECT id FROM (SELECT id, priority, ROW_NUMBER() OVER "
            "(PARTITION BY address ORDER BY priority, id) AS turn FROM outbox "
            "WHERE status = 'queued' AND channel = ? AND next_attempt_at <= ? "
            "AND address NOT IN (SELECT value FROM json_each(?))) "
            "ORDER BY priority, turn, id LIMIT ?) RETURNING *",
            (iso(now), iso(now), channel, iso(now), skip, limit),
        )
        return sorted((outbox_from_row(r) for r in rows), key=lambda r: (r.priority, r.id))

    async def next_due_at(self, channel: str) -> datetime | None:
        """When the earliest queued message of a channel becomes due."""
        row = await fetch_one(
            self.conn,
            "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'queued' AND channel = ?",
            (channel,),
        )
        return from_iso_or_none(row[0]) if row else None

    async def oldest_due(self, now: datetime) -> datetime | None:
        """Since when the longest-waiting message that is due has been due."""
        row = await fetch_one(
            self.conn,
            "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'queued' "
            "AND next_attempt_at <= ?",
            (iso(now),),
        )
        return from_iso_or_none(row[0]) if row else None

    async def interrupted(
        self, channel: str, now: datetime, reconcile_at: datetime, blind: bool
    ) -> int:
        """After a crash: what was claimed but not recorded may have gone, so its outcome is
        unknown and is reconciled like any other unknown send, never blindly sent again. On a
        channel that cannot look sends up (`blind`), a row already sent again once is left
        unknown and reported."""
        cur = await self.conn.execute(
            "UPDATE outbox SET status = 'unknown', error = 'interrupted', "
            "reconcile_at = CASE WHEN ? AND resent > 0 THEN NULL ELSE ? END, updated_at = ? "
            "WHERE status = 'sending' AND channel = ?",
            (int(blind), iso(reconcile_at), iso(now), channel),
        )
        return cur.rowcount

    async def mark_sent(
        self, outbox_id: int, provider_id: str | None, status: str, now: datetime
    ) -> None:
        """Record that the provider accepted a message (its own 'queued' is our 'accepted')."""
        ours = status if STATUS_RANK.get(status, 0) > STATUS_RANK["accepted"] else "accepted"
        await self.conn.execute(
            "UPDATE outbox SET status = CASE WHEN status = 'sending' THEN ? ELSE status END, "
            "provider_id = ?, error = NULL, updated_at = ? WHERE id = ?",
            (ours, provider_id, iso(now), outbox_id),
        )

    async def retry_later(self, outbox_id: int, when: datetime, error: str, now: datetime) -> None:
        """Put a message back in the queue after a temporary failure."""
        await self.conn.execute(
            "UPDATE outbox SET status = 'queued', next_attempt_at = ?, error = ?, updated_at = ? "
            "WHERE id = ?",
            (iso(when), error, iso(now), outbox_id),
        )

    async def mark_final(self, outbox_id: int, status: str, error: str, now: datetime) -> None:
        """Record a permanent failure; no automatic resend follows."""
        await self.conn.execute(
            "UPDATE outbox SET status = ?, error = ?, reconcile_at = NULL, updated_at = ? "
            "WHERE id = ?",
            (status, error, iso(now), outbox_id),
        )

    async def mark_unknown(
        self, outbox_id: int, error: str, now: datetime, reconcile_at: datetime | None
    ) -> None:
        """Record that a send may or may not have reached the provider, and when to find out."""
        await self.conn.execute(
            "UPDATE outbox SET status = 'unknown', error = ?, reconcile_at = ?, updated_at = ? "
            "WHERE id = ?",
            (error, iso_or_none(reconcile_at), iso(now), outbox_id),
        )

    async def update_status(
        self, provider_id: str, status: str, error: str | None, now: datetime
    ) -> OutboxRow | None:
        """Apply a delivery callback, moving status only forward; return the row if it moved."""
        row = await fetch_one(
            self.conn, "SELECT * FROM outbox WHERE provider_id = ?", (provider_id,)
        )
        if row is None:
            return None
        if STATUS_RANK.get(status, -1) <= STATUS_RANK.get(row["status"], -1):
            return None
        await self.conn.execute(
            "UPDATE outbox SET status = ?, error = COALESCE(?, error), updated_at = ? WHERE id = ?",
            (status, error, iso(now), row["id"]),
        )
        return outbox_from_row(row)

    async def thread_of(self, provider_id: str) -> str | None:
        """The relay thread of the message a provider id names, if it belongs to one."""
        row = await fetch_one(
            self.conn, "SELECT thread FROM outbox WHERE provider_id = ?", (provider_id,)
        )
        return row[0] if row else None

    async def for_address(self, channel: str, address: str, after_id: int = 0) -> list[OutboxRow]:
        """Messages to one address, oldest first (the simulator and tests read these)."""
        return [
            outbox_from_row(r)
            for r in await fetch_all(
                self.conn,
                "SELECT * FROM outbox WHERE channel = ? AND address = ? AND id > ? ORDER BY id",
                (channel, address, after_id),
            )
        ]


class SqliteAudit:
    """Who sent what to whom, and what changed."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def record(
        self,
        setting_id: int | None,
        actor: str,
        action: str,
        subject: str | None,
        details: dict[str, Any],
        now: datetime,
    ) -> None:
        """Append one audit entry."""
        await self.conn.execute(
            "INSERT INTO audit (setting_id, at, actor, action, subject, details) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (setting_id, iso(now), actor, action, subject, json.dumps(details)),
        )

    async def count_since(self, actor: str, action: str, since: datetime) -> int:
        """How many times an actor did an action at or after `since`."""
        row = await fetch_one(
            self.conn,
            "SELECT COUNT(*) FROM audit WHERE actor = ? AND action = ? AND at >= ?",
            (actor, action, iso(since)),
        )
        return int(row[0]) if row else 0

    async def happened_since(self, action: str, subject: str, since: datetime) -> bool:
        """Whether an action about a subject was recorded at or after `since`."""
        row = await fetch_one(
            self.conn,
            "SELECT 1 FROM audit WHERE action = ? AND subject = ? AND at >= ? LIMIT 1",
            (action, subject, iso(since)),
        )
        return row is not None


def outbox_from_row(row: aiosqlite.Row) -> OutboxRow:
    """An OutboxRow from a row of the outbox table."""
    return OutboxRow(
        id=row["id"],
        setting_id=row["setting_id"],
        channel=row["channel"],
        address=row["address"],
        person_kind=row["person_kind"],
        person_id=row["person_id"],
        priority=row["priority"],
        body=row["body"],
        choices=json.loads(row["choices"]),
        status=row["status"],
        attempts=row["attempts"],
        provider_id=row["provider_id"],
        created_at=from_iso(row["created_at"]),
        essential=bool(row["essential"]),
        thread=row["thread"],
        photo=row["photo"],
        attempted_at=from_iso_or_none(row["attempted_at"]),
        checks=row["checks"],
        resent=bool(row["resent"]),
        fallback_of=row["fallback_of"],
        next_attempt_at=from_iso_or_none(row["next_attempt_at"]),
    )


def _stamp(moment: datetime | None) -> str:
    return iso(moment) if moment is not None else ""
