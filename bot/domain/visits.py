"""A visit as flows, commands and reports see it (kept by the visits repository)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

FIRST_VISIT_NUMBER = 1  # references are V-<number>: V-1, V-2, …
ANSWERS = ("fine", "questions", "be_there", "call", "another_time")
STATES = ("planned", "confirmed", "change_asked", "cancelled")


def visit_reference(number: int) -> str:
    """A reference people can read over the phone: V-12."""
    return f"V-{number}"


@dataclass(frozen=True, slots=True)
class NewVisit:
    """A visit to keep: who is coming, when (UTC), why and where; `recorded_by` is the member of
    staff who recorded it (None from the command line)."""

    number: int
    child_id: int
    who: str
    name: str
    at: datetime
    why: str
    place: str
    home: bool
    recorded_by: int | None = None


@dataclass(frozen=True, slots=True)
class FamilyMember:
    """A carer a visit's notices go to (receives_information = yes, not left)."""

    carer_id: int
    name: str  # "Laura Hughes (mum)"
    language: str


@dataclass(frozen=True, slots=True)
class VisitAnswer:
    """One carer's answer to a visit notice, as theirs."""

    carer_id: int
    carer: str  # "Laura Hughes (mum)"
    answer: str
    words: str
    channel: str
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class VisitInfo:
    """One visit with the names to show, the family it is told to, and the answers so far."""

    id: int
    setting_id: int
    number: int
    child_id: int
    child: str  # first name
    child_full: str  # "First Last", for lists
    child_ref: str
    send: bool  # the child has SEND (send_status other than none): the SENCo hears answers
    key_person_id: int | None
    key_person: str | None
    who: str
    name: str
    at: datetime  # UTC
    why: str
    place: str
    home: bool
    state: str
    recorded_by: int | None
    recorded_at: datetime
    cancel_reason: str | None
    family: tuple[FamilyMember, ...] = ()
    answers: tuple[VisitAnswer, ...] = ()

    @property
    def reference(self) -> str:
        return visit_reference(self.number)

    def latest_answers(self) -> dict[int, VisitAnswer]:
        """Each carer's last answer, by carer id."""
        latest: dict[int, VisitAnswer] = {}
        for answer in self.answers:
            latest[answer.carer_id] = answer
        return latest


@dataclass(frozen=True, slots=True)
class VisitChild:
    """A child a visit can be recorded for, found by ref, with the family it would be told to."""

    id: int
    ref: str
    first_name: str
    family: tuple[FamilyMember, ...] = ()


class VisitTimeError(ValueError):
    """A visit's time that cannot be used: `kind` is unreadable, past or no_such_time."""

    def __init__(self, kind: str, text: str) -> None:
        super().__init__(f"{kind}: {text}")
        self.kind = kind
        self.text = text


_DATES = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d-%m-%Y")
_SHORT_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})$")


def read_visit_time(text: str, zone: str, now: datetime) -> datetime:
    """A visit's time as staff write it ("2026-12-03 10:00", "3/12 10am", "03/12/2026 14.30"),
    in the setting's time zone, as UTC. A day without a year is the next one to come; a clock
    time from 1 to 6 without am/pm is the afternoon, from 7 to 11 the morning. Raises
    VisitTimeError for words that are no time, a time past, or a time that does not exist
    (the hour skipped when the clocks go forward)."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    from bot.language.times import read_time

    place = ZoneInfo(zone)
    parts = text.strip().split(None, 1)
    if len(parts) != 2:
        raise VisitTimeError("unreadable", text)
    local_now = now.astimezone(place)
    day = _read_day(parts[0], local_now.date())
    clock = read_time(parts[1])
    if day is None or clock is None or clock.impossible:
        raise VisitTimeError("unreadable", text)
    if clock.at is not None:
        at = clock.at
    else:
        assert clock.either is not None
        morning, afternoon = clock.either
        at = afternoon if morning.hour < 7 else morning
    naive = datetime.combine(day, at)
    moment = naive.replace(tzinfo=place)
    # A time in the hour the clocks skip comes back as another time: it does not exist.
    if moment.astimezone(UTC).astimezone(place).replace(tzinfo=None) != naive:
        raise VisitTimeError("no_such_time", text)
    if moment <= now:
        raise VisitTimeError("past", text)
    return moment.astimezone(UTC)


def _read_day(text: str, today: date) -> date | None:
    for pattern in _DATES:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    short = _SHORT_DATE.match(text)
    if short is None:
        return None
    for year in (today.year, today.year + 1):
        try:
            day = date(year, int(short.group(2)), int(short.group(1)))
        except ValueError:
            continue  # 29/2 in a year without it: the next year may have it
        if day >= today:
            return day
    return None
