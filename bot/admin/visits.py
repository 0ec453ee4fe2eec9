"""Visits from the command line: record, move and cancel one (each sends its notice through the
visits flow's announce timer, so the family's words come from one place), and the list.

Bad input (an unknown child or visit, a time past or one that does not exist, an empty why)
raises VisitProblem with one line to show, and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.errors import KeypersonError
from bot.domain.people import PersonKind
from bot.domain.setting import SettingProfile
from bot.domain.visits import (
    NewVisit,
    VisitInfo,
    VisitTimeError,
    read_visit_time,
    visit_reference,
)
from bot.storage.repos import Repos, Store
from bot.storage.rows import Writer

FLOW = "visits"  # the flow whose timer sends the notice (bot.flows.visits.NAME)
ANNOUNCE = "announce"
ACTOR = "cli"
ANSWERS = {
    "fine": "That's fine",
    "questions": "I have questions",
    "be_there": "I'd like to be there",
    "call": "Please call me",
    "another_time": "Another time, please",
}
STATES = {
    "planned": "planned",
    "confirmed": "confirmed by the family",
    "change_asked": "the family asked for another time",
    "cancelled": "cancelled",
}


class VisitProblem(KeypersonError):
    """Input a visit cannot be kept with; the message says what is wrong in one line."""


@dataclass(frozen=True, slots=True)
class Request:
    """A visit as typed on the command line."""

    child: str
    who: str
    at: str
    why: str
    name: str = ""
    where: str = ""
    home: bool = False


def visit_time(text: str, profile: SettingProfile, now: datetime) -> datetime:
    """The typed local time as UTC, or a VisitProblem saying why it cannot be used."""
    try:
        return read_visit_time(text, profile.time_zone, now)
    except VisitTimeError as error:
        if error.kind == "past":
            raise VisitProblem(f"--at {text!r} has already passed") from None
        if error.kind == "no_such_time":
            raise VisitProblem(
                f"--at {text!r} does not exist in {profile.time_zone}: the clocks go forward "
                "that night; choose another time"
            ) from None
        raise VisitProblem(
            f"--at {text!r} is not a day and time; write it like 2026-12-03 10:00"
        ) from None


async def add_visit(
    db: Store, setting_id: int, profile: SettingProfile, request: Request, now: datetime
) -> VisitInfo:
    """Keep a visit and queue its notice to the family; returns the visit as kept."""
    who, why = request.who.strip(), request.why.strip()
    if not who:
        raise VisitProblem("--who is empty: say who is coming, e.g. 'health visitor'")
    if not why:
        raise VisitProblem("--why is empty: say why they are coming, as the family will read it")
    at = visit_time(request.at, profile, now)
    async with db.transaction() as repos:
        child = await repos.visits.child(setting_id, request.child)
        if child is None:
            raise VisitProblem(f"--child {request.child!r}: no child on file has this ref")
        number = await repos.visits.reserve_number(setting_id)
        place = "" if request.home else request.where.strip()
        record = NewVisit(number, child.id, who, request.name.strip(), at, why, place, request.home)
        await repos.visits.add(record, Writer(setting_id, ACTOR, None, None, now))
        info = await repos.visits.by_number(setting_id, number)
        assert info is not None
        await _announce(repos, info, "notice", now)
        await repos.audit.record(
            setting_id, ACTOR, "visit.recorded", f"visit:{info.reference}", {"child": child.id}, now
        )
    return info


async def move_visit(
    db: Store, setting_id: int, profile: SettingProfile, reference: str, at_text: str, now: datetime
) -> VisitInfo:
    """A new time for a visit; the family is told (and reminded the day before the new one)."""
    at = visit_time(at_text, profile, now)
    async with db.transaction() as repos:
        info = await _open_visit(repos, setting_id, reference)
        await repos.visits.move(setting_id, info.number, at, now)
        moved = await repos.visits.by_number(setting_id, info.number)
        assert moved is not None
        await _announce(repos, moved, "moved", now)
        subject = f"visit:{info.reference}"
        await repos.audit.record(setting_id, ACTOR, "visit.moved", subject, {}, now)
    return moved


async def cancel_visit(
    db: Store, setting_id: int, reference: str, reason: str, now: datetime
) -> VisitInfo:
    """Cancel a visit; the family is told, and its reminder is not sent."""
    async with db.transaction() as repos:
        info = await _open_visit(repos, setting_id, reference)
        await repos.visits.cancel(setting_id, info.number, reason.strip(), now)
        cancelled = await repos.visits.by_number(setting_id, info.number)
        assert cancelled is not None
        await _announce(repos, cancelled, "cancelled", now)
        await repos.audit.record(
            setting_id, ACTOR, "visit.cancelled", f"visit:{info.reference}", {}, now
        )
    return cancelled


def reference_number(reference: str) -> int:
    """The number of a reference as typed: V-12, v12 or 12."""
    text = reference.strip().upper().removeprefix("V").removeprefix("-")
    if not text.isdecimal():
        raise VisitProblem(f"{reference!r} is not a visit reference like V-12")
    return int(text)


async def _open_visit(repos: Repos, setting_id: int, reference: str) -> VisitInfo:
    info = await repos.visits.by_number(setting_id, reference_number(reference))
    if info is None:
        raise VisitProblem(f"{reference}: no visit has this reference")
    if info.state == "cancelled":
        raise VisitProblem(f"{info.reference} is already cancelled")
    return info


async def _announce(repos: Repos, info: VisitInfo, kind: str, now: datetime) -> None:
    """A timer, due now, that the visits flow takes to send the notice: it is addressed to the
    key person (else a manager, else a carer told about it), whose setting it runs in."""
    candidates = [info.key_person_id] if info.key_person_id else []
    candidates += await repos.people.staff_with_role(info.setting_id, "manager")
    for staff_id in candidates:
        contacts = (await repos.links.route(PersonKind.STAFF, staff_id)).contacts
        if contacts:
            channel, address = contacts[0].channel, contacts[0].address
            break
    else:
        found = None
        for member in info.family:
            route = await repos.links.route(PersonKind.CARER, member.carer_id)
            found = found or next(iter(route.contacts), None)
        if found is None:
            raise VisitProblem(
                f"nobody in {info.child}'s family nor any member of staff can be reached, so "
                "no notice can go; add a phone number first"
            )
        channel, address = found.channel, found.address
    payload = {"number": info.number, "kind": kind}
    await repos.reminders.add(info.setting_id, channel, address, FLOW, now, ANNOUNCE, payload)


def visit_lines(visits: list[VisitInfo], profile: SettingProfile) -> list[str]:
    """The list: one block per visit, soonest first, with each carer's last answer."""
    if not visits:
        return ["no visits"]
    zone = ZoneInfo(profile.time_zone)
    lines = []
    for v in visits:
        who = f"{v.who}, {v.name}" if v.name else v.who
        where = "at home" if v.home else (v.place or f"at {profile.name}")
        when = f"{v.at.astimezone(zone):%a %Y-%m-%d %H:%M}"
        lines.append(
            f"{v.reference}  {when}  {v.child_full} ({v.child_ref})  {who}  {where}  "
            f"{STATES.get(v.state, v.state)}"
        )
        lines.append(f"    why: {v.why}")
        if v.state == "cancelled" and v.cancel_reason:
            lines.append(f"    cancelled: {v.cancel_reason}")
        latest = v.latest_answers()
        for member in v.family:
            answer = latest.get(member.carer_id)
            if answer is None:
                lines.append(f"    {member.name}: no answer yet")
                continue
            said = f' "{answer.words}"' if answer.words else ""
            at = f"{answer.answered_at.astimezone(zone):%Y-%m-%d %H:%M}"
            lines.append(
                f"    {member.name}: {ANSWERS.get(answer.answer, answer.answer)}{said} "
                f"({answer.channel}, {at})"
            )
        if not v.family:
            lines.append("    no carer on file may be told about this child")
    return lines


__all__ = ["Request", "VisitProblem", "add_visit", "cancel_visit", "move_visit", "visit_lines"]
__all__ += ["visit_reference"]
