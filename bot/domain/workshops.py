"""Workshops: what one is, where a family stands with it, and the records its flow keeps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.setting import SettingProfile
from bot.domain.time import quiet_end

ANSWERS = ("yes", "no", "maybe")
WAITING = "waiting"  # said yes when every place was taken
HELPS = ("time", "online", "childcare", "interpreter", "other")  # what would help after a no
GOING = ("yes", "maybe", WAITING)  # who is told when a workshop is cancelled
ASK_AGAIN_DAYS = 3  # "maybe" is asked again this many days before

MAX_CAPACITY = 10_000  # more places than any setting has families: a typing slip
MAX_TITLE = 120  # characters: a title is a line, not the invite itself
_WEB = re.compile(r"^https?://\S+\.\S+$", re.IGNORECASE)

# A reference as typed: W-12 (also w12), alone or before a word ("W-12 yes").
_REF = re.compile(r"^\s*W-?(\d{1,7})\b[\s:,.\-]*(.*)$", re.IGNORECASE | re.DOTALL)


def reference(number: int) -> str:
    """The workshop's reference, as people read it out: W-12."""
    return f"W-{number}"


def parse_reference(text: str) -> tuple[int, str] | None:
    """(number, the words after it) when a text starts with a workshop reference."""
    found = _REF.match(text)
    if found is None:
        return None
    return int(found.group(1)), found.group(2).strip()


def is_web_address(text: str) -> bool:
    """Whether a text is a web address families can open (https://…)."""
    return _WEB.match(text.strip()) is not None


def invite_due(setting: SettingProfile, now: datetime) -> datetime:
    """When an invite (an ordinary message, not an essential one) may go: now, or when the
    families' quiet hours end."""
    local = now.astimezone(ZoneInfo(setting.time_zone))
    held = quiet_end(setting.quiet, local)
    return held if held is not None else now


@dataclass(frozen=True, slots=True)
class Workshop:
    """A workshop as kept: times are UTC-aware; `status` is added, invited or cancelled."""

    number: int
    title: str
    starts_at: datetime
    ends_at: datetime | None
    place: str
    online: str | None
    capacity: int | None
    audience: str
    status: str = "added"
    reason: str | None = None

    @property
    def reference(self) -> str:
        return reference(self.number)


@dataclass(frozen=True, slots=True)
class Standing:
    """Where one carer stands with a workshop: invited or not, their answer, and the places."""

    workshop: Workshop
    invited: bool
    answer: str | None  # yes, no, maybe, waiting, or None (no answer yet)
    taken: int  # places taken (said yes)
    next_waiting: int | None  # the carer first in line for a place, if anyone waits
    place_in_line: int | None = None  # this carer's place on the waiting list (1 = next)
    waiting: int = 0  # how many wait for a place

    @property
    def full(self) -> bool:
        capacity = self.workshop.capacity
        return capacity is not None and self.taken >= capacity


# Records the flow and the commands keep (Write, or the admin code directly).


@dataclass(frozen=True, slots=True)
class NewWorkshop:
    """A workshop to add; the repository gives it its number."""

    title: str
    starts_at: datetime
    ends_at: datetime | None
    place: str
    online: str | None
    capacity: int | None
    audience: str


@dataclass(frozen=True, slots=True)
class AddedWorkshop:
    """A workshop a manager added from a phone, under the number the preview's fact found
    free (taken meanwhile: the repository raises WorkshopConflict and the message is handled
    again, so the manager is told the reference it really has)."""

    number: int
    new: NewWorkshop
    invite_due: datetime | None = None  # invite its audience too, from then (as resolved now)


@dataclass(frozen=True, slots=True)
class Invitation:
    """Invite these carers: each of their chosen contacts gets the invite as a timer of the
    workshops flow due at `due` (now, or when the families' quiet hours end)."""

    number: int
    carer_ids: tuple[int, ...]
    due: datetime


@dataclass(frozen=True, slots=True)
class Answered:
    """A carer's answer (yes, no, maybe, or waiting when yes found every place taken)."""

    number: int
    carer_id: int
    answer: str


@dataclass(frozen=True, slots=True)
class GivenPlace:
    """A place came free and the first carer in line has it now."""

    number: int
    carer_id: int


@dataclass(frozen=True, slots=True)
class WouldHelp:
    """What would help a carer who cannot come (one of HELPS; `words` for "other")."""

    number: int
    carer_id: int
    what: str
    words: str = ""


@dataclass(frozen=True, slots=True)
class Cancellation:
    """A workshop called off: those who said yes or maybe (or wait) are told from `due`."""

    number: int
    reason: str
    due: datetime


class WorkshopConflict(Exception):
    """Two answers raced for the last place (or for a freed one): the router handles the
    messages again one by one, so each sees the places as they now are."""
