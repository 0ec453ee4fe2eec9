"""SQLite repository for outside agencies and referrals: contacts recorded with the carers
told, referral numbers, each carer's answers, and the lists behind the commands."""

from __future__ import annotations

from datetime import date
from typing import Any

import aiosqlite

from bot.domain.agencies import (
    FIRST_REFERRAL_NUMBER,
    AgencyContact,
    AgencyRow,
    AnswerLine,
    ChildOnFile,
    NoticeLine,
    Reachable,
    Referral,
    ReferralAnswer,
    ReferralRow,
    ReferralSent,
    ReferralViews,
    Told,
)
from bot.domain.people import PersonKind
from bot.storage.rows import Writer
from bot.storage.sqlite.links import SqliteLinks
from bot.storage.sqlite.sql import fetch_all, fetch_one, from_iso, from_iso_or_none, iso

_CHILD = (
    "SELECT c.id, c.ref, c.first_name, c.last_name, c.send_status, kp.id AS key_person_id "
    "FROM children c LEFT JOIN staff kp ON kp.setting_id = c.setting_id "
    "AND kp.ref = c.key_person_ref "
)
_REFERRAL = (
    "SELECT r.*, c.ref AS child_ref, c.first_name, c.last_name, kp.id AS key_person_id "
    "FROM referrals r JOIN children c ON c.id = r.child_id "
    "LEFT JOIN staff kp ON kp.setting_id = c.setting_id AND kp.ref = c.key_person_ref "
)


