"""SQLite repositories for linking channels to people: invite codes, contacts, channel choice."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain.people import PersonKind
from bot.storage.rows import CHANNEL_PREFS, Invite, Route, Writer
from bot.storage.sqlite.people import contact_from_row
from bot.storage.sqlite.sql import fetch_all, fetch_one, iso


def hash_code(code: str) -> str:
    """The stored form of an invite code: codes are long and random, so a plain hash suffices."""
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


class SqliteInvites:
    """One-time codes that link a Telegram chat to a carer or staff member."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def create(
        self,
        setting_id: int,
        kind: PersonKind,
        person_id: int,
        code: str,
        now: datetime,
        expires: datetime,
    ) -> None:
        """Store a new code (hashed) for a person."""
        await self.conn.execute(
            "INSERT INTO invites (setting_id, code_hash, person_kind, person_id, created_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (setting_id, hash_code(code), kind.value, person_id, iso(now), iso(expires)),
        )

    async def valid(self, code: str, now: datetime) -> Invite | None:
        """The invite a code names, if it exists, is unused and has not expired."""
        row = await fetch_one(
            self.conn,
            "SELECT id, setting_id, person_kind, person_id FROM invites WHERE code_hash = ? "
            "AND used_at IS NULL AND expires_at > ?",
            (hash_code(code), iso(now)),
        )
        if row is None:
            return None
        return Invite(row[0], row[1], PersonKind(row[2]), row[3])

    async def use(self, invite_id: int, address: str, now: datetime) -> bool:
        """Mark an invite used by an address; False if it was used already."""
        cur = await self.conn.execute(
            "UPDATE invites SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL",
            (iso(now), address, invite_id),
        )
        return cur.rowcount == 1


class SqliteLinks:
    """Contacts beyond the imported phone numbers: linking, reachability and channel choice."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def by_ref(self, setting_id: int, kind: PersonKind, ref: str) -> tuple[int, str] | None:
        """(id, name) of the carer or staff member with this ref in a setting."""
        # A carer who left cannot be invited back until a file lists them again.
        still = " AND left_at IS NULL" if kind is PersonKind.CARER else ""
        row = await fetch_one(
            self.conn,
            f"SELECT id, name FROM {_table(kind)} WHERE setting_id = ? AND ref = ?{still}",
            (setting_id, ref),
        )
        return (int(row[0]), str(row[1])) if row else None

    async def owner_of_phone(self, setting_id: int, phone: str) -> tuple[PersonKind, int] | None:
        """Who the imported phone number belongs to, as the SMS channel recognises them."""
        row = await fetch_one(
            self.conn,
            "SELECT person_kind, person_id FROM contacts WHERE channel = 'sms' AND address = ? "
            "AND setting_id = ?",
            (phone, setting_id),
        )
        return (PersonKind(row[0]), int(row[1])) if row else None

    async def link(
        self,
        setting_id: int,
        channel: str,
        address: str,
        kind: PersonKind,
        person_id: int,
        now: datetime,
    ) -> None:
        """Make `address` this person's one contact on `channel`, linked and reachable."""
        # One address per person per channel: a new phone replaces the old one, so a phone
        # that was sold or lost stops receiving anything about the child.
        await self.conn.execute(
            "DELETE FROM contacts WHERE person_kind = ? AND person_id = ? AND channel = ? "
            "AND address != ?",
            (kind.value, person_id, channel, address),
        )
        await self.conn.execute(
            "INSERT INTO contacts (setting_id, channel, address, person_kind, person_id, "
            "linked_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, address) DO UPDATE SET "
            "setting_id = excluded.setting_id, person_kind = excluded.person_kind, "
            "person_id = excluded.person_id, linked_at = excluded.linked_at, unreachable = 0",
            (setting_id, channel, address, kind.value, person_id, iso(now)),
        )

    async def set_reachable(self, channel: str, address: str, reachable: bool) -> None:
        """Record that a channel can (again) or can no longer reach an address."""
        await self.conn.execute(
            "UPDATE contacts SET unreachable = ? WHERE channel = ? AND address = ?",
            (int(not reachable), channel, address),
        )

    async def preference(self, kind: PersonKind, person_id: int) -> str | None:
        """The channel a person chose ('sms', 'telegram', 'both'), or None if never chosen."""
        row = await fetch_one(
            self.conn, f"SELECT channel_pref FROM {_table(kind)} WHERE id = ?", (person_id,)
        )
        return row[0] if row else None

    async def write_preference(self, record: Any, by: Writer) -> None:
        """The channel the writer wants messages on (record: preference, only_if_unset)."""
        if by.person_kind is not None and by.person_id is not None:
            await self.set_preference(
                by.person_kind, by.person_id, record.preference, record.only_if_unset
            )

    async def set_preference(
        self, kind: PersonKind, person_id: int, preference: str, only_if_unset: bool = False
    ) -> None:
        """Record the channel a person wants messages on."""
        if preference not in CHANNEL_PREFS:
            raise ValueError(f"unknown channel preference {preference!r}")
        unset = " AND channel_pref IS NULL" if only_if_unset else ""
        await self.conn.execute(
            f"UPDATE {_table(kind)} SET channel_pref = ? WHERE id = ?{unset}",
            (preference, person_id),
        )

    async def unreachable_staff(self, staff_ids: list[int]) -> frozenset[int]:
        """Those of these staff members no phone or chat of theirs can reach."""
        return frozenset(
            [s for s in staff_ids if not (await self.route(PersonKind.STAFF, s)).contacts]
        )

    async def route(self, kind: PersonKind, person_id: int) -> Route:
        """A person's channel choice and reachable contacts, in one query. A carer who shares a
        phone is reached through it, with the phone's choice; a carer who left has none.

        A contact is reachable when its channel can reach it and it has not sent STOP: a
        stopped channel is never chosen, not even as a fallback for an essential message.
        """
        if kind is PersonKind.CARER:
            people, where = "carer_reach r JOIN carers p ON p.id = r.reached_as", "r.carer_id"
        else:
            people, where = "staff p", "p.id"
        rows = await fetch_all(
            self.conn,
            f"SELECT p.channel_pref AS preference, c.* FROM {people} LEFT JOIN contacts c "
            "ON c.person_kind = ? AND c.person_id = p.id AND c.unreachable = 0 "
            "AND NOT EXISTS (SELECT 1 FROM opt_outs o "
            "WHERE o.channel = c.channel AND o.address = c.address) "
            f"WHERE {where} = ? ORDER BY c.id",
            (kind.value, person_id),
        )
        if not rows:
            return Route(None, ())
        contacts = tuple(contact_from_row(r) for r in rows if r["id"] is not None)
        return Route(rows[0]["preference"], contacts)


def _table(kind: PersonKind) -> str:
    return "carers" if kind is PersonKind.CARER else "staff"
