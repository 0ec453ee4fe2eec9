"""The clocks: the one reader of the wall clock, and a clock that starts at a chosen moment.

The composition root (the `keyperson` command) builds one clock and passes it down; nothing
else asks the system what time it is, so the demo and the tests can run at any moment.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]
MOMENT_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


class SystemClock:
    """The real time, in UTC."""

    def __call__(self) -> datetime:
        return datetime.now(UTC)


class StartedClock:
    """A clock that starts at `start` and runs on at the real rate; `advance` jumps it."""

    def __init__(self, start: datetime, ticks: Callable[[], float] = time.monotonic) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock starts at an aware moment")
        self.start = start.astimezone(UTC)
        self._ticks = ticks
        self._began = ticks()
        self._offset = timedelta()

    def __call__(self) -> datetime:
        return self.start + self._offset + timedelta(seconds=self._ticks() - self._began)

    def advance(self, delta: timedelta) -> None:
        """Move the clock on (or back, with a negative delta) by `delta`."""
        self._offset += delta


def parse_local(text: str) -> datetime:
    """A local wall-clock moment written as 2026-12-01 07:25 (seconds optional), naive."""
    for pattern in MOMENT_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a local time like 2026-12-01 07:25")


def at_zone(moment: datetime, zone: str) -> datetime:
    """A naive local moment placed in `zone` (the earlier one when clocks go back)."""
    return moment.replace(tzinfo=ZoneInfo(zone))
