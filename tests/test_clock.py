"""Time is injected: the clocks, and no module but bot/domain/clock.py reads the wall clock."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.clock import StartedClock, SystemClock, at_zone, parse_local

BOT = Path(__file__).resolve().parent.parent / "bot"
READERS = {
    "datetime": {"now", "utcnow", "today"},
    "date": {"today"},
    "time": {"time", "time_ns", "localtime", "gmtime", "ctime"},
}
# APScheduler measures its tick interval in real time; the moment it ticks is not what time it
# is for the setting, which the scheduler takes from the injected clock.
ALLOWED = {("clock.py", "datetime.now")}


def wall_clock_reads(path: Path) -> list[str]:
    """Every call like datetime.now() or time.time() in a module, as 'name.attr'."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        if isinstance(owner, ast.Name) and node.func.attr in READERS.get(owner.id, ()):
            found.append(f"{owner.id}.{node.func.attr}")
    return found


@pytest.mark.parametrize("path", sorted(BOT.rglob("*.py")), ids=lambda p: str(p.relative_to(BOT)))
def test_nothing_but_the_clock_reads_the_wall_clock(path: Path) -> None:
    reads = [r for r in wall_clock_reads(path) if (path.name, r) not in ALLOWED]
    assert reads == [], f"{path.relative_to(BOT)} reads the wall clock: take the injected clock"


def test_the_check_finds_every_kind_of_read(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import time\nfrom datetime import date, datetime\n"
        "a = datetime.now(UTC)\nb = date.today()\nc = time.time()\nd = time.monotonic()\n"
    )
    assert wall_clock_reads(sample) == ["datetime.now", "date.today", "time.time"]


def test_a_started_clock_starts_at_its_moment_runs_on_and_jumps() -> None:
    ticks = iter([100.0, 100.0, 130.5, 131.0])
    clock = StartedClock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC), ticks=lambda: next(ticks))
    assert clock() == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert clock() == datetime(2026, 11, 24, 10, 0, 30, 500000, tzinfo=UTC)
    clock.advance(timedelta(hours=2))
    assert clock() == datetime(2026, 11, 24, 12, 0, 31, tzinfo=UTC)


def test_a_started_clock_needs_an_aware_moment() -> None:
    with pytest.raises(ValueError, match="aware"):
        StartedClock(datetime(2026, 11, 24, 10, 0))


def test_the_system_clock_is_aware_and_in_utc() -> None:
    assert SystemClock()().tzinfo is UTC


@pytest.mark.parametrize(
    "text", ["2026-12-01 07:25", "2026-12-01 07:25:00", "2026-12-01T07:25", " 2026-12-01 07:25 "]
)
def test_local_moments_as_people_write_them(text: str) -> None:
    assert parse_local(text) == datetime(2026, 12, 1, 7, 25)


@pytest.mark.parametrize("text", ["", "07:25", "01/12/2026 07:25", "2026-12-01 7.25pm"])
def test_other_text_is_not_a_moment(text: str) -> None:
    with pytest.raises(ValueError, match="is not a local time like 2026-12-01 07:25"):
        parse_local(text)


def test_a_local_moment_is_placed_in_the_settings_zone() -> None:
    summer = at_zone(datetime(2026, 7, 1, 7, 25), "Europe/London")
    assert summer.astimezone(UTC) == datetime(2026, 7, 1, 6, 25, tzinfo=UTC)


@pytest.mark.parametrize(
    ("retry_after", "date", "wait"),
    [
        ("Tue, 24 Nov 2026 10:00:30 GMT", "Tue, 24 Nov 2026 10:00:00 GMT", 30.0),
        ("Tue, 24 Nov 2026 10:00:30 GMT", "Tue, 24 Nov 2026 10:01:00 GMT", 0.0),
        ("Tue, 24 Nov 2026 10:00:30 GMT", None, None),  # no Date: the dispatcher's own backoff
        ("12", None, 12.0),
    ],
)
def test_twilios_retry_after_date_is_measured_from_its_own_date_header(
    retry_after: str, date: str | None, wait: float | None
) -> None:
    from bot.handlers.sms.send import _retry_after

    assert _retry_after(retry_after, date) == wait
