"""Reviews of a child's plan: the review, each family's answers and views, and the timers a
review sets (the invitation, the views, reminders) made from the setting's local rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.reminders import ReminderRule, after_quiet
from bot.domain.setting import SettingProfile

LETTER = "P"  # references read out as P-1001 (a plan review)
FIRST_NUMBER = 1001
REF = re.compile(r"^\s*P-?(\d{1,7})\s*$", re.IGNORECASE)
QUESTIONS = ("going_well", "worries", "next")
INVITE_ANSWERS = ("come", "another_time", "interpreter", "bring")
SUMMARY_ANSWERS = ("agree", "add", "question")
DEFAULT_KIND = "review of a plan"
DEFAULT_PLACE = ""  # at the setting itself: said in each family's language
VIEWS_DUE_AT = time(9, 0)  # on the day before, the views go to staff whatever came back
VIEWS_SOON = timedelta(hours=1)
FLOW = "reviews"  # the flow that takes a review's timers

# Timer rules (what each timer does when it fires, in the reviews flow).
INVITE = "invite"
VIEWS = "views"
VIEWS_DUE = "views_due"
REMIND = "remind"
SUMMARY = "summary"
MOVED = "moved"
CANCELLED = "cancelled"


def ref(number: int) -> str:
    """A review's reference as people read it."""
    return f"{LETTER}-{number}"


def parse_ref(text: str) -> int | None:
    """The number in a typed reference ("P-1001", "p1001"), or None."""
    match = REF.match(text)
    return int(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class Review:
    """A review of a child's plan, as stored."""

    id: int
    setting_id: int
    number: int
    child_id: int
    child_name: str  # first name
    child_last_name: str
    key_person_id: int | None
    at: datetime  # UTC
    place: str
    kind: str
    with_staff: tuple[int, ...] = ()
    cancelled: bool = False
    interpreter: str | None = None
    views_sent_at: datetime | None = None
    summary: str | None = None
    summary_at: datetime | None = None

    @property
    def ref(self) -> str:
        """P-1001."""
        return ref(self.number)

    @property
    def subject(self) -> str:
        """What its reminders are about: cancelled together when it moves."""
        return f"review:{self.id}"

    @property
    def about(self) -> str:
        """The child and review as `keyperson reminders` shows them."""
        return f"{self.child_name} {self.child_last_name}, review {self.ref}"


@dataclass(frozen=True, slots=True)
class FamilyStatus:
    """One invited carer's part in a review: their answer, views and reply to the summary."""

    carer_id: int
    answer: str | None = None
    answer_words: str | None = None
    answered_at: datetime | None = None
    views: tuple[tuple[str, str | None], ...] = ()  # (question, answer or None if skipped)
    views_done_at: datetime | None = None
    summary_answer: str | None = None
    summary_words: str | None = None
    summary_at: datetime | None = None

    def next_question(self) -> str | None:
        """The first question not yet answered or skipped, or None when all are."""
        asked = {q for q, _ in self.views}
        return next((q for q in QUESTIONS if q not in asked), None)


@dataclass(frozen=True, slots=True)
class Address:
    """Where a person is reached for a review's timers: their chosen channel."""

    kind: str  # "carer" or "staff"
    person_id: int
    channel: str
    address: str


@dataclass(frozen=True, slots=True)
class PlannedTimer:
    """A timer a review sets: for whom, when, under which rule, and the rule as people read it."""

    to: Address
    due: datetime
    rule: str
    described: str
    payload: dict[str, Any]


def plan(
    review: Review,
    families: list[Address],
    staff: list[Address],
    profile: SettingProfile,
    now: datetime,
    *,
    invite: bool = True,
) -> list[PlannedTimer]:
    """The timers of a review from now on: the invitation (at once, after quiet hours), the
    family's views, their handing to staff at 09:00 the day before, and the reminders at
    `review_days_before` to families and staff; none that would fall before now."""
    zone, quiet = profile.time_zone, profile.quiet
    base = {"review": review.id, "at": review.at.isoformat()}
    timers: list[PlannedTimer] = []

    def add(to: Address, due: datetime, rule: str, described: str, **extra: Any) -> None:
        if due >= now and due < review.at:
            timers.append(PlannedTimer(to, due, rule, described, {**base, **extra}))

    at_once = after_quiet(now, quiet, ZoneInfo(zone))
    views = ReminderRule(profile.views_days_before, profile.reminder_time, zone)
    ask_views, described = views.due(review.at, quiet), views.describe()
    if ask_views < now:
        # A review sooner than the views' rule: asked an hour after the invitation.
        ask_views, described = at_once + VIEWS_SOON, "1 hour after the invitation"
    hand_over = ReminderRule(1, VIEWS_DUE_AT, zone)
    for family in families:
        if invite:
            add(family, at_once, INVITE, "at once (after quiet hours)")
        add(family, ask_views, VIEWS, described)
        add(family, hand_over.due(review.at), VIEWS_DUE, hand_over.describe())
    for days in profile.review_reminder_days:
        rule = ReminderRule(days, profile.reminder_time, zone)
        for person in (*families, *staff):
            add(person, rule.due(review.at, quiet), REMIND, rule.describe(), days=days)
    return timers


def notices(
    review: Review, families: list[Address], rule: str, profile: SettingProfile, now: datetime
) -> list[PlannedTimer]:
    """One timer per family, due now (after quiet hours), for a notice: moved, cancelled or
    the summary."""
    due = after_quiet(now, profile.quiet, ZoneInfo(profile.time_zone))
    payload = {"review": review.id, "at": review.at.isoformat()}
    return [PlannedTimer(f, due, rule, "at once (after quiet hours)", payload) for f in families]


def late_enough(review_at: datetime, now: datetime) -> bool:
    """Whether a review can still be planned: it is in the future."""
    return review_at > now + timedelta(minutes=1)


# Records the reviews flow keeps (Write), each for the carer who wrote, by the reviews repository.


@dataclass(frozen=True, slots=True)
class InviteAnswer:
    """A carer's answer to the invitation, with their words (times that suit, whom they
    bring) and, for an interpreter, the language."""

    review_id: int
    answer: str
    words: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class ViewAnswer:
    """A carer's answer to one of the three questions (None: skipped), or a photo."""

    review_id: int
    question: str
    answer: str | None
    photo: str | None = None


@dataclass(frozen=True, slots=True)
class ViewsHanded:
    """The family's views went to the key person and SENCo (all answered, or the day before)."""

    review_id: int


@dataclass(frozen=True, slots=True)
class SummaryReply:
    """A carer's reply to the summary: agree, add (their words) or a question (their words)."""

    review_id: int
    answer: str
    words: str | None = None


PLAN = "plan"  # the timer that sets a review's timers, when staff schedule it from a phone
_DAY_FIRST = re.compile(
    r"^\s*(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?\s*,?\s*(?:at\s+)?(\d{1,2})[:.](\d{2})\s*$"
)
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2})[:.](\d{2})\s*$")


