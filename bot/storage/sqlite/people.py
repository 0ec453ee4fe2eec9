"""SQLite repositories for settings, staff, children, carers and their channel contacts, as
messages need them; imports and leavers are in sqlite_roster.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import aiosqlite

from bot.domain.people import Carer, ChildLink, PersonKind, StaffMember
from bot.storage.rows import ContactRow
from bot.storage.sqlite.sql import fetch_all, fetch_one, iso


class SqliteSettings:
    """The settings (nurseries) this deployment serves."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def upsert(self, ref: str, name: str, profile: str, now: datetime) -> int:
        """Create or update a setting by ref and return its id."""
        await self.conn.execute(
            "INSERT INTO settings (ref, name, profile, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (ref) DO UPDATE SET name=excluded.name, profile=excluded.profile, "
            "updated_at=excluded.updated_at",
            (ref, name, profile, iso(now)),
        )
        row = await fetch_one(self.conn, "SELECT id FROM settings WHERE ref = ?", (ref,))
        assert row is not None
        return int(row[0])


class SqlitePeople:
    """Staff, children, carers and contacts of the settings."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def contact(self, channel: str, address: str) -> ContactRow | None:
        """The contact at a channel address, if anyone is on file there."""
        row = await fetch_one(
            self.conn,
            "SELECT * FROM contacts WHERE channel = ? AND address = ?",
            (channel, address),
        )
        return contact_from_row(row) if row else None

    async def mark_linked(self, contact_id: int, now: datetime) -> None:
        """Record that a person has written from this contact (the first time only)."""
        await self.conn.execute(
            "UPDATE contacts SET linked_at = COALESCE(linked_at, ?) WHERE id = ?",
            (iso(now), contact_id),
        )

    async def set_opted_out(
        self, channel: str, address: str, opted_out: bool, now: datetime
    ) -> None:
        """Record STOP (or START) for an address, whoever it belongs to."""
        if opted_out:
            await self.conn.execute(
                "INSERT INTO opt_outs (channel, address, at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (channel, address, iso(now)),
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
        """A carer with every child they are (still) linked to and each child's key person."""
        rows = await fetch_all(
            self.conn,
            "SELECT ca.id AS carer_id, ca.ref AS carer_ref, ca.name, ca.phone, ca.language, "
            "c.id, c.ref, c.first_name, cc.relationship, cc.receives_information, "
            "s.id AS kp_id, s.name AS kp_name FROM carers ca "
            "LEFT JOIN child_carers cc ON cc.carer_id = ca.id AND cc.left_at IS NULL "
            "LEFT JOIN children c ON c.id = cc.child_id AND c.left_at IS NULL "
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

    async def carer_on_phone(self, carer_id: int) -> Carer:
        """A carer as their contact knows them: when carers share the phone, all of them, so
        whoever reads a message from it sees every name ("Laura Hughes / Mark Hughes")."""
        carer = await self.carer(carer_id)
        rows = await fetch_all(
            self.conn,
            "SELECT carer_id FROM carer_reach WHERE reached_as = ? AND carer_id != ? "
            "ORDER BY carer_id",
            (carer_id, carer_id),
        )
        others = [await self.carer(int(r[0])) for r in rows]
        return shared(carer, others) if others else carer

    async def reached_as(self, carer_id: int) -> int | None:
        """The carer whose contacts reach this one (themselves, or who holds the phone they
        share); None for a carer who left."""
        row = await fetch_one(
            self.conn, "SELECT reached_as FROM carer_reach WHERE carer_id = ?", (carer_id,)
        )
        return int(row[0]) if row else None

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
                "AND cc.left_at IS NULL JOIN children ch ON ch.id = cc.child_id "
                "AND ch.left_at IS NULL LEFT JOIN staff kp ON "
                "kp.setting_id = ch.setting_id AND kp.ref = ch.key_person_ref "
                "WHERE ca.setting_id = ? AND ca.phone IS NOT NULL AND ca.left_at IS NULL "
                "GROUP BY ca.id "
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


def shared(holder: Carer, others: list[Carer]) -> Carer:
    """One Carer for a phone several carers share: every name, and per child every
    relationship; a child is "informed" only if every one of them may be told."""
    everyone = [holder, *others]
    links: dict[int, list[ChildLink]] = {}
    for carer in everyone:
        for link in carer.children:
            links.setdefault(link.child_id, []).append(link)
    children = tuple(
        replace(
            same[0],
            relationship=" / ".join(dict.fromkeys(link.relationship for link in same)),
            receives_information=all(link.receives_information for link in same),
        )
        for same in links.values()
    )
    return replace(holder, name=" / ".join(c.name for c in everyone), children=children)


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
