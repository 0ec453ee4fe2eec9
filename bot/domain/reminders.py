"""Reminders: a local wall-clock rule ("1 day before at 10:00 Europe/London") made into one
due instant in UTC, and what to do with one found due late.

Daylight saving: the local time holds across a change; a time the clocks skip (01:30 on the
morning they go forward) moves to the next valid time (02:00 BST); a time that happens twice
(01:30 on the morning they go back) is its first happening, and being one row it fires once.
Quiet hours: a reminder that would fall in them goes when they end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.hours import TimeRange

DEFAULT_LATE_GRACE = timedelta(hours=12)
_SKIP_LIMIT = timedelta(hours=3)  # no zone skips more than this in one change


def wall_clock(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """`clock` on local `day` in `zone` as an aware moment: a skipped time moves forward to the
    first valid one, a repeated time is its first happening."""
    naive = datetime.combine(day, clock)
    moment = naive
    while moment - naive <= _SKIP_LIMIT:
        aware = moment.replace(tzinfo=zone, fold=0)
        # A time that does not exist comes back from UTC as another wall-clock time.
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == moment:
            return aware
        moment += timedelta(minutes=1)
    raise ValueError(f"no valid local time near {naive} in {zone.key}")


def after_quiet(moment: datetime, quiet: TimeRange, zone: ZoneInfo) -> datetime:
    """The moment itself, or the end of the quiet hours it falls in (local time held)."""
    local = moment.astimezone(zone)
    if not quiet.contains(local.time()):
        return moment
    day = local.date()
    if quiet.wraps and local.time() >= quiet.start:
        day += timedelta(days=1)  # quiet that began this evening ends tomorrow morning
    return wall_clock(day, quiet.end, zone)


@dataclass(frozen=True, slots=True)
class ReminderRule:
    """`days_before` an event, at the local clock time `at` in the zone named `zone`."""

    days_before: int
    at: time
    zone: str

    def __post_init__(self) -> None:
        if self.days_before < 0:
            raise ValueError("a reminder comes before its event, not after")
        ZoneInfo(self.zone)  # fails now for a zone that does not exist

    def describe(self) -> str:
        """The rule as people read it and as the row keeps it."""
        days = "1 day" if self.days_before == 1 else f"{self.days_before} days"
        return f"{days} before at {self.at:%H:%M} {self.zone}"

    def due(self, event_at: datetime, quiet: TimeRange | None = None) -> datetime:
        """The instant (UTC) this rule gives for an event at `event_at` (aware)."""
        zone = ZoneInfo(self.zone)
        day = event_at.astimezone(zone).date() - timedelta(days=self.days_before)
        moment = wall_clock(day, self.at, zone)
        if quiet is not None:
            moment = after_quiet(moment, quiet, zone)
        return moment.astimezone(UTC)


class Fate(StrEnum):
    """What becomes of a reminder found due: sent now, or recorded as missed."""

    SEND = "send"
    MISSED = "missed"


def fate(
    due: datetime,
    now: datetime,
    event_at: datetime | None,
    grace: timedelta = DEFAULT_LATE_GRACE,
) -> Fate:
    """A reminder found due at `now` is still useful before its event and within `grace` of its
    time; after a long downtime the others are missed, never sent late in a burst."""
    if event_at is not None and now >= event_at:
        return Fate.MISSED
    if now - due > grace:
        return Fate.MISSED
    return Fate.SEND


def local_stamp(moment: datetime, zone: str) -> str:
    """`2027-03-28 10:00 +01:00`: a moment in the setting's time zone with its UTC offset."""
    local = moment.astimezone(ZoneInfo(zone))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"
