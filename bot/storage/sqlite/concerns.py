"""SQLite repository for concerns: reference numbers, who holds each role, the concerns kept
and their stages, and the lists behind CONCERNS and the report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.domain.people import StaffMember
from bot.storage.rows import FIRST_CONCERN_NUMBER, ConcernInfo, Writer
from bot.storage.sqlite.sql import fetch_all, fetch_one

ROUTED_ROLES = ("manager", "senco", "dsl", "deputy_dsl")
# Who sees every open concern of the setting in CONCERNS, not only those routed to them.
SEES_ALL = frozenset({"manager", "dsl", "deputy_dsl"})

# The answers a draft keeps as they are given.
_DRAFT_FIELDS = ("child_id", "topic", "urgency", "words", "answer_by", "photo")
# Concerns raised and not closed (a draft is not raised; an abandoned draft never was).
_OPEN = "k.stage IN ('received', 'acknowledged', 'reopened')"

_SELECT = (
    "SELECT k.*, c.first_name, c.last_name, ca.name AS carer_name, cc.relationship, "
    "cc.receives_information, s.name AS ack_name "
    "FROM concerns k "
    "LEFT JOIN children c ON c.id = k.child_id "
    "LEFT JOIN carers ca ON ca.id = k.carer_id "
    "LEFT JOIN child_carers cc ON cc.child_id = k.child_id AND cc.carer_id = k.carer_id "
    "LEFT JOIN staff s ON s.id = k.acknowledged_by "
)


class SqliteConcerns:
    """Concerns and their stages."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def reserve_number(self, setting_id: int) -> int:
        """The next reference number of a setting, taken now (a number left unused when a
        family stops halfway is skipped: references are unique, not consecutive)."""
        row = await fetch_one(
            self.conn,
            "INSERT INTO concern_numbers (setting_id, last) VALUES (?, ?) "
            "ON CONFLICT (setting_id) DO UPDATE SET last = last + 1 RETURNING last",
            (setting_id, FIRST_CONCERN_NUMBER),
        )
        return int(row[0])

    async def role_holders(self, setting_id: int) -> dict[str, tuple[int, ...]]:
        """The staff ids holding each role concerns are routed to (key persons come with the
        child)."""
        rows = await fetch_all(
            self.conn, "SELECT id, roles FROM staff WHERE setting_id = ? ORDER BY id", (setting_id,)
        )
        held: dict[str, tuple[int, ...]] = {}
        for role in ROUTED_ROLES:
            held[role] = tuple(int(r["id"]) for r in rows if role in _cells(r["roles"]))
        return held

    async def covers(self, setting_id: int) -> dict[int, tuple[int, ...]]:
        """Each member of staff's named cover (staff.csv cover_ref), by id: the colleague who
        gets what they would."""
        rows = await fetch_all(
            self.conn,
            "SELECT s.id, c.id FROM staff s JOIN staff c "
            "ON c.setting_id = s.setting_id AND c.ref = s.cover_ref AND c.id != s.id "
            "WHERE s.setting_id = ? ORDER BY s.id",
            (setting_id,),
        )
        return {int(r[0]): (int(r[1]),) for r in rows}

    async def carers_of(self, setting_id: int, number: int) -> list[tuple[int, str, str]]:
        """(id, ref, name) of the carers a concern is about: the child's and whoever raised it
        (the DSL may name one of them as its subject)."""
        rows = await fetch_all(
            self.conn,
            "SELECT DISTINCT ca.id, ca.ref, ca.name FROM concerns k JOIN carers ca "
            "ON ca.id = k.carer_id OR ca.id IN "
            "(SELECT cc.carer_id FROM child_carers cc WHERE cc.child_id = k.child_id) "
            "WHERE k.setting_id = ? AND k.number = ? ORDER BY ca.id",
            (setting_id, number),
        )
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    async def mark_subject(self, record: Any, by: Writer) -> None:
        """The DSL names a carer as the subject of a concern: they get no updates on it."""
        await self.conn.execute(
            "UPDATE concerns SET subject_carer_id = ? WHERE setting_id = ? AND number = ?",
            (record.carer_id, by.setting_id, record.number),
        )
        await self._note(record.number, "subject", str(record.carer_id), by)

    async def by_number(self, setting_id: int, number: int) -> ConcernInfo | None:
        row = await fetch_one(
            self.conn, _SELECT + "WHERE k.setting_id = ? AND k.number = ?", (setting_id, number)
        )
        return _info(row) if row is not None else None

    async def open_for(self, setting_id: int, staff: StaffMember) -> list[ConcernInfo]:
        """The concerns not closed that a member of staff is to act on, oldest first: those
        routed to them or acknowledged by them (a manager or DSL: every open one)."""
        rows = await fetch_all(
            self.conn,
            _SELECT + f"WHERE k.setting_id = ? AND {_OPEN} ORDER BY k.opened_at, k.id",
            (setting_id,),
        )
        found = [_info(r) for r in rows]
        if SEES_ALL & set(staff.roles):
            return found
        return [c for c in found if staff.id in c.staff or c.acknowledged_by == staff.id]

    async def listed(
        self, setting_id: int, open_only: bool, since: datetime | None
    ) -> list[ConcernInfo]:
        """Concerns for the report, oldest first."""
        sql = _SELECT + "WHERE k.setting_id = ? AND k.stage != 'draft'"
        params: list[Any] = [setting_id]
        if open_only:
            sql += f" AND {_OPEN}"
        if since is not None:
            sql += " AND k.opened_at >= ?"
            params.append(_utc(since))
        rows = await fetch_all(self.conn, sql + " ORDER BY k.opened_at, k.id", params)
        return [_info(r) for r in rows]

    async def add(self, record: Any, by: Writer) -> None:
        """Keep a concern a family raised (bot.flows.concerns.Concern): its draft becomes the
        concern, or, with no draft, a new row."""
        if by.setting_id is None or by.person_id is None:
            raise ValueError("a concern belongs to a setting and a carer")
        values = (
            record.child_id,
            record.topic,
            record.urgency,
            record.words,
            record.answer_by,
            ";".join(str(s) for s in record.staff),
            _utc(by.now),
            _utc(record.acknowledge_by),
            record.photo,
        )
        cursor = await self.conn.execute(
            "UPDATE concerns SET child_id = ?, topic = ?, urgency = ?, words = ?, answer_by = ?, "
            "staff = ?, opened_at = ?, acknowledge_by = ?, photo = ?, stage = 'received' "
            "WHERE setting_id = ? AND number = ? AND carer_id = ? "
            "AND stage IN ('draft', 'abandoned')",
            (*values, by.setting_id, record.number, by.person_id),
        )
        if cursor.rowcount:
            return
        await self.conn.execute(
            "INSERT INTO concerns (child_id, topic, urgency, words, answer_by, staff, opened_at, "
            "acknowledge_by, photo, setting_id, number, carer_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*values, by.setting_id, record.number, by.person_id),
        )

    async def start_draft(self, record: Any, by: Writer) -> None:
        """The first step of raising a concern: one record from now on, as a draft."""
        if by.setting_id is None or by.person_id is None:
            raise ValueError("a concern belongs to a setting and a carer")
        await self.conn.execute(
            "INSERT INTO concerns (setting_id, number, carer_id, words, stage, opened_at) "
            "VALUES (?, ?, ?, ?, 'draft', ?) ON CONFLICT (setting_id, number) DO NOTHING",
            (by.setting_id, record.number, by.person_id, record.words or None, _utc(by.now)),
        )

    async def keep_draft(self, record: Any, by: Writer) -> None:
        """An answer given while raising a concern, kept on its draft."""
        fields = {k: v for k, v in record.fields.items() if k in _DRAFT_FIELDS}
        if not fields:
            return
        await self.conn.execute(
            "UPDATE concerns SET "
            + ", ".join(f"{k} = ?" for k in fields)
            + " WHERE setting_id = ? AND number = ? AND stage = 'draft'",
            (*fields.values(), by.setting_id, record.number),
        )

    async def abandon(self, record: Any, by: Writer) -> None:
        """A draft left for a day (or started again): closed as abandoned, never deleted."""
        await self.conn.execute(
            "UPDATE concerns SET stage = 'abandoned', closed_at = ? "
            "WHERE setting_id = ? AND number = ? AND stage = 'draft'",
            (_utc(by.now), by.setting_id, record.number),
        )

    async def draft_of(self, setting_id: int, carer_id: int, since: datetime) -> ConcernInfo | None:
        """A carer's latest draft started since then, if it is still a draft."""
        row = await fetch_one(
            self.conn,
            _SELECT + "WHERE k.setting_id = ? AND k.carer_id = ? AND k.stage = 'draft' "
            "AND k.opened_at >= ? ORDER BY k.opened_at DESC, k.id DESC LIMIT 1",
            (setting_id, carer_id, _utc(since)),
        )
        return _info(row) if row is not None else None

    async def acknowledge(self, record: Any, by: Writer) -> None:
        """A member of staff is looking at it: the first acknowledgement is kept."""
        await self.conn.execute(
            "UPDATE concerns SET stage = 'acknowledged', "
            "acknowledged_at = COALESCE(acknowledged_at, ?), "
            "acknowledged_by = COALESCE(acknowledged_by, ?) "
            "WHERE setting_id = ? AND number = ? AND stage != 'closed'",
            (_utc(by.now), record.staff_id, by.setting_id, record.number),
        )

    async def note(self, record: Any, by: Writer) -> None:
        """Something said on a concern: a family's addition or a staff answer."""
        await self._note(record.number, record.kind, record.words, by, record.photo)

    async def close(self, record: Any, by: Writer) -> None:
        """Closed with a short summary; the family is asked whether they are happy."""
        await self.conn.execute(
            "UPDATE concerns SET stage = 'closed', closed_at = ?, summary = ?, satisfaction = NULL "
            "WHERE setting_id = ? AND number = ?",
            (_utc(by.now), record.summary, by.setting_id, record.number),
        )
        await self._note(record.number, "closed", record.summary, by)

    async def rate(self, record: Any, by: Writer) -> None:
        """The family's answer to "Are you happy…?": anything but yes reopens it."""
        stage = "closed" if record.answer == "yes" else "reopened"
        await self.conn.execute(
            "UPDATE concerns SET satisfaction = ?, stage = ? WHERE setting_id = ? AND number = ?",
            (record.answer, stage, by.setting_id, record.number),
        )
        await self._note(record.number, "satisfaction", record.answer, by)

    async def _note(
        self, number: int, kind: str, words: str, by: Writer, photo: str | None = None
    ) -> None:
        await self.conn.execute(
            "INSERT INTO concern_notes (concern_id, kind, words, written_by, written_at, photo) "
            "SELECT id, ?, ?, ?, ?, ? FROM concerns WHERE setting_id = ? AND number = ?",
            (kind, words, by.actor, _utc(by.now), photo, by.setting_id, number),
        )