def parse_when(text: str, local_now: datetime) -> datetime | None:
    """A review's local date and time as staff type it: 29/3 10:00, 29/03/2027 10:00 or
    2027-03-29 10:00 (UK order: day first; without a year, the next such date). Naive; None
    when it is no date and time."""
    iso = _ISO.match(text)
    if iso:
        year, month, day, hour, minute = map(int, iso.groups())
    else:
        match = _DAY_FIRST.match(text)
        if match is None:
            return None
        day, month = int(match.group(1)), int(match.group(2))
        year = int(match.group(3)) if match.group(3) else local_now.year
        year += 2000 if year < 100 else 0
        hour, minute = int(match.group(4)), int(match.group(5))
    try:
        moment = datetime(year, month, day, hour, minute)
    except ValueError:
        return None
    if not (iso or (match and match.group(3))) and moment < local_now.replace(tzinfo=None):
        moment = moment.replace(year=moment.year + 1)  # "29/3" in April means next March
    return moment


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    """A review a member of staff scheduled from their phone (the reviews repository keeps
    it; a timer then invites the family)."""

    child_id: int
    at: datetime
    place: str
    kind: str = DEFAULT_KIND


@dataclass(frozen=True, slots=True)
class Invited:
    """The carers a review's invitation goes to."""

    review_id: int
    carer_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ChildOnFile:
    """A child staff may schedule a review for."""

    id: int
    ref: str
    first_name: str
    last_name: str
    key_person_id: int | None