class SqliteAgencies:
    """Agency contacts and referrals."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    # Children and their families.

    async def child(self, setting_id: int, ref: str) -> ChildOnFile | None:
        """A child on file (not left) by their ref, in any case."""
        row = await fetch_one(
            self.conn,
            _CHILD + "WHERE c.setting_id = ? AND c.ref = ? COLLATE NOCASE AND c.left_at IS NULL",
            (setting_id, ref.strip()),
        )
        return _child(row) if row is not None else None

    async def child_by_id(self, child_id: int) -> ChildOnFile | None:
        row = await fetch_one(self.conn, _CHILD + "WHERE c.id = ?", (child_id,))
        return _child(row) if row is not None else None

    async def children(self, setting_id: int) -> list[ChildOnFile]:
        """Every child on file, by first name (for a staff phone's "which child?")."""
        rows = await fetch_all(
            self.conn,
            _CHILD + "WHERE c.setting_id = ? AND c.left_at IS NULL ORDER BY c.first_name, c.id",
            (setting_id,),
        )
        return [_child(r) for r in rows]

    async def family(self, child_id: int) -> tuple[Reachable, ...]:
        """Every carer linked to a child (not left), and where an essential message about the
        child would reach each now: none for a carer with receives_information = no."""
        rows = await fetch_all(
            self.conn,
            "SELECT ca.id, ca.name, ca.language, cc.relationship, cc.receives_information "
            "FROM child_carers cc JOIN carers ca ON ca.id = cc.carer_id "
            "WHERE cc.child_id = ? AND cc.left_at IS NULL AND ca.left_at IS NULL "
            "ORDER BY ca.id",
            (child_id,),
        )
        links = SqliteLinks(self.conn)
        found = []
        for r in rows:
            informed = bool(r["receives_information"])
            channels: tuple[str, ...] = ()
            if informed:
                route = await links.route(PersonKind.CARER, int(r["id"]))
                channels = tuple(dict.fromkeys(c.channel for c in route.chosen(True)))
            found.append(
                Reachable(
                    int(r["id"]),
                    str(r["name"]),
                    str(r["relationship"]),
                    str(r["language"]),
                    informed,
                    channels,
                )
            )
        return tuple(found)

    async def role_holders(self, setting_id: int, role: str) -> tuple[int, ...]:
        """The staff holding a role (the SENCo), by id."""
        rows = await fetch_all(
            self.conn, "SELECT id, roles FROM staff WHERE setting_id = ? ORDER BY id", (setting_id,)
        )
        return tuple(
            int(r["id"]) for r in rows if role in {c.strip() for c in str(r["roles"]).split(";")}
        )

    # Agency contacts.

    async def add_contact(self, record: AgencyContact, by: Writer) -> None:
        """Keep an agency contact with the carers told, in the caller's transaction."""
        if by.setting_id is None:
            raise ValueError("an agency contact belongs to a setting")
        cur = await self.conn.execute(
            "INSERT INTO agency_contacts (setting_id, child_id, agency, what, happens_on, "
            "planned, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                by.setting_id,
                record.child_id,
                record.agency,
                record.what,
                record.when.isoformat() if record.when else None,
                int(record.planned),
                by.actor,
                iso(by.now),
            ),
        )
        await self._told("contact_id", int(cur.lastrowid or 0), record.told, by)

    async def contacts(self, setting_id: int, child_id: int | None) -> list[AgencyRow]:
        """Agency contacts, oldest first, for one child or all."""
        sql = (
            "SELECT a.*, c.ref AS child_ref, c.first_name, c.last_name FROM agency_contacts a "
            "JOIN children c ON c.id = a.child_id WHERE a.setting_id = ?"
        )
        params: list[Any] = [setting_id]
        if child_id is not None:
            sql += " AND a.child_id = ?"
            params.append(child_id)
        rows = await fetch_all(self.conn, sql + " ORDER BY a.recorded_at, a.id", params)
        found = []
        for r in rows:
            told = await self._notices("contact_id", int(r["id"]))
            found.append(
                AgencyRow(
                    id=int(r["id"]),
                    child=f"{r['first_name']} {r['last_name']}".strip(),
                    child_ref=str(r["child_ref"]),
                    agency=str(r["agency"]),
                    what=str(r["what"]),
                    when=_day(r["happens_on"]),
                    planned=bool(r["planned"]),
                    recorded_at=from_iso(r["recorded_at"]),
                    recorded_by=str(r["recorded_by"]),
                    told=told,
                )
            )
        return found

    # Referrals.

    async def reserve_referral(self, setting_id: int) -> int:
        """The next referral number of a setting (unique, not always consecutive)."""
        row = await fetch_one(
            self.conn,
            "INSERT INTO referral_numbers (setting_id, last) VALUES (?, ?) "
            "ON CONFLICT (setting_id) DO UPDATE SET last = last + 1 RETURNING last",
            (setting_id, FIRST_REFERRAL_NUMBER),
        )
        return int(row[0])

    async def add_referral(self, record: Referral, by: Writer) -> None:
        if by.setting_id is None:
            raise ValueError("a referral belongs to a setting")
        cur = await self.conn.execute(
            "INSERT INTO referrals (setting_id, number, child_id, to_whom, why, staff_id, "
            "made_by, made_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                by.setting_id,
                record.number,
                record.child_id,
                record.to,
                record.why,
                record.staff_id,
                by.actor,
                iso(by.now),
            ),
        )
        await self._told("referral_id", int(cur.lastrowid or 0), record.told, by)

    async def answer(self, record: ReferralAnswer, by: Writer) -> None:
        """A carer's answer (the writer is the carer), with its channel and time."""
        await self._answer(record.number, record.answer, record.words, record.channel, by)

    async def views(self, record: ReferralViews, by: Writer) -> None:
        """What a carer would like the service to know, word for word."""
        await self._answer(record.number, "views", record.words, record.channel, by)

    async def mark_sent(self, record: ReferralSent, by: Writer) -> None:
        await self.conn.execute(
            "UPDATE referrals SET sent_at = ?, sent_by = ? "
            "WHERE setting_id = ? AND number = ? AND sent_at IS NULL",
            (iso(by.now), by.actor, by.setting_id, record.number),
        )

    async def referral(self, setting_id: int, number: int) -> ReferralRow | None:
        row = await fetch_one(
            self.conn, _REFERRAL + "WHERE r.setting_id = ? AND r.number = ?", (setting_id, number)
        )
        return await self._referral(row) if row is not None else None

    async def referrals(self, setting_id: int, child_id: int | None = None) -> list[ReferralRow]:
        """Referrals, oldest first, for one child or all."""
        sql, params = _REFERRAL + "WHERE r.setting_id = ?", [setting_id]
        if child_id is not None:
            sql += " AND r.child_id = ?"
            params.append(child_id)
        rows = await fetch_all(self.conn, sql + " ORDER BY r.made_at, r.id", params)
        return [await self._referral(r) for r in rows]

    async def for_carer(self, carer_id: int) -> list[ReferralRow]:
        """Every referral of the children a carer may be told about, oldest first."""
        rows = await fetch_all(
            self.conn,
            _REFERRAL + "JOIN child_carers cc ON cc.child_id = r.child_id AND cc.carer_id = ? "
            "AND cc.left_at IS NULL AND cc.receives_information = 1 ORDER BY r.made_at, r.id",
            (carer_id,),
        )
        return [await self._referral(r) for r in rows]

    async def _answer(self, number: int, answer: str, words: str, channel: str, by: Writer) -> None:
        if by.person_kind is not PersonKind.CARER or by.person_id is None:
            raise ValueError("a referral is answered by a carer")
        await self.conn.execute(
            "INSERT INTO referral_answers (referral_id, carer_id, answer, words, channel, "
            "answered_at) SELECT id, ?, ?, ?, ?, ? FROM referrals "
            "WHERE setting_id = ? AND number = ?",
            (by.person_id, answer, words, channel, iso(by.now), by.setting_id, number),
        )

    async def _told(self, column: str, row_id: int, told: tuple[Told, ...], by: Writer) -> None:
        await self.conn.executemany(
            f"INSERT INTO agency_notices ({column}, carer_id, channels, told_at) "
            "VALUES (?, ?, ?, ?)",
            [(row_id, t.carer_id, ";".join(t.channels), iso(by.now)) for t in told],
        )

    async def _notices(self, column: str, row_id: int) -> tuple[NoticeLine, ...]:
        rows = await fetch_all(
            self.conn,
            "SELECT n.channels, n.told_at, ca.name, cc.relationship FROM agency_notices n "
            "JOIN carers ca ON ca.id = n.carer_id "
            f"LEFT JOIN child_carers cc ON cc.carer_id = n.carer_id AND cc.child_id = "
            f"(SELECT child_id FROM {_owner(column)} WHERE id = n.{column}) "
            f"WHERE n.{column} = ? ORDER BY n.id",
            (row_id,),
        )
        return tuple(
            NoticeLine(
                _named(r["name"], r["relationship"]),
                tuple(c for c in str(r["channels"]).split(";") if c),
                from_iso(r["told_at"]),
            )
            for r in rows
        )

    async def _referral(self, r: Any) -> ReferralRow:
        rows = await fetch_all(
            self.conn,
            "SELECT a.*, ca.name, cc.relationship FROM referral_answers a "
            "JOIN carers ca ON ca.id = a.carer_id LEFT JOIN child_carers cc "
            "ON cc.carer_id = a.carer_id AND cc.child_id = ? "
            "WHERE a.referral_id = ? ORDER BY a.answered_at, a.id",
            (r["child_id"], r["id"]),
        )
        answers = tuple(
            AnswerLine(
                int(a["carer_id"]),
                _named(a["name"], a["relationship"]),
                str(a["answer"]),
                str(a["words"]),
                str(a["channel"]),
                from_iso(a["answered_at"]),
            )
            for a in rows
        )
        first = str(r["first_name"])
        return ReferralRow(
            number=int(r["number"]),
            child_id=int(r["child_id"]),
            child=first,
            child_full=f"{first} {r['last_name']}".strip(),
            child_ref=str(r["child_ref"]),
            key_person_id=_int(r["key_person_id"]),
            to=str(r["to_whom"]),
            why=str(r["why"]),
            staff_id=_int(r["staff_id"]),
            made_at=from_iso(r["made_at"]),
            sent_at=from_iso_or_none(r["sent_at"]),
            asked=await self._notices("referral_id", int(r["id"])),
            answers=answers,
        )


def _owner(column: str) -> str:
    return "agency_contacts" if column == "contact_id" else "referrals"


def _child(r: Any) -> ChildOnFile:
    return ChildOnFile(
        int(r["id"]),
        str(r["ref"]),
        str(r["first_name"]),
        str(r["last_name"]),
        _int(r["key_person_id"]),
        str(r["send_status"]),
    )


def _named(name: object, relationship: object) -> str:
    return f"{name} ({relationship})" if relationship else str(name)


def _int(value: object) -> int | None:
    return int(str(value)) if value is not None else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