def _info(r: Any) -> ConcernInfo:
    first = r["first_name"] or ""
    relationship = r["relationship"]
    carer = str(r["carer_name"] or "")
    return ConcernInfo(
        id=int(r["id"]),
        setting_id=int(r["setting_id"]),
        number=int(r["number"]),
        child_id=int(r["child_id"]) if r["child_id"] is not None else None,
        child=first,
        child_full=f"{first} {r['last_name'] or ''}".strip(),
        carer_id=int(r["carer_id"]),
        carer=f"{carer} ({relationship})" if relationship else carer,
        informed=bool(r["receives_information"]),
        topic=r["topic"] or "",
        urgency=r["urgency"] or "",
        words=r["words"] or "",
        answer_by=r["answer_by"] or "",
        staff=tuple(int(s) for s in str(r["staff"]).split(";") if s),
        stage=str(r["stage"]),
        opened_at=_time(r["opened_at"]),
        acknowledge_by=_time(r["acknowledge_by"]) if r["acknowledge_by"] else None,
        acknowledged_at=_time(r["acknowledged_at"]) if r["acknowledged_at"] else None,
        acknowledged_by=int(r["acknowledged_by"]) if r["acknowledged_by"] is not None else None,
        acknowledged_by_name=r["ack_name"],
        closed_at=_time(r["closed_at"]) if r["closed_at"] else None,
        summary=r["summary"],
        satisfaction=r["satisfaction"],
        photo=r["photo"],
        subject_carer_id=r["subject_carer_id"],
    )


def _cells(cell: str | None) -> set[str]:
    return {c.strip() for c in (cell or "").split(";") if c.strip()}


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
