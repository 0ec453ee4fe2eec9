"""SQLite repository for who is on file as admins change it: imports, shared phones, leavers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from bot.domain.people import PersonKind
from bot.storage.rows import FamiliesOnFile, FamilyRow, StaffRow
from bot.storage.sqlite.sql import fetch_all, fetch_one, iso


class SqliteRoster:
    """Staff and families as imported, the phones they hold, and who has left."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def upsert_staff(self, setting_id: int, row: StaffRow) -> int:
        """Create or update one staff member by ref, with their SMS contact; return the id."""
        await self.conn.execute(
            "INSERT INTO staff (setting_id, ref, name, roles, phone, languages, cover_ref, rooms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (setting_id, ref) DO UPDATE SET "
            "name=excluded.name, roles=excluded.roles, phone=excluded.phone, "
            "languages=excluded.languages, cover_ref=excluded.cover_ref, rooms=excluded.rooms",
            (setting_id, row.ref, row.name, ";".join(row.roles), row.phone,
             ";".join(row.languages), row.cover_ref, ";".join(row.rooms)),
        )  # fmt: skip
        staff_id = await self._id("staff", setting_id, row.ref)
        # A number moves with its person: drop the person's old SMS contact when it changes.
        await self.conn.execute(
            "DELETE FROM contacts WHERE person_kind = 'staff' AND person_id = ? "
            "AND channel = 'sms' AND address IS NOT ?",
            (staff_id, row.phone),
        )
        if row.phone is not None:
            await self.conn.execute(
                "INSERT INTO contacts (setting_id, channel, address, person_kind, person_id) "
                "VALUES (?, 'sms', ?, 'staff', ?) ON CONFLICT (channel, address) DO UPDATE SET "
                "setting_id=excluded.setting_id, person_kind=excluded.person_kind, "
                "person_id=excluded.person_id",
                (setting_id, row.phone, staff_id),
            )
        return staff_id

    async def upsert_family(self, setting_id: int, row: FamilyRow) -> int:
        """Create or update the child, the carer and the link between them; return the carer's
        id. Anyone listed again stops being marked left. Contacts are set by `hold_phone`."""
        await self.conn.execute(
            "INSERT INTO children (setting_id, ref, first_name, last_name, date_of_birth, room, "
            "key_person_ref, send_status, photo_consent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (setting_id, ref) DO UPDATE SET first_name=excluded.first_name, "
            "last_name=excluded.last_name, date_of_birth=excluded.date_of_birth, "
            "room=excluded.room, key_person_ref=excluded.key_person_ref, "
            "send_status=excluded.send_status, photo_consent=excluded.photo_consent, "
            "left_at=NULL",
            (setting_id, row.child_ref, row.child_first_name, row.child_last_name,
             row.date_of_birth, row.room, row.key_person_ref, row.send_status,
             int(row.photo_consent)),
        )  # fmt: skip
        await self.conn.execute(
            "INSERT INTO carers (setting_id, ref, name, phone, language) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (setting_id, ref) DO UPDATE SET name=excluded.name, "
            "phone=excluded.phone, language=excluded.language, left_at=NULL",
            (setting_id, row.carer_ref, row.carer_name, row.phone, row.language),
        )
        child_id = await self._id("children", setting_id, row.child_ref)
        carer_id = await self._id("carers", setting_id, row.carer_ref)
        await self.conn.execute(
            "INSERT INTO child_carers (setting_id, child_id, carer_id, relationship, "
            "receives_information) VALUES (?, ?, ?, ?, ?) ON CONFLICT (child_id, carer_id) "
            "DO UPDATE SET relationship=excluded.relationship, "
            "receives_information=excluded.receives_information, left_at=NULL",
            (setting_id, child_id, carer_id, row.relationship, int(row.receives_information)),
        )
        return carer_id

    async def hold_phone(self, setting_id: int, phone: str, carer_ids: list[int]) -> None:
        """Make `phone` the one SMS contact of the carers who share it (usually one).

        The contact stays under the carer it is filed under while they still have the number,
        so the phone's Telegram link, channel choice and update mode are kept; otherwise it is
        filed under the first carer. The others are reached through it (the carer_reach view).
        """
        marks = ",".join("?" * len(carer_ids))
        # A number moves with its person: their old SMS contacts go.
        await self.conn.execute(
            "DELETE FROM contacts WHERE person_kind = 'carer' AND channel = 'sms' "
            f"AND person_id IN ({marks}) AND address != ?",
            (*carer_ids, phone),
        )
        held = await fetch_one(
            self.conn,
            "SELECT person_id FROM contacts WHERE channel = 'sms' AND address = ? "
            "AND person_kind = 'carer'",
            (phone,),
        )
        if held is not None and int(held[0]) in carer_ids:
            return
        await self.conn.execute(
            "INSERT INTO contacts (setting_id, channel, address, person_kind, person_id) "
            "VALUES (?, 'sms', ?, 'carer', ?) ON CONFLICT (channel, address) DO UPDATE SET "
            "setting_id=excluded.setting_id, person_kind=excluded.person_kind, "
            "person_id=excluded.person_id, linked_at=NULL, unreachable=0",
            (setting_id, phone, carer_ids[0]),
        )

    async def staff_refs(self, setting_id: int) -> set[str]:
        """Every staff ref of a setting."""
        rows = await fetch_all(
            self.conn, "SELECT ref FROM staff WHERE setting_id = ?", (setting_id,)
        )
        return {str(r[0]) for r in rows}

    async def sms_holders(self) -> dict[str, tuple[int, PersonKind, str]]:
        """Every SMS number on file: {number: (setting id, kind, ref of whom it is filed under)}."""
        rows = await fetch_all(
            self.conn,
            "SELECT c.address, c.setting_id, c.person_kind, COALESCE(s.ref, ca.ref, '') "
            "FROM contacts c "
            "LEFT JOIN staff s ON c.person_kind = 'staff' AND s.id = c.person_id "
            "LEFT JOIN carers ca ON c.person_kind = 'carer' AND ca.id = c.person_id "
            "WHERE c.channel = 'sms'",
        )
        return {str(r[0]): (int(r[1]), PersonKind(r[2]), str(r[3])) for r in rows}

    async def families_on_file(self, setting_id: int) -> FamiliesOnFile:
        """The children, carers and carer-child links of a setting that have not left."""
        children = await fetch_all(
            self.conn,
            "SELECT ref, first_name || ' ' || last_name FROM children "
            "WHERE setting_id = ? AND left_at IS NULL ORDER BY ref",
            (setting_id,),
        )
        carers = await fetch_all(
            self.conn,
            "SELECT ref, name FROM carers WHERE setting_id = ? AND left_at IS NULL ORDER BY ref",
            (setting_id,),
        )
        links = await fetch_all(
            self.conn,
            "SELECT c.ref, ca.ref, cc.relationship || ' of ' || c.first_name "
            "FROM child_carers cc JOIN children c ON c.id = cc.child_id "
            "JOIN carers ca ON ca.id = cc.carer_id WHERE cc.setting_id = ? "
            "AND cc.left_at IS NULL AND c.left_at IS NULL AND ca.left_at IS NULL "
            "ORDER BY c.ref, ca.ref",
            (setting_id,),
        )
        return FamiliesOnFile(
            children={str(r[0]): str(r[1]) for r in children},
            carers={str(r[0]): str(r[1]) for r in carers},
            links={(str(r[0]), str(r[1])): str(r[2]) for r in links},
        )

    async def mark_left(
        self,
        setting_id: int,
        children: Iterable[str],
        carers: Iterable[str],
        links: Iterable[tuple[str, str]],
        now: datetime,
    ) -> int:
        """Mark children, carers and (child_ref, carer_ref) links left, and make sure nothing
        more reaches anyone about a child they are no longer linked to: their contacts,
        conversations, timers, reply threads, invites, held summaries and queued messages go.
        Records (the rows themselves, news, the audit log) stay. Return the messages withdrawn.
        """
        stamp = iso(now)
        child_ids = [await self._id("children", setting_id, ref) for ref in children]
        carer_ids = [await self._id("carers", setting_id, ref) for ref in carers]
        ended = {
            (await self._id("children", setting_id, child),
             await self._id("carers", setting_id, carer))
            for child, carer in links
        }  # fmt: skip
        for column, ids in (("child_id", child_ids), ("carer_id", carer_ids)):
            for one in ids:
                rows = await fetch_all(
                    self.conn,
                    f"SELECT child_id, carer_id FROM child_carers WHERE {column} = ? "
                    "AND left_at IS NULL",
                    (one,),
                )
                ended.update((int(r[0]), int(r[1])) for r in rows)
        # Who reaches a carer whose link ends (they may share a phone filed under another).
        phones = {
            int(r[0]): int(r[1])
            for r in await fetch_all(
                self.conn,
                "SELECT r.carer_id, r.reached_as FROM carer_reach r "
                "JOIN carers ca ON ca.id = r.carer_id WHERE ca.setting_id = ?",
                (setting_id,),
            )
        }
        await self.conn.executemany(
            "UPDATE children SET left_at = ? WHERE id = ?", [(stamp, i) for i in child_ids]
        )
        await self.conn.executemany(
            "UPDATE carers SET left_at = ? WHERE id = ?", [(stamp, i) for i in carer_ids]
        )
        await self.conn.executemany(
            "UPDATE child_carers SET left_at = ? WHERE child_id = ? AND carer_id = ?",
            [(stamp, child, carer) for child, carer in ended],
        )
        await self.conn.executemany(
            "DELETE FROM threads WHERE child_id = ? AND carer_id = ?", sorted(ended)
        )
        withdrawn = 0
        for carer in carer_ids:
            withdrawn += await self._forget_carer(carer, stamp)
        for child, carer in sorted(ended):
            if carer not in carer_ids:
                targets = {carer, phones.get(carer, carer)}
                withdrawn += await self._withdraw_about(child, targets, stamp)
        return withdrawn

    async def _forget_carer(self, carer_id: int, now: str) -> int:
        """A carer who left: no contact links them any more, and nothing waits for them."""
        addresses = await fetch_all(
            self.conn,
            "SELECT channel, address FROM contacts WHERE person_kind = 'carer' AND person_id = ?",
            (carer_id,),
        )
        pairs = [(str(r[0]), str(r[1])) for r in addresses]
        await self.conn.executemany(
            "DELETE FROM conversations WHERE channel = ? AND address = ?", pairs
        )
        await self.conn.executemany(
            "UPDATE reminders SET cancelled_at = ? WHERE channel = ? AND address = ? "
            "AND fired_at IS NULL AND cancelled_at IS NULL",
            [(now, *pair) for pair in pairs],
        )
        await self.conn.execute(
            "DELETE FROM contacts WHERE person_kind = 'carer' AND person_id = ?", (carer_id,)
        )
        await self.conn.execute(
            "UPDATE invites SET expires_at = ? WHERE person_kind = 'carer' AND person_id = ? "
            "AND used_at IS NULL AND expires_at > ?",
            (now, carer_id, now),
        )
        held = await self.conn.execute(
            "DELETE FROM digest_items WHERE carer_id = ? AND sent_at IS NULL", (carer_id,)
        )
        queued = await self.conn.execute(
            "UPDATE outbox SET status = 'canceled', error = 'left', updated_at = ? "
            "WHERE status = 'queued' AND person_kind = 'carer' AND person_id = ?",
            (now, carer_id),
        )
        return held.rowcount + queued.rowcount

    async def _withdraw_about(self, child_id: int, carer_ids: set[int], now: str) -> int:
        """Held summaries and queued messages for these carers that name a child they are no
        longer linked to. Bodies are text, so any that names the child goes (the safe side)."""
        row = await fetch_one(
            self.conn, "SELECT first_name FROM children WHERE id = ?", (child_id,)
        )
        name = str(row[0])
        withdrawn = 0
        for carer in sorted(carer_ids):
            held = await self.conn.execute(
                "DELETE FROM digest_items WHERE carer_id = ? AND sent_at IS NULL "
                "AND ', ' || child_name || ', ' LIKE '%, ' || ? || ', %'",
                (carer, name),
            )
            queued = await self.conn.execute(
                "UPDATE outbox SET status = 'canceled', error = 'left', updated_at = ? "
                "WHERE status = 'queued' AND person_kind = 'carer' AND person_id = ? "
                "AND instr(body, ?) > 0",
                (now, carer, name),
            )
            withdrawn += held.rowcount + queued.rowcount
        return withdrawn

    async def _id(self, table: str, setting_id: int, ref: str) -> int:
        row = await fetch_one(
            self.conn, f"SELECT id FROM {table} WHERE setting_id = ? AND ref = ?", (setting_id, ref)
        )
        assert row is not None
        return int(row[0])
