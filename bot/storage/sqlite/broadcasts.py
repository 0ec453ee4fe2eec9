"""SQLite repository for broadcasts: their numbers, requests from phones, the bulk queuing of
their outbox rows, confirmations, and where each stands."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

import aiosqlite

from bot.domain.audience import NO_INFORMATION, OPTED_OUT, UNREACHABLE, Resolution
from bot.domain.broadcasts import (
    BroadcastCounts,
    BroadcastRequest,
    Confirmation,
    Requested,
)
from bot.storage.rows import STATUS_RANK, NewOutbox, Writer
from bot.storage.sqlite.sql import fetch_all, fetch_one, from_iso, from_iso_or_none, iso

DELIVERED = frozenset({"delivered", "read"})
SENT = frozenset({"accepted", "scheduled", "sent"})
FAILED = frozenset({"failed", "undelivered", "canceled"})


class SqliteBroadcasts:
    """Broadcasts and the outbox rows they queued."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def create(
        self, setting_id: int, request: BroadcastRequest, audience: str, now: datetime
    ) -> tuple[int, int]:
        """A new broadcast, not yet queued: its (id, number), numbered from 1 per setting."""
        row = await fetch_one(
            self.conn,
            "INSERT INTO broadcasts (setting_id, number, text, audience, confirm, urgent, "
            "sent_by, created_at) VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM "
            "broadcasts WHERE setting_id = ?), ?, ?, ?, ?, ?, ?) RETURNING id, number",
            (
                setting_id,
                setting_id,
                request.text,
                audience,
                int(request.confirm),
                int(request.urgent),
                request.sent_by,
                iso(now),
            ),
        )
        return int(row[0]), int(row[1])

    async def request(self, record: BroadcastRequest, by: Writer) -> None:
        """Keep a broadcast a manager asked for from a phone; the server queues it."""
        if by.setting_id is None:
            raise ValueError("a broadcast belongs to a setting")
        await self.create(by.setting_id, record, record.audience or "all", by.now)

    async def requested(self) -> list[Requested]:
        """Broadcasts asked for and not yet queued, oldest first."""
        rows = await fetch_all(
            self.conn,
            "SELECT id, setting_id, number, text, audience, confirm, urgent, sent_by, "
            "created_at FROM broadcasts WHERE queued_at IS NULL ORDER BY id",
        )
        return [
            Requested(
                r[0],
                r[1],
                r[2],
                BroadcastRequest(r[3], r[4], bool(r[5]), bool(r[6]), r[7]),
                from_iso(r[8]),
            )
            for r in rows
        ]

    async def queue(
        self,
        broadcast_id: int,
        resolution: Resolution,
        rows: Sequence[NewOutbox],
        reminders: Sequence[NewOutbox],
        remind_at: datetime | None,
        now: datetime,
    ) -> None:
        """Queue a broadcast's messages (and its held reminders) and record whom it reaches."""
        stamp = iso(now)
        await self.conn.executemany(
            "INSERT INTO broadcast_recipients (broadcast_id, carer_id) VALUES (?, ?) "
            "ON CONFLICT DO NOTHING",
            [(broadcast_id, r.carer_id) for r in resolution.recipients],
        )
        await self.conn.executemany(
            "INSERT INTO outbox (setting_id, channel, address, person_kind, person_id, priority, "
            "body, choices, essential, next_attempt_at, created_at, updated_at, broadcast_id, "
            "reminder) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _outbox(broadcast_id, rows, False, now, stamp)
            + _outbox(broadcast_id, reminders, True, now, stamp),
        )
        reasons = resolution.not_reached
        await self.conn.execute(
            "UPDATE broadcasts SET queued_at = ?, remind_at = ?, families = ?, carers = ?, "
            "opted_out = ?, unreachable = ?, no_information = ? WHERE id = ?",
            (
                stamp,
                iso(remind_at) if remind_at else None,
                resolution.families,
                resolution.carers,
                reasons.get(OPTED_OUT, 0),
                reasons.get(UNREACHABLE, 0),
                reasons.get(NO_INFORMATION, 0),
                broadcast_id,
            ),
        )

    async def unconfirmed(self, carer_id: int, since: datetime) -> list[int]:
        """Broadcasts since `since` that asked this carer to confirm and they have not."""
        rows = await fetch_all(
            self.conn,
            "SELECT b.id FROM broadcast_recipients r JOIN broadcasts b ON b.id = r.broadcast_id "
            "WHERE r.carer_id = ? AND r.confirmed_at IS NULL AND b.confirm = 1 "
            "AND b.queued_at >= ? ORDER BY b.id",
            (carer_id, iso(since)),
        )
        return [int(r[0]) for r in rows]

    async def confirm(self, record: Confirmation, by: Writer) -> None:
        """The writer has seen these broadcasts: mark it and withdraw their reminders."""
        if by.person_id is None:
            return
        stamp = iso(by.now)
        marks = [(stamp, b, by.person_id) for b in record.broadcast_ids]
        await self.conn.executemany(
            "UPDATE broadcast_recipients SET confirmed_at = ? WHERE broadcast_id = ? "
            "AND carer_id = ? AND confirmed_at IS NULL",
            marks,
        )
        await self.conn.executemany(
            "UPDATE outbox SET status = 'withdrawn', updated_at = ? WHERE broadcast_id = ? "
            "AND person_kind = 'carer' AND person_id = ? AND reminder = 1 AND status = 'queued'",
            marks,
        )

    async def counts(self, setting_id: int, number: int) -> BroadcastCounts | None:
        """Where broadcast B-<number> stands: its messages by outcome, and confirmations."""
        row = await fetch_one(
            self.conn,
            "SELECT * FROM broadcasts WHERE setting_id = ? AND number = ?",
            (setting_id, number),
        )
        if row is None:
            return None
        parts = await fetch_all(
            self.conn,
            "SELECT channel, address, reminder, status, error FROM outbox "
            "WHERE broadcast_id = ? ORDER BY id",
            (row["id"],),
        )
        outcome = _outcomes(parts)
        confirmed = await fetch_one(
            self.conn,
            "SELECT COUNT(*), COUNT(confirmed_at) FROM broadcast_recipients WHERE broadcast_id = ?",
            (row["id"],),
        )
        return BroadcastCounts(
            number=row["number"],
            audience=row["audience"],
            created_at=from_iso(row["created_at"]),
            sent_by=row["sent_by"],
            confirm=bool(row["confirm"]),
            urgent=bool(row["urgent"]),
            families=row["families"],
            carers=row["carers"],
            opted_out=row["opted_out"],
            unreachable=row["unreachable"],
            no_information=row["no_information"],
            delivered=outcome["delivered"],
            sent=outcome["sent"],
            waiting=outcome["waiting"],
            failed=outcome["failed"],
            stopped_since=outcome["stopped"],
            confirmed=int(confirmed[1]) if row["confirm"] else 0,
            to_confirm=int(confirmed[0]) if row["confirm"] else 0,
            reminded=outcome["reminded"],
            reminders_waiting=outcome["reminders_waiting"],
            remind_at=from_iso_or_none(row["remind_at"]),
            queued=row["queued_at"] is not None,
        )


