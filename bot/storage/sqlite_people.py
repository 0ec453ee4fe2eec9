"""SQLite repositories for settings, staff, children, carers and their channel contacts."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.domain import Carer, ChildLink, PersonKind, StaffMember
from bot.storage.sql import fetch_all, fetch_one


@dataclass(frozen=True, slots=True)
class ContactRow:
    """One channel address of a person, as stored."""

    id: int
    setting_id: int
    channel: str
    address: str
    person_kind: PersonKind
    person_id: int
    linked: bool
    unreachable: bool


@dataclass(frozen=True, slots=True)
class StaffRow:
    """A staff member as imported."""

    ref: str
    name: str
    roles: tuple[str, ...]
    phone: str | None
    languages: tuple[str, ...]
    cover_ref: str | None


@dataclass(frozen=True, slots=True)
class FamilyRow:
    """One row of families.csv: one carer of one child."""

    child_ref: str
    child_first_name: str
    child_last_name: str
    date_of_birth: str
    room: str
    key_person_ref: str
    send_status: str
    carer_ref: str
    carer_name: str
    relationship: str
    phone: str | None
    language: str
    receives_information: bool
    photo_consent: bool = False


class SqliteSettings:
    """The settings (nurseries) this deployment serves."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def upsert(self, ref: str, name: str, profile: str, now: str) -> int:
        """Create or update a setting by ref and return its id."""
        await self.conn.execute(
            "INSERT INTO settings (ref, name, profile, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (ref) DO UPDATE SET name=excluded.name, profile=excluded.profile, "
            "updated_at=excluded.updated_at",
            (ref, name, profile, now),
        )
        row = await fetch_one(self.conn, "SELECT id FROM settings WHERE ref = ?", (ref,))
        assert row is not None
        return int(row[0])


