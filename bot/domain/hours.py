"""Hours in a setting's day: wall-clock time ranges on weekdays, and what waits for staff hours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOCK = r"([01]?\d|2[0-3]):([0-5]\d)"
RANGE = re.compile(rf"{CLOCK}\s*-\s*{CLOCK}", re.ASCII)
PASS_ON = ("at_once", "staff_hours")  # how what families send outside staff hours reaches staff


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A daily span of wall-clock time from `start` up to `end`, which may wrap past midnight."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError("a time range must end at a different time than it starts")

    @classmethod
    def parse(cls, text: str) -> TimeRange:
        """The range written as "HH:MM-HH:MM"; ValueError when it is not written that way."""
        match = RANGE.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"not HH:MM-HH:MM: {text!r}")
        hour, minute, end_hour, end_minute = map(int, match.groups())
        return cls(time(hour, minute), time(end_hour, end_minute))

    @property
    def wraps(self) -> bool:
        """Whether the range runs past midnight into the next day."""
        return self.end < self.start

    def contains(self, t: time) -> bool:
        """Whether the wall-clock time `t` falls in the range (start included, end excluded)."""
        clock = t.replace(tzinfo=None)
        if self.wraps:
            return clock >= self.start or clock < self.end
        return self.start <= clock < self.end


@dataclass(frozen=True, slots=True)
class Hours:
    """A daily time range on some weekdays (0 = Monday), such as opening or staff hours."""

    range: TimeRange
    days: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.days or any(day not in range(7) for day in self.days):
            raise ValueError("hours need at least one weekday, each from 0 (Monday) to 6")

    def is_open(self, local_dt: datetime) -> bool:
        """Whether the local wall-clock moment falls within these hours."""
        clock = local_dt.time()
        if not self.range.contains(clock):
            return False
        day = local_dt.weekday()
        if self.range.wraps and clock < self.range.end:
            day = (day - 1) % 7  # after midnight, the hours belong to the day they began
        return day in self.days

    def next_open(self, local_dt: datetime) -> datetime:
        """The first moment at or after `local_dt` within these hours, naive or aware alike."""
        if self.is_open(local_dt):
            return local_dt
        for ahead in range(8):
            day: date = local_dt.date() + timedelta(days=ahead)
            opens = datetime.combine(day, self.range.start, tzinfo=local_dt.tzinfo)
            if day.weekday() in self.days and opens >= local_dt:
                return opens
        raise AssertionError("unreachable: some opening day falls within a week")


@dataclass(frozen=True, slots=True)
class OutOfHours:
    """When what families send outside staff hours reaches staff phones, by kind of message:
    "at_once", or "staff_hours" (held until staff hours start)."""

    messages: str = "staff_hours"  # messages, replies and good news from home
    urgent: str = "at_once"  # concerns a family marks urgent

    def holds(self, kind: str = "messages") -> bool:
        """Whether messages of this kind wait for staff hours."""
        return bool(getattr(self, kind) == "staff_hours")