def _outbox(
    broadcast_id: int, rows: Iterable[NewOutbox], reminder: bool, now: datetime, stamp: str
) -> list[tuple[object, ...]]:
    # The rows of a broadcast share a few bodies, choices and times: each is encoded once.
    choices: dict[int, str] = {}
    due: dict[datetime | None, str] = {}
    made: list[tuple[object, ...]] = []
    for r in rows:
        if id(r.choices) not in choices:
            choices[id(r.choices)] = json.dumps(r.choices)
        if r.not_before not in due:
            due[r.not_before] = iso(max(now, r.not_before or now))
        made.append(
            (
                r.setting_id, r.channel, r.address, r.person_kind, r.person_id, r.priority,
                r.body, choices[id(r.choices)], int(r.essential), due[r.not_before], stamp,
                stamp, broadcast_id, int(reminder),
            )
        )  # fmt: skip
    return made


def _outcomes(parts: Iterable[aiosqlite.Row]) -> dict[str, int]:
    """Per message (one phone or chat; a long SMS in parts is one), how it ended up."""
    worst: dict[tuple[str, str, int], str] = {}
    for channel, address, reminder, status, _error in parts:
        key = (channel, address, reminder)
        before = worst.get(key)
        # A message is only as far along as its least advanced part.
        if before is None or _rank(status) < _rank(before):
            worst[key] = status
    counts: dict[str, int] = defaultdict(int)
    for (channel, _address, reminder), status in worst.items():
        if reminder:
            if status == "queued":
                counts["reminders_waiting"] += 1
            elif status not in ("withdrawn", "suppressed"):
                counts["reminded"] += 1
            continue
        if status in DELIVERED or (status == "sent" and channel == "telegram"):
            counts["delivered"] += 1  # Telegram has no receipts: sent is as far as it goes
        elif status in SENT:
            counts["sent"] += 1
        elif status in FAILED:
            counts["failed"] += 1
        elif status == "suppressed":
            counts["stopped"] += 1
        else:
            counts["waiting"] += 1
    return counts


def _rank(status: str) -> int:
    if status in FAILED or status == "suppressed":
        return -1  # a failed part fails the message
    return STATUS_RANK.get(status, 0)
