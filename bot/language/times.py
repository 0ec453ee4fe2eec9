"""Times of day as people write them: 18:00, 18.00, 1800, 18h30, 6pm, 6.30pm, 6:30 p.m., noon.

A time with no am/pm and an hour from 1 to 11 written without a leading zero ("6", "6:30") could
be morning or evening: it is read as both, for the person to choose. Something that looks like a
time but is not one ("25:00", "13pm") is told apart from words that are no time at all ("later").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import time

_WORDS = {"noon": time(12), "midday": time(12), "midnight": time(0), "południe": time(12)}
_LEAD = re.compile(r"^(?:at|around|about|o|około|godz\.?|godzina|godzinie)\s+")
_AM_PM = re.compile(r"\s*([ap])\.?\s*m\.?$")
_CLOCK = re.compile(r"^(\d{1,2})(?:\s*(?:[:.h]|\s)\s*(\d{1,2})|(\d{2}))?\s*(?:h|hrs?|godz\.?)?$")


@dataclass(frozen=True, slots=True)
class TimeAnswer:
    """What a typed time means: one time, a morning-or-evening pair, or no time on a clock."""

    at: time | None = None
    either: tuple[time, time] | None = None  # the same clock time in the morning and evening
    impossible: bool = False  # written like a time, but there is no such time


def read_time(text: str) -> TimeAnswer | None:
    """The time a person wrote, or None when the words are not a time at all."""
    if any(unicodedata.category(c) == "No" for c in text):
        return None  # "²" or "①" are not how anyone writes a time, whatever NFKC makes of them
    # NFKC turns full-width digits and colons, which some phones type, into plain ones.
    typed = unicodedata.normalize("NFKC", text).casefold().strip().rstrip("!.?").strip()
    typed = _LEAD.sub("", typed)
    if typed in _WORDS:
        return TimeAnswer(at=_WORDS[typed])
    half = _AM_PM.search(typed)
    if half is not None:
        typed = typed[: half.start()]
    match = _CLOCK.fullmatch(typed) if typed.isascii() else None
    if match is None:
        return None
    hour = int(match.group(1))
    minutes = match.group(2) or match.group(3)
    if minutes is not None and len(minutes) != 2:
        return None  # "6.3" or "18:5": not how anyone writes minutes
    minute = int(minutes or 0)
    if minute > 59:
        return TimeAnswer(impossible=True)
    if half is not None:
        if not 1 <= hour <= 12:
            return TimeAnswer(impossible=True)
        return TimeAnswer(at=time(hour % 12 + (12 if half.group(1) == "p" else 0), minute))
    if hour > 23:
        return TimeAnswer(impossible=True)
    if 1 <= hour <= 11 and not match.group(1).startswith("0"):
        return TimeAnswer(either=(time(hour, minute), time(hour + 12, minute)))
    return TimeAnswer(at=time(hour, minute))
