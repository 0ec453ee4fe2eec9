"""SQLite repository for workshops: references, guests and their answers, the waiting list,
the invite and cancellation timers, and the report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain.audience import (
    NO_INFORMATION,
    OPTED_OUT,
    UNREACHABLE,
    AudienceError,
    parse,
    resolve,
)
from bot.domain.people import PersonKind
from bot.domain.workshops import (
    GOING,
    WAITING,
    AddedWorkshop,
    Answered,
    Cancellation,
    GivenPlace,
    Invitation,
    NewWorkshop,
    Standing,
    Workshop,
    WorkshopConflict,
    WouldHelp,
)
from bot.storage.rows import Writer
from bot.storage.sqlite.audiences import SqliteAudiences
from bot.storage.sqlite.links import SqliteLinks
from bot.storage.sqlite.reminders import SqliteReminders
from bot.storage.sqlite.reports import SENT
from bot.storage.sqlite.sql import fetch_all, fetch_one, from_iso, from_iso_or_none, iso

# There is room for one more carer (params: workshop id, workshop id, carer id, workshop id).
_ROOM = (
    "((SELECT capacity FROM workshops WHERE id = ?) IS NULL OR (SELECT COUNT(*) FROM "
    "workshop_guests WHERE workshop_id = ? AND answer = 'yes' AND carer_id != ?) < "
    "(SELECT capacity FROM workshops WHERE id = ?))"
)
FLOW = "workshops"  # the flow whose timers invite and tell families (bot.flows.workshops)


class SqliteWorkshops:
    """Workshops and their guests."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def add(self, setting_id: int, new: NewWorkshop, now: datetime) -> int:
        """Keep a new workshop; return its number (W-<number>), the next in the setting."""
        row = await fetch_one(
            self.conn,
            "INSERT INTO workshops (setting_id, number, title, starts_at, ends_at, place, "
            "online, capacity, audience, created_at) VALUES (?, (SELECT COALESCE(MAX(number), "
            "0) + 1 FROM workshops WHERE setting_id = ?), ?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING number",
            (
                setting_id,
                setting_id,
                new.title,
                iso(new.starts_at),
                iso(new.ends_at) if new.ends_at else None,
                new.place,
                new.online,
                new.capacity,
                new.audience,
                iso(now),
            ),
        )
        return int(row[0])

    async def next_number(self, setting_id: int) -> int:
        """The number the setting's next workshop takes (W-<number>)."""
        row = await fetch_one(
            self.conn,
            "SELECT COALESCE(MAX(number), 0) + 1 FROM workshops WHERE setting_id = ?",
            (setting_id,),
        )
        return int(row[0]) if row is not None else 1

    async def add_numbered(self, record: AddedWorkshop, by: Writer) -> None:
        """Keep a workshop a manager added from a phone under the number they were told; if
        another took it meanwhile, WorkshopConflict: the message is handled again."""
        if by.setting_id is None:
            raise ValueError("a workshop belongs to a setting")
        if await self._maybe_id(by.setting_id, record.number) is not None:
            raise WorkshopConflict(f"W-{record.number} was taken meanwhile")
        new = record.new
        await self.conn.execute(
            "INSERT INTO workshops (setting_id, number, title, starts_at, ends_at, place, "
            "online, capacity, audience, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                by.setting_id,
                record.number,
                new.title,
                iso(new.starts_at),
                iso(new.ends_at) if new.ends_at else None,
                new.place,
                new.online,
                new.capacity,
                new.audience,
                iso(by.now),
            ),
        )
        if record.invite_due is not None:
            reach = await self.audience_reach(by.setting_id, new.audience)
            carers = tuple(reach["carer_ids"]) if reach is not None else ()
            await self.invite(Invitation(record.number, carers, record.invite_due), by)

    async def by_number(self, setting_id: int, number: int) -> Workshop | None:
        row = await fetch_one(
            self.conn,
            "SELECT * FROM workshops WHERE setting_id = ? AND number = ?",
            (setting_id, number),
        )
        return _workshop(row) if row is not None else None

    async def upcoming(self, setting_id: int, now: datetime) -> list[Workshop]:
        """Workshops not cancelled that have not started yet, soonest first."""
        rows = await fetch_all(
            self.conn,
            "SELECT * FROM workshops WHERE setting_id = ? AND status != 'cancelled' "
            "AND starts_at > ? ORDER BY starts_at, number",
            (setting_id, iso(now)),
        )
        return [_workshop(r) for r in rows]

    async def reach(self, setting_id: int, number: int) -> dict[str, Any] | None:
        """Who a workshop's invite reaches (for the preview on a manager's phone): the
        workshop, families, carers, the carers to invite, and who will not get it and why."""
        workshop = await self.by_number(setting_id, number)
        if workshop is None:
            return None
        reach = await self.audience_reach(setting_id, workshop.audience)
        return {"workshop": workshop, **reach} if reach is not None else None

    async def audience_reach(self, setting_id: int, written: str) -> dict[str, Any] | None:
        """Who an audience (as written) reaches: families, carers, the carers to invite, and
        who will not get it and why; None when it is not an audience."""
        audiences = SqliteAudiences(self.conn)
        try:
            audience = parse(written)
        except AudienceError:
            return None
        reach = resolve(
            audience,
            await audiences.links(setting_id),
            await audiences.reachability(setting_id),
        )
        missed = dict.fromkeys(("stopped", "unreachable", "no_information"), 0)
        missed["stopped"] = reach.not_reached.get(OPTED_OUT, 0)
        missed["unreachable"] = reach.not_reached.get(UNREACHABLE, 0)
        missed["no_information"] = reach.not_reached.get(NO_INFORMATION, 0)
        return {
            "families": reach.families,
            "carers": reach.carers,
            "carer_ids": [r.carer_id for r in reach.recipients],
            "missed": missed if any(missed.values()) else {},
        }

    async def standing(self, setting_id: int, number: int, carer_id: int) -> Standing | None:
        """Where a carer stands with a workshop (None when there is no such workshop)."""
        workshop_row = await fetch_one(
            self.conn,
            "SELECT * FROM workshops WHERE setting_id = ? AND number = ?",
            (setting_id, number),
        )
        if workshop_row is None:
            return None
        wid = int(workshop_row["id"])
        guest = await fetch_one(
            self.conn,
            "SELECT answer, waiting_since FROM workshop_guests WHERE workshop_id = ? "
            "AND carer_id = ?",
            (wid, carer_id),
        )
        taken = await self._taken(wid)
        line = await self._line(wid)
        place = line.index(carer_id) + 1 if carer_id in line else None
        return Standing(
            _workshop(workshop_row),
            guest is not None,
            guest["answer"] if guest is not None else None,
            taken,
            line[0] if line else None,
            place,
            len(line),
        )

    async def invite(self, record: Invitation, by: Writer) -> int:
        """Invite carers (each once, as the carer their contacts are reached as): a guest row
        each, and a timer of the workshops flow for each contact they chose, due at
        `record.due`. Returns how many carers were newly invited."""
        wid = await self._id(by.setting_id, record.number)
        invited = 0
        links = SqliteLinks(self.conn)
        timers = SqliteReminders(self.conn)
        for carer_id in dict.fromkeys(record.carer_ids):
            cursor = await self.conn.execute(
                "INSERT OR IGNORE INTO workshop_guests (workshop_id, carer_id, invited_at) "
                "VALUES (?, ?, ?)",
                (wid, carer_id, iso(by.now)),
            )
            if cursor.rowcount == 0:
                continue  # invited already: asked once, however often the invite is sent
            invited += 1
            for contact in (await links.route(PersonKind.CARER, carer_id)).chosen(False):
                await timers.add(
                    contact.setting_id,
                    contact.channel,
                    contact.address,
                    FLOW,
                    record.due,
                    "invite",
                    {"number": record.number},
                )
        await self.conn.execute(
            "UPDATE workshops SET status = 'invited', invited_at = COALESCE(invited_at, ?) "
            "WHERE id = ? AND status = 'added'",
            (iso(by.now), wid),
        )
        return invited

    async def answer(self, record: Answered, by: Writer) -> None:
        """Keep a carer's answer. A yes when every place is taken is a conflict (another
        answer took the last place meanwhile): the message is handled again, and waits. The
        check and the write are one statement, so answers handled side by side cannot both
        take the last place."""
        wid = await self._id(by.setting_id, record.number)
        waiting = iso(by.now) if record.answer == WAITING else None
        cursor = await self.conn.execute(
            "INSERT INTO workshop_guests (workshop_id, carer_id, invited_at, answer, "
            "answered_at, waiting_since, line) SELECT ?, ?, ?, ?, ?, ?, CASE WHEN ? IS NULL "
            "THEN NULL ELSE (SELECT COALESCE(MAX(line), 0) + 1 FROM workshop_guests WHERE "
            "workshop_id = ?) END WHERE ? != 'yes' OR "
            + _ROOM
            + " ON CONFLICT (workshop_id, carer_id) DO UPDATE SET answer = excluded.answer, "
            "answered_at = excluded.answered_at, "
            "waiting_since = CASE WHEN workshop_guests.answer = 'waiting' AND excluded.answer "
            "= 'waiting' THEN workshop_guests.waiting_since ELSE excluded.waiting_since END, "
            "line = CASE WHEN workshop_guests.answer = 'waiting' AND excluded.answer "
            "= 'waiting' THEN workshop_guests.line ELSE excluded.line END",
            (
                wid,
                record.carer_id,
                iso(by.now),
                record.answer,
                iso(by.now),
                waiting,
                waiting,
                wid,
                record.answer,
                wid,
                wid,
                record.carer_id,
                wid,
            ),
        )
        if cursor.rowcount != 1:
            raise WorkshopConflict(record.number)

    async def give_place(self, record: GivenPlace, by: Writer) -> None:
        """The first carer in line takes a freed place; a conflict if they no longer wait or
        the place was taken meanwhile."""
        wid = await self._id(by.setting_id, record.number)
        cursor = await self.conn.execute(
            "UPDATE workshop_guests SET answer = 'yes', answered_at = ?, waiting_since = NULL, "
            "line = NULL "
            "WHERE workshop_id = ? AND carer_id = ? AND answer = 'waiting' AND " + _ROOM,
            (iso(by.now), wid, record.carer_id, wid, wid, record.carer_id, wid),
        )
        if cursor.rowcount != 1:
            raise WorkshopConflict(record.number)

    async def would_help(self, record: WouldHelp, by: Writer) -> None:
        """Keep what would help a carer who cannot come."""
        wid = await self._id(by.setting_id, record.number)
        await self.conn.execute(
            "UPDATE workshop_guests SET help = ?, help_words = ? WHERE workshop_id = ? "
            "AND carer_id = ?",
            (record.what, record.words or None, wid, record.carer_id),
        )

    async def cancel(self, record: Cancellation, by: Writer) -> int:
        """Call a workshop off; each contact of those who said yes or maybe (or wait) gets a
        timer of the workshops flow that tells them. Returns how many carers are told."""
        wid = await self._id(by.setting_id, record.number)
        await self.conn.execute(
            "UPDATE workshops SET status = 'cancelled', reason = ?, cancelled_at = ? WHERE id = ?",
            (record.reason or None, iso(by.now), wid),
        )
        marks = ",".join("?" * len(GOING))
        rows = await fetch_all(
            self.conn,
            f"SELECT carer_id FROM workshop_guests WHERE workshop_id = ? AND answer IN ({marks})",
            (wid, *GOING),
        )
        links = SqliteLinks(self.conn)
        timers = SqliteReminders(self.conn)
        for row in rows:
            for contact in (await links.route(PersonKind.CARER, int(row[0]))).chosen(False):
                await timers.add(
                    contact.setting_id,
                    contact.channel,
                    contact.address,
                    FLOW,
                    record.due,
                    "cancelled",
                    {"number": record.number},
                )
        return len(rows)

    async def report(self, setting_id: int, number: int) -> dict[str, Any] | None:
        """Invited, delivered, each answer, no answer, and what would help, for the report."""
        wid = await self._maybe_id(setting_id, number)
        if wid is None:
            return None
        rows = await fetch_all(
            self.conn,
            "SELECT answer, help, COUNT(*) FROM workshop_guests WHERE workshop_id = ? "
            "GROUP BY answer, help",
            (wid,),
        )
        answers: dict[str, int] = {}
        helps: dict[str, int] = {}
        invited = 0
        for answer, help_key, count in rows:
            invited += count
            answers[answer or "none"] = answers.get(answer or "none", 0) + count
            if help_key:
                helps[help_key] = helps.get(help_key, 0) + count
        words = await fetch_all(
            self.conn,
            "SELECT help_words FROM workshop_guests WHERE workshop_id = ? AND help = 'other' "
            "AND help_words IS NOT NULL ORDER BY answered_at",
            (wid,),
        )
        return {
            "invited": invited,
            "delivered": await self._delivered(wid, number),
            "answers": answers,
            "helps": helps,
            "words": [str(w[0]) for w in words],
        }

    async def _delivered(self, wid: int, number: int) -> int:
        # The invite carries the answer buttons of this workshop: the guests an invite (on
        # any of their channels) reached the provider for.
        marks = ",".join("?" * len(SENT))
        row = await fetch_one(
            self.conn,
            "SELECT COUNT(DISTINCT r.reached_as) FROM outbox o JOIN carer_reach r "
            "ON r.carer_id = o.person_id JOIN workshop_guests g ON g.workshop_id = ? "
            "AND g.carer_id = r.reached_as WHERE o.person_kind = 'carer' "
            f"AND o.status IN ({marks}) AND o.choices LIKE ?",
            (wid, *SENT, f'%"key": "ws:yes:{number}"%'),
        )
        return int(row[0]) if row else 0

    async def _taken(self, wid: int) -> int:
        row = await fetch_one(
            self.conn,
            "SELECT COUNT(*) FROM workshop_guests WHERE workshop_id = ? AND answer = 'yes'",
            (wid,),
        )
        return int(row[0])

    async def _line(self, wid: int) -> list[int]:
        rows = await fetch_all(
            self.conn,
            "SELECT carer_id FROM workshop_guests WHERE workshop_id = ? AND answer = 'waiting' "
            "ORDER BY line, carer_id",
            (wid,),
        )
        return [int(r[0]) for r in rows]

    async def _maybe_id(self, setting_id: int | None, number: int) -> int | None:
        row = await fetch_one(
            self.conn,
            "SELECT id FROM workshops WHERE setting_id = ? AND number = ?",
            (setting_id, number),
        )
        return int(row[0]) if row is not None else None

    async def _id(self, setting_id: int | None, number: int) -> int:
        found = await self._maybe_id(setting_id, number)
        if found is None:
            raise LookupError(f"no workshop W-{number} in setting {setting_id}")
        return found


def _workshop(row: Any) -> Workshop:
    return Workshop(
        number=int(row["number"]),
        title=row["title"],
        starts_at=from_iso(row["starts_at"]),
        ends_at=from_iso_or_none(row["ends_at"]),
        place=row["place"],
        online=row["online"],
        capacity=row["capacity"],
        audience=row["audience"],
        status=row["status"],
        reason=row["reason"],
    )
