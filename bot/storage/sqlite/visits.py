"""SQLite repository for visits: reference numbers, the visits kept, who was told, each carer's
answers, and the lists behind `keyperson visit list`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.domain.people import StaffMember
from bot.domain.visits import (
    FIRST_VISIT_NUMBER,
    FamilyMember,
    NewVisit,
    VisitAnswer,
    VisitChild,
    VisitInfo,
)
from bot.storage.rows import Writer
from bot.storage.sqlite.sql import fetch_all, fetch_one, iso

# Who may record a visit for any child of the setting, not only their key children.
SEES_ALL = ("manager", "senco")

_SELECT = (
    "SELECT v.*, c.ref AS child_ref, c.first_name, c.last_name, c.send_status, "
    "s.id AS key_person_id, s.name AS key_person "
    "FROM visits v JOIN children c ON c.id = v.child_id "
    "LEFT JOIN staff s ON s.setting_id = c.setting_id AND s.ref = c.key_person_ref "
)


class SqliteVisits:
    """Visits, their notices and answers."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def reserve_number(self, setting_id: int) -> int:
        """The next reference number of a setting, taken now (unique, not always consecutive)."""
        row = await fetch_one(
            self.conn,
            "INSERT INTO visit_numbers (setting_id, last) VALUES (?, ?) "
            "ON CONFLICT (setting_id) DO UPDATE SET last = last + 1 RETURNING last",
            (setting_id, FIRST_VISIT_NUMBER),
        )
        return int(row[0])

    async def child(self, setting_id: int, ref: str) -> VisitChild | None:
        """A child on file (not left) by ref."""
        row = await fetch_one(
            self.conn,
            "SELECT id, ref, first_name FROM children WHERE setting_id = ? AND ref = ? "
            "AND left_at IS NULL",
            (setting_id, ref.strip()),
        )
        return VisitChild(int(row["id"]), str(row["ref"]), str(row["first_name"])) if row else None

    async def children_for(self, setting_id: int, staff: StaffMember) -> list[VisitChild]:
        """The children a member of staff may record a visit for: their key children and those
        of colleagues they cover; every child for a manager or SENCo."""
        sql = (
            "SELECT c.id, c.ref, c.first_name FROM children c "
            "LEFT JOIN staff s ON s.setting_id = c.setting_id AND s.ref = c.key_person_ref "
            "WHERE c.setting_id = ? AND c.left_at IS NULL"
        )
        params: list[Any] = [setting_id]
        if not set(SEES_ALL) & set(staff.roles):
            sql += " AND (s.id = ? OR s.cover_ref = ?)"
            params += [staff.id, staff.ref]
        rows = await fetch_all(self.conn, sql + " ORDER BY c.first_name, c.id", params)
        return [
            VisitChild(
                int(r["id"]), str(r["ref"]), str(r["first_name"]), await self._family(r["id"])
            )
            for r in rows
        ]

    async def _family(self, child_id: int) -> tuple[FamilyMember, ...]:
        """The carers a child's visits are told to: receives_information = yes, not left; two
        carers who share a phone count once, as the carer the phone is filed under (it is told
        once, and its answers are that carer's)."""
        family = await fetch_all(
            self.conn,
            "SELECT ca.id, ca.name, ca.language, "
            "MAX(CASE WHEN cc.carer_id = ca.id THEN cc.relationship END) AS relationship "
            "FROM child_carers cc JOIN carer_reach r ON r.carer_id = cc.carer_id "
            "JOIN carers ca ON ca.id = r.reached_as "
            "WHERE cc.child_id = ? AND cc.receives_information = 1 AND cc.left_at IS NULL "
            "GROUP BY ca.id ORDER BY ca.id",
            (child_id,),
        )
        return tuple(
            FamilyMember(int(f["id"]), _named(f["name"], f["relationship"]), f["language"])
            for f in family
        )

    async def add(self, record: NewVisit, by: Writer) -> None:
        """Keep a visit (from a staff phone through Write, or from the command line)."""
        if by.setting_id is None:
            raise ValueError("a visit belongs to a setting")
        await self.conn.execute(
            "INSERT INTO visits (setting_id, number, child_id, who, name, at, why, place, home, "
            "recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                by.setting_id,
                record.number,
                record.child_id,
                record.who,
                record.name,
                iso(record.at),
                record.why,
                record.place,
                int(record.home),
                record.recorded_by,
                iso(by.now),
            ),
        )

    async def by_number(self, setting_id: int, number: int) -> VisitInfo | None:
        row = await fetch_one(
            self.conn, _SELECT + "WHERE v.setting_id = ? AND v.number = ?", (setting_id, number)
        )
        return await self._info(row) if row is not None else None

    async def listed(
        self, setting_id: int, child_id: int | None, since: datetime | None
    ) -> list[VisitInfo]:
        """Visits for the list, soonest first."""
        sql = _SELECT + "WHERE v.setting_id = ?"
        params: list[Any] = [setting_id]
        if child_id is not None:
            sql += " AND v.child_id = ?"
            params.append(child_id)
        if since is not None:
            sql += " AND v.at >= ?"
            params.append(iso(since))
        rows = await fetch_all(self.conn, sql + " ORDER BY v.at, v.number", params)
        return [await self._info(r) for r in rows]

    async def awaiting(self, setting_id: int, carer_id: int, now: datetime) -> VisitInfo | None:
        """The visit whose notice (or move) this carer was sent last and has not answered
        since, if it is still to come and not cancelled: what a bare "1" by SMS answers."""
        row = await fetch_one(
            self.conn,
            "SELECT n.visit_id, n.sent_at FROM visit_notices n JOIN visits v ON v.id = n.visit_id "
            "WHERE n.carer_id = ? AND v.setting_id = ? AND n.kind IN ('notice', 'moved') "
            "ORDER BY n.sent_at DESC, n.id DESC LIMIT 1",
            (carer_id, setting_id),
        )
        if row is None:
            return None
        answered = await fetch_one(
            self.conn,
            "SELECT 1 FROM visit_answers WHERE visit_id = ? AND carer_id = ? AND answered_at >= ?",
            (row["visit_id"], carer_id, row["sent_at"]),
        )
        if answered is not None:
            return None
        found = await fetch_one(self.conn, _SELECT + "WHERE v.id = ?", (row["visit_id"],))
        info = await self._info(found)
        if info.state == "cancelled" or info.at <= now:
            return None
        return info

    async def told(self, record: Any, by: Writer) -> None:
        """Which carers were sent a visit's notice, move, cancellation or reminder."""
        visit = await self._id(by.setting_id, record.number)
        await self.conn.executemany(
            "INSERT INTO visit_notices (visit_id, carer_id, kind, sent_at) VALUES (?, ?, ?, ?)",
            [(visit, carer, record.kind, iso(by.now)) for carer in record.carers],
        )

    async def answer(self, record: Any, by: Writer) -> None:
        """A carer's answer, as theirs (the carer writing); some answers change the state."""
        if by.person_id is None:
            raise ValueError("an answer is a carer's")
        visit = await self._id(by.setting_id, record.number)
        await self.conn.execute(
            "INSERT INTO visit_answers (visit_id, carer_id, answer, words, channel, answered_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (visit, by.person_id, record.answer, record.words, record.channel, iso(by.now)),
        )
        if record.state is not None:
            await self.conn.execute(
                "UPDATE visits SET state = ? WHERE id = ? AND state != 'cancelled'",
                (record.state, visit),
            )

    async def move(self, setting_id: int, number: int, at: datetime, now: datetime) -> None:
        """A new time: the visit is planned again (a home visit is to be confirmed afresh)."""
        await self.conn.execute(
            "UPDATE visits SET at = ?, moved_at = ?, state = 'planned' "
            "WHERE setting_id = ? AND number = ?",
            (iso(at), iso(now), setting_id, number),
        )

    async def cancel(self, setting_id: int, number: int, reason: str, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE visits SET state = 'cancelled', cancelled_at = ?, cancel_reason = ? "
            "WHERE setting_id = ? AND number = ?",
            (iso(now), reason, setting_id, number),
        )

    async def _id(self, setting_id: int | None, number: int) -> int:
        row = await fetch_one(
            self.conn,
            "SELECT id FROM visits WHERE setting_id = ? AND number = ?",
            (setting_id, number),
        )
        if row is None:
            raise ValueError(f"no visit V-{number} in setting {setting_id}")
        return int(row[0])

    async def _info(self, r: Any) -> VisitInfo:
        answers = await fetch_all(
            self.conn,
            "SELECT a.*, ca.name, cc.relationship FROM visit_answers a "
            "JOIN carers ca ON ca.id = a.carer_id "
            "LEFT JOIN child_carers cc ON cc.carer_id = a.carer_id AND cc.child_id = ? "
            "WHERE a.visit_id = ? ORDER BY a.id",
            (r["child_id"], r["id"]),
        )
        first = str(r["first_name"])
        return VisitInfo(
            id=int(r["id"]),
            setting_id=int(r["setting_id"]),
            number=int(r["number"]),
            child_id=int(r["child_id"]),
            child=first,
            child_full=f"{first} {r['last_name'] or ''}".strip(),
            child_ref=str(r["child_ref"]),
            send=str(r["send_status"] or "none") != "none",
            key_person_id=int(r["key_person_id"]) if r["key_person_id"] is not None else None,
            key_person=r["key_person"],
            who=str(r["who"]),
            name=str(r["name"]),
            at=_time(r["at"]),
            why=str(r["why"]),
            place=str(r["place"]),
            home=bool(r["home"]),
            state=str(r["state"]),
            recorded_by=int(r["recorded_by"]) if r["recorded_by"] is not None else None,
            recorded_at=_time(r["recorded_at"]),
            cancel_reason=r["cancel_reason"],
            family=await self._family(int(r["child_id"])),
            answers=tuple(
                VisitAnswer(
                    int(a["carer_id"]),
                    _named(a["name"], a["relationship"]),
                    str(a["answer"]),
                    str(a["words"]),
                    str(a["channel"]),
                    _time(a["answered_at"]),
                )
                for a in answers
            ),
        )


def _named(name: str, relationship: str | None) -> str:
    return f"{name} ({relationship})" if relationship else str(name)


def _time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
