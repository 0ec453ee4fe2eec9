"""SQLite repository for reviews of a child's plan: the review, the families invited, their
answers, views and replies to the summary."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from bot.domain.people import PersonKind
from bot.domain.reviews import (
    FIRST_NUMBER,
    Address,
    ChildOnFile,
    FamilyStatus,
    InviteAnswer,
    Invited,
    Review,
    ReviewRequest,
    SummaryReply,
    ViewAnswer,
    ViewsHanded,
)
from bot.storage.rows import Writer
from bot.storage.sqlite.links import SqliteLinks
from bot.storage.sqlite.sql import fetch_all, fetch_one, from_iso, iso

_SELECT = (
    "SELECT r.*, c.first_name, c.last_name, kp.id AS key_person_id FROM reviews r "
    "JOIN children c ON c.id = r.child_id "
    "LEFT JOIN staff kp ON kp.setting_id = c.setting_id AND kp.ref = c.key_person_ref "
)


def _when(value: str | None) -> datetime | None:
    return from_iso(value) if value else None


def _review(row: aiosqlite.Row) -> Review:
    return Review(
        id=row["id"],
        setting_id=row["setting_id"],
        number=row["number"],
        child_id=row["child_id"],
        child_name=row["first_name"],
        child_last_name=row["last_name"],
        key_person_id=row["key_person_id"],
        at=from_iso(row["at"]),
        place=row["place"],
        kind=row["kind"],
        with_staff=tuple(json.loads(row["with_staff"])),
        cancelled=row["cancelled_at"] is not None,
        interpreter=row["interpreter"],
        views_sent_at=_when(row["views_sent_at"]),
        summary=row["summary"],
        summary_at=_when(row["summary_at"]),
    )


class SqliteReviews:
    """Reviews and each invited family's part in them."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def add(
        self,
        setting_id: int,
        child_id: int,
        at: datetime,
        place: str,
        kind: str,
        with_staff: Sequence[int],
        created_by: str,
        now: datetime,
    ) -> Review:
        """Keep a new review with the setting's next reference number."""
        row = await fetch_one(
            self.conn,
            "INSERT INTO reviews (setting_id, number, child_id, at, place, kind, with_staff, "
            "created_by, created_at) SELECT ?, COALESCE(MAX(number) + 1, ?), ?, ?, ?, ?, ?, ?, ? "
            "FROM reviews WHERE setting_id = ? RETURNING id",
            (
                setting_id,
                FIRST_NUMBER,
                child_id,
                iso(at),
                place,
                kind,
                json.dumps(list(with_staff)),
                created_by,
                iso(now),
                setting_id,
            ),
        )
        review = await self.get(int(row[0]))
        assert review is not None
        return review

    async def get(self, review_id: int) -> Review | None:
        """A review by its id."""
        row = await fetch_one(self.conn, _SELECT + "WHERE r.id = ?", (review_id,))
        return _review(row) if row else None

    async def find(self, setting_id: int, number: int) -> Review | None:
        """A review by its reference number in a setting."""
        row = await fetch_one(
            self.conn, _SELECT + "WHERE r.setting_id = ? AND r.number = ?", (setting_id, number)
        )
        return _review(row) if row else None

    async def listed(self, setting_id: int, child_id: int | None = None) -> list[Review]:
        """A setting's reviews (of one child, if given), soonest first."""
        rows = await fetch_all(
            self.conn,
            _SELECT + "WHERE r.setting_id = ? AND (? IS NULL OR r.child_id = ?) ORDER BY r.at",
            (setting_id, child_id, child_id),
        )
        return [_review(r) for r in rows]

    async def invite(self, review_id: int, carer_ids: Sequence[int]) -> None:
        """Record the carers invited."""
        await self.conn.executemany(
            "INSERT OR IGNORE INTO review_families (review_id, carer_id) VALUES (?, ?)",
            [(review_id, c) for c in carer_ids],
        )

    async def families(self, review_id: int) -> list[FamilyStatus]:
        """Every invited carer's part, in the order they were invited."""
        rows = await fetch_all(
            self.conn,
            "SELECT carer_id FROM review_families WHERE review_id = ? ORDER BY rowid",
            (review_id,),
        )
        found = [await self.family(review_id, int(r[0])) for r in rows]
        return [f for f in found if f is not None]

    async def family(self, review_id: int, carer_id: int) -> FamilyStatus | None:
        """One invited carer's part, with their views so far."""
        row = await fetch_one(
            self.conn,
            "SELECT * FROM review_families WHERE review_id = ? AND carer_id = ?",
            (review_id, carer_id),
        )
        if row is None:
            return None
        views = await fetch_all(
            self.conn,
            "SELECT question, COALESCE(answer, CASE WHEN photo IS NOT NULL THEN '(a photo)' END) "
            "FROM review_views WHERE review_id = ? AND carer_id = ? ORDER BY at, rowid",
            (review_id, carer_id),
        )
        return FamilyStatus(
            carer_id=carer_id,
            answer=row["answer"],
            answer_words=row["answer_words"],
            answered_at=_when(row["answered_at"]),
            views=tuple((str(v[0]), v[1]) for v in views),
            views_done_at=_when(row["views_done_at"]),
            summary_answer=row["summary_answer"],
            summary_words=row["summary_words"],
            summary_at=_when(row["summary_at"]),
        )

    async def awaiting_views(self, carer_id: int, now: datetime) -> Review | None:
        """The soonest review still to come whose views this carer has not finished."""
        row = await fetch_one(
            self.conn,
            _SELECT + "JOIN review_families f ON f.review_id = r.id "
            "WHERE f.carer_id = ? AND f.views_done_at IS NULL AND r.cancelled_at IS NULL "
            "AND r.at > ? ORDER BY r.at LIMIT 1",
            (carer_id, iso(now)),
        )
        return _review(row) if row else None

    async def people(self, child_id: int) -> tuple[list[int], list[int]]:
        """Who a child's review is for: the carers who receive information about the child
        (not those who left), and the SENCos of the child's setting."""
        carers = await fetch_all(
            self.conn,
            "SELECT cc.carer_id FROM child_carers cc JOIN carers ca ON ca.id = cc.carer_id "
            "WHERE cc.child_id = ? AND cc.receives_information = 1 AND cc.left_at IS NULL "
            "AND ca.left_at IS NULL ORDER BY cc.carer_id",
            (child_id,),
        )
        sencos = await fetch_all(
            self.conn,
            "SELECT s.id FROM staff s JOIN children c ON c.setting_id = s.setting_id "
            "WHERE c.id = ? AND ';' || s.roles || ';' LIKE '%;senco;%' ORDER BY s.id",
            (child_id,),
        )
        return [int(r[0]) for r in carers], [int(r[0]) for r in sencos]

    async def helpers(self, setting_id: int, language: str) -> dict[str, tuple[int, ...]]:
        """Who a family's answers reach, by role: SENCos, managers, and the translators who
        speak the family's language."""
        rows = await fetch_all(
            self.conn,
            "SELECT id, roles, languages FROM staff WHERE setting_id = ? ORDER BY id",
            (setting_id,),
        )
        found: dict[str, list[int]] = {"senco": [], "manager": [], "translator": []}
        for staff_id, roles, languages in rows:
            held = set(str(roles).split(";"))
            for role in ("senco", "manager"):
                if role in held:
                    found[role].append(int(staff_id))
            if "translator" in held and language in str(languages or "").split(";"):
                found["translator"].append(int(staff_id))
        return {role: tuple(ids) for role, ids in found.items()}

    async def child_by_ref(self, setting_id: int, ref: str) -> int | None:
        """A child's id by their ref, unless they have left."""
        row = await fetch_one(
            self.conn,
            "SELECT id FROM children WHERE setting_id = ? AND ref = ? AND left_at IS NULL",
            (setting_id, ref),
        )
        return int(row[0]) if row else None

    async def children(self, setting_id: int) -> list[ChildOnFile]:
        """The children of a setting on file, with their key person, by first name."""
        rows = await fetch_all(
            self.conn,
            "SELECT c.id, c.ref, c.first_name, c.last_name, s.id FROM children c "
            "LEFT JOIN staff s ON s.setting_id = c.setting_id AND s.ref = c.key_person_ref "
            "WHERE c.setting_id = ? AND c.left_at IS NULL ORDER BY c.first_name, c.last_name",
            (setting_id,),
        )
        return [ChildOnFile(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows]

    async def find_at(self, child_id: int, at: datetime) -> Review | None:
        """The review of a child at a time (the newest, if there were several)."""
        row = await fetch_one(
            self.conn,
            _SELECT + "WHERE r.child_id = ? AND r.at = ? ORDER BY r.id DESC LIMIT 1",
            (child_id, iso(at)),
        )
        return _review(row) if row else None

    async def addresses(self, review_id: int) -> tuple[list[Address], list[Address]]:
        """Where a review's families (told about the child) and staff (key person, SENCos,
        others invited) are reached: each one's chosen channel."""
        review = await self.get(review_id)
        if review is None:
            return [], []
        carers, sencos = await self.people(review.child_id)
        key = [review.key_person_id] if review.key_person_id else []
        links = SqliteLinks(self.conn)

        async def reach(kind: PersonKind, ids: list[int]) -> list[Address]:
            found = []
            for person in dict.fromkeys(ids):
                contacts = (await links.route(kind, person)).chosen(True)
                if contacts:
                    found.append(
                        Address(kind.value, person, contacts[0].channel, contacts[0].address)
                    )
            return found

        staff = [*key, *sencos, *review.with_staff]
        return await reach(PersonKind.CARER, carers), await reach(PersonKind.STAFF, staff)

    async def request(self, record: ReviewRequest, by: Writer) -> None:
        """Keep a review a member of staff scheduled from their phone."""
        assert by.setting_id is not None
        await self.add(
            by.setting_id, record.child_id, record.at, record.place, record.kind, (), by.actor,
            by.now,
        )  # fmt: skip

    async def invited(self, record: Invited, by: Writer) -> None:
        """Record the carers a review's invitation goes to."""
        await self.invite(record.review_id, record.carer_ids)

    async def move(self, review_id: int, at: datetime, now: datetime) -> None:
        """Give a review a new time; families' answers to the old time no longer stand."""
        await self.conn.execute(
            "UPDATE reviews SET at = ?, moved_at = ? WHERE id = ?", (iso(at), iso(now), review_id)
        )
        await self.conn.execute(
            "UPDATE review_families SET answer = NULL, answer_words = NULL, answered_at = NULL "
            "WHERE review_id = ?",
            (review_id,),
        )

    async def cancel(self, review_id: int, now: datetime) -> None:
        """Cancel a review."""
        await self.conn.execute(
            "UPDATE reviews SET cancelled_at = ? WHERE id = ?", (iso(now), review_id)
        )

    async def set_summary(self, review_id: int, text: str, now: datetime) -> None:
        """Keep the plain summary sent to the family after the review."""
        await self.conn.execute(
            "UPDATE reviews SET summary = ?, summary_at = ? WHERE id = ?",
            (text, iso(now), review_id),
        )

    async def answer(self, record: InviteAnswer, by: Writer) -> None:
        """A carer answered the invitation (an interpreter's language is shown on the review)."""
        await self.conn.execute(
            "UPDATE review_families SET answer = ?, answer_words = ?, answered_at = ? "
            "WHERE review_id = ? AND carer_id = ?",
            (record.answer, record.words, iso(by.now), record.review_id, by.person_id),
        )
        if record.language:
            await self.conn.execute(
                "UPDATE reviews SET interpreter = ? WHERE id = ?",
                (record.language, record.review_id),
            )

    async def view(self, record: ViewAnswer, by: Writer) -> None:
        """A carer answered (or skipped) one question; answering again replaces it."""
        await self.conn.execute(
            "INSERT INTO review_views (review_id, carer_id, question, answer, photo, at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (review_id, carer_id, question) DO UPDATE "
            "SET answer = excluded.answer, photo = excluded.photo, at = excluded.at",
            (
                record.review_id,
                by.person_id,
                record.question,
                record.answer,
                record.photo,
                iso(by.now),
            ),
        )

    async def views_handed(self, record: ViewsHanded, by: Writer) -> None:
        """The carer's views went to staff (finished, or the day before the review)."""
        await self.conn.execute(
            "UPDATE review_families SET views_done_at = COALESCE(views_done_at, ?) "
            "WHERE review_id = ? AND carer_id = ?",
            (iso(by.now), record.review_id, by.person_id),
        )
        await self.conn.execute(
            "UPDATE reviews SET views_sent_at = COALESCE(views_sent_at, ?) WHERE id = ?",
            (iso(by.now), record.review_id),
        )

    async def summary_reply(self, record: SummaryReply, by: Writer) -> None:
        """A carer agreed with the summary, added to it, or asked a question."""
        await self.conn.execute(
            "UPDATE review_families SET summary_answer = ?, summary_words = ?, summary_at = ? "
            "WHERE review_id = ? AND carer_id = ?",
            (record.answer, record.words, iso(by.now), record.review_id, by.person_id),
        )