class SqlitePeople:
    """Staff, children, carers and contacts of the settings."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def upsert_staff(self, setting_id: int, row: StaffRow) -> int:
        """Create or update one staff member by ref, with their SMS contact; return the id."""
        await self.conn.execute(
            "INSERT INTO staff (setting_id, ref, name, roles, phone, languages, cover_ref) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (setting_id, ref) DO UPDATE SET "
            "name=excluded.name, roles=excluded.roles, phone=excluded.phone, "
            "languages=excluded.languages, cover_ref=excluded.cover_ref",
            (
                setting_id,
                row.ref,
                row.name,
                ";".join(row.roles),
                row.phone,
                ";".join(row.languages),
                row.cover_ref,
            ),
        )
        staff_id = await self._id("staff", setting_id, row.ref)
        await self._sms_contact(setting_id, PersonKind.STAFF, staff_id, row.phone)
        return staff_id

    async def upsert_family(self, setting_id: int, row: FamilyRow) -> None:
        """Create or update the child, the carer, the link between them and the carer's contact."""
        await self.conn.execute(
            "INSERT INTO children (setting_id, ref, first_name, last_name, date_of_birth, room, "
            "key_person_ref, send_status, photo_consent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (setting_id, ref) DO UPDATE SET first_name=excluded.first_name, "
            "last_name=excluded.last_name, date_of_birth=excluded.date_of_birth, "
            "room=excluded.room, key_person_ref=excluded.key_person_ref, "
            "send_status=excluded.send_status, photo_consent=excluded.photo_consent",
            (
                setting_id,
                row.child_ref,
                row.child_first_name,
                row.child_last_name,
                row.date_of_birth,
                row.room,
                row.key_person_ref,
                row.send_status,
                int(row.photo_consent),
            ),
        )
        await self.conn.execute(
            "INSERT INTO carers (setting_id, ref, name, phone, language) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (setting_id, ref) DO UPDATE SET name=excluded.name, "
            "phone=excluded.phone, language=excluded.language",
            (setting_id, row.carer_ref, row.carer_name, row.phone, row.language),
        )
        child_id = await self._id("children", setting_id, row.child_ref)
        carer_id = await self._id("carers", setting_id, row.carer_ref)
        await self.conn.execute(
            "INSERT INTO child_carers (setting_id, child_id, carer_id, relationship, "
            "receives_information) VALUES (?, ?, ?, ?, ?) ON CONFLICT (child_id, carer_id) "
            "DO UPDATE SET relationship=excluded.relationship, "
            "receives_information=excluded.receives_information",
            (setting_id, child_id, carer_id, row.relationship, int(row.receives_information)),
        )
        await self._sms_contact(setting_id, PersonKind.CARER, carer_id, row.phone)

    async def staff_refs(self, setting_id: int) -> set[str]:
        """Every staff ref of a setting."""
        return {
            str(r[0])
            for r in await fetch_all(
                self.conn, "SELECT ref FROM staff WHERE setting_id = ?", (setting_id,)
            )
        }

    async def _id(self, table: str, setting_id: int, ref: str) -> int:
        row = await fetch_one(
            self.conn, f"SELECT id FROM {table} WHERE setting_id = ? AND ref = ?", (setting_id, ref)
        )
        assert row is not None
        return int(row[0])

    async def _sms_contact(
        self, setting_id: int, kind: PersonKind, person_id: int, phone: str | None
    ) -> None:
        # A number moves with its person: drop the person's old SMS contact when it changes.
        await self.conn.execute(
            "DELETE FROM contacts WHERE person_kind = ? AND person_id = ? AND channel = 'sms' "
            "AND address IS NOT ?",
            (kind.value, person_id, phone),
        )
        if phone is None:
            return
        await self.conn.execute(
            "INSERT INTO contacts (setting_id, channel, address, person_kind, person_id) "
            "VALUES (?, 'sms', ?, ?, ?) ON CONFLICT (channel, address) DO UPDATE SET "
            "setting_id=excluded.setting_id, person_kind=excluded.person_kind, "
            "person_id=excluded.person_id",
            (setting_id, phone, kind.value, person_id),
        )

    async def contact(self, channel: str, address: str) -> ContactRow | None:
        """The contact at a channel address, if anyone is on file there."""
        row = await fetch_one(
            self.conn,
            "SELECT * FROM contacts WHERE channel = ? AND address = ?",
            (channel, address),
        )
        return contact_from_row(row) if row else None

    async def mark_linked(self, contact_id: int, now: str) -> None:
        """Record that a person has written from this contact (the first time only)."""
        await self.conn.execute(
            "UPDATE contacts SET linked_at = COALESCE(linked_at, ?) WHERE id = ?", (now, contact_id)
        )

    async def set_opted_out(self, channel: str, address: str, opted_out: bool, now: str) -> None:
        """Record STOP (or START) for an address, whoever it belongs to."""
        if opted_out:
            await self.conn.execute(
                "INSERT INTO opt_outs (channel, address, at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (channel, address, now),
            )
        else:
            await self.conn.execute(
                "DELETE FROM opt_outs WHERE channel = ? AND address = ?", (channel, address)
            )

    async def opted_out(self, channel: str, address: str) -> bool:
        """Whether an address has texted STOP and not START since."""
        return (
            await fetch_one(
                self.conn,
                "SELECT 1 FROM opt_outs WHERE channel = ? AND address = ?",
                (channel, address),
            )
            is not None
        )

    async def carer(self, carer_id: int) -> Carer:
        """A carer with every child they are linked to and each child's key person."""
        rows = await fetch_all(
            self.conn,
            "SELECT ca.id AS carer_id, ca.ref AS carer_ref, ca.name, ca.phone, ca.language, "
            "c.id, c.ref, c.first_name, cc.relationship, cc.receives_information, "
            "s.id AS kp_id, s.name AS kp_name FROM carers ca "
            "LEFT JOIN child_carers cc ON cc.carer_id = ca.id "
            "LEFT JOIN children c ON c.id = cc.child_id "
            "LEFT JOIN staff s ON s.setting_id = c.setting_id AND s.ref = c.key_person_ref "
            "WHERE ca.id = ? ORDER BY c.first_name, c.id",
            (carer_id,),
        )
        first = rows[0]
        links = tuple(
            ChildLink(
                child_id=r["id"],
                child_ref=r["ref"],
                first_name=r["first_name"],
                key_person_id=r["kp_id"],
                key_person_name=r["kp_name"],
                relationship=r["relationship"],
                receives_information=bool(r["receives_information"]),
            )
            for r in rows
            if r["id"] is not None
        )
        return Carer(
            id=first["carer_id"],
            ref=first["carer_ref"],
            name=first["name"],
            phone=first["phone"],
            language=first["language"],
            children=links,
        )

    async def staff_member(self, staff_id: int) -> StaffMember:
        """One staff member by id."""
        row = await fetch_one(self.conn, "SELECT * FROM staff WHERE id = ?", (staff_id,))
        assert row is not None
        return _staff(row)

    async def directory(self, setting_id: int) -> list[dict[str, object]]:
        """Everyone on file with a phone: staff first, then carers with their children."""
        return [
            dict(r)
            for r in await fetch_all(
                self.conn,
                "SELECT 'staff' AS kind, id, name, phone, roles AS detail, 'en' AS language, "
                "NULL AS key_person_phone FROM staff WHERE setting_id = ? AND phone IS NOT NULL "
                "UNION ALL SELECT 'carer', ca.id, ca.name, ca.phone, "
                "group_concat(cc.relationship || ' of ' || ch.first_name, ', '), ca.language, "
                "MIN(kp.phone) FROM carers ca JOIN child_carers cc ON cc.carer_id = ca.id "
                "JOIN children ch ON ch.id = cc.child_id LEFT JOIN staff kp ON "
                "kp.setting_id = ch.setting_id AND kp.ref = ch.key_person_ref "
                "WHERE ca.setting_id = ? AND ca.phone IS NOT NULL GROUP BY ca.id "
                "ORDER BY 1 DESC, 2",
                (setting_id, setting_id),
            )
        ]

    async def staff_with_role(self, setting_id: int, role: str) -> list[int]:
        """Ids of the staff of a setting who hold a role."""
        return [
            int(r[0])
            for r in await fetch_all(
                self.conn,
                "SELECT id FROM staff WHERE setting_id = ? AND ';' || roles || ';' LIKE ? "
                "ORDER BY id",
                (setting_id, f"%;{role};%"),
            )
        ]

    async def covered_by(self, staff: StaffMember) -> list[int]:
        """Ids of the staff whose named cover is this staff member."""
        return [
            int(r[0])
            for r in await fetch_all(
                self.conn,
                "SELECT s.id FROM staff s JOIN staff me ON me.id = ? "
                "WHERE s.setting_id = me.setting_id AND s.cover_ref = me.ref",
                (staff.id,),
            )
        ]


def contact_from_row(row: aiosqlite.Row) -> ContactRow:
    """A ContactRow from a row of the contacts table."""
    return ContactRow(
        id=row["id"],
        setting_id=row["setting_id"],
        channel=row["channel"],
        address=row["address"],
        person_kind=PersonKind(row["person_kind"]),
        person_id=row["person_id"],
        linked=row["linked_at"] is not None,
        unreachable=bool(row["unreachable"]),
    )


def _staff(row: aiosqlite.Row) -> StaffMember:
    return StaffMember(
        id=row["id"],
        ref=row["ref"],
        name=row["name"],
        roles=tuple(r for r in row["roles"].split(";") if r),
        phone=row["phone"],
        languages=tuple(x for x in row["languages"].split(";") if x),
        cover_ref=row["cover_ref"],
    )
