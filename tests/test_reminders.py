"""Reminders: local rules across daylight saving, quiet hours, and what a restart finds due."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.hours import TimeRange
from bot.domain.reminders import Fate, ReminderRule, fate, local_stamp, wall_clock
from bot.engine.scheduler import TICK_S
from tests.harness import LAURA, ROOT, Clock, make_keyperson, scalar

LONDON = ZoneInfo("Europe/London")
QUIET = TimeRange(time(20, 0), time(7, 30))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


def rule(days: int, at: str) -> ReminderRule:
    return ReminderRule(days, time.fromisoformat(at), "Europe/London")


# -- the rule ------------------------------------------------------------------------------


def test_the_rule_reads_as_people_say_it() -> None:
    assert rule(1, "10:00").describe() == "1 day before at 10:00 Europe/London"
    assert rule(7, "09:30").describe() == "7 days before at 09:30 Europe/London"


@pytest.mark.parametrize(
    ("event", "days", "at", "due"),
    [
        # The case: a review on Monday 29 March 2027 at 10:00 BST; the day before is
        # Sunday 28 March, the day the clocks go forward: 10:00 BST is 09:00 UTC.
        (london(2027, 3, 29, 10), 1, "10:00", utc(2027, 3, 28, 9)),
        (london(2027, 3, 29, 10), 7, "10:00", utc(2027, 3, 22, 10)),  # still GMT a week before
        (london(2026, 3, 30, 10), 1, "10:00", utc(2026, 3, 29, 9)),  # 2026's change: 29 March
        (london(2026, 3, 30, 10), 7, "10:00", utc(2026, 3, 23, 10)),
        # Autumn: the clocks go back on 25 October 2026 and 31 October 2027.
        (london(2026, 10, 26, 10), 1, "10:00", utc(2026, 10, 25, 10)),  # 10:00 GMT
        (london(2026, 10, 26, 10), 7, "10:00", utc(2026, 10, 19, 9)),  # 10:00 BST
        (london(2027, 11, 1, 10), 1, "10:00", utc(2027, 10, 31, 10)),
        (london(2027, 11, 1, 10), 7, "10:00", utc(2027, 10, 25, 9)),  # 10:00 BST
    ],
)
def test_the_local_time_holds_across_daylight_saving(
    event: datetime, days: int, at: str, due: datetime
) -> None:
    assert rule(days, at).due(event) == due
    assert rule(days, at).due(event).astimezone(LONDON).time() == time.fromisoformat(at)


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (datetime(2026, 3, 29), utc(2026, 3, 29, 1)),  # 02:00 BST, the first valid time
        (datetime(2027, 3, 28), utc(2027, 3, 28, 1)),
    ],
)
def test_a_time_the_clocks_skip_moves_to_the_next_valid_time(day: datetime, due: datetime) -> None:
    moment = wall_clock(day.date(), time(1, 30), LONDON)
    assert moment.astimezone(UTC) == due
    assert moment.astimezone(LONDON).time() == time(2, 0)
    event = london(day.year, day.month, day.day + 1, 10)
    assert rule(1, "01:30").due(event) == due


@pytest.mark.parametrize(
    ("day", "first"),
    [
        (datetime(2026, 10, 25), utc(2026, 10, 25, 0, 30)),
        (datetime(2027, 10, 31), utc(2027, 10, 31, 0, 30)),
    ],
)
def test_a_time_that_happens_twice_is_its_first_happening(day: datetime, first: datetime) -> None:
    assert wall_clock(day.date(), time(1, 30), LONDON).astimezone(UTC) == first


def test_a_reminder_in_quiet_hours_goes_when_they_end() -> None:
    event = london(2026, 12, 2, 10)
    assert rule(1, "07:00").due(event, QUIET) == utc(2026, 12, 1, 7, 30)
    assert rule(1, "21:00").due(event, QUIET) == utc(2026, 12, 2, 7, 30)  # the next morning
    assert rule(1, "10:00").due(event, QUIET) == utc(2026, 12, 1, 10)
    summer = london(2027, 6, 2, 10)
    assert rule(1, "06:00").due(summer, QUIET) == utc(2027, 6, 1, 6, 30)  # 07:30 BST


def test_late_reminders_are_sent_only_while_still_of_use() -> None:
    due, event, grace = utc(2027, 3, 28, 9), utc(2027, 3, 29, 9), timedelta(hours=12)
    assert fate(due, due + timedelta(seconds=30), event, grace) is Fate.SEND
    assert fate(due, due + timedelta(hours=12), event, grace) is Fate.SEND
    assert fate(due, due + timedelta(hours=12, seconds=1), event, grace) is Fate.MISSED
    assert fate(due, event, event, timedelta(days=3)) is Fate.MISSED  # the event has begun


def test_a_moment_is_shown_in_the_settings_zone_with_its_offset() -> None:
    assert local_stamp(utc(2027, 3, 28, 9), "Europe/London") == "2027-03-28 10:00 +01:00"
    assert local_stamp(utc(2027, 3, 27, 9), "Europe/London") == "2027-03-27 09:00 +00:00"


# -- the scheduler: fired once through the owning flow, across restarts --------------------

EVENT = utc(2026, 12, 3, 10)
DUE = utc(2026, 12, 2, 10)


async def _reminder(kp, due: datetime = DUE, event: datetime = EVENT, subject: str = "review:1"):
    """A reminder for Laura owned by the good-news flow (its thank-you is a real flow step)."""
    carer = await scalar(kp, "SELECT id FROM carers WHERE name = 'Laura Hughes'")
    child = await scalar(kp, "SELECT id FROM children WHERE first_name = 'Amelia'")
    payload = {"carer_id": carer, "child_id": child, "child": "Amelia", "since": DUE.isoformat()}
    async with kp.db.transaction() as repos:
        await repos.reminders.add(
            kp.setting_id,
            "sms",
            LAURA,
            "celebration",
            due,
            "wow_thanks",
            payload,
            kind="test",
            subject=subject,
            about="Amelia",
            event_at=event,
        )


async def _sent_to_laura(kp) -> int:
    await kp.router.drain()
    return await scalar(kp, "SELECT COUNT(*) FROM outbox WHERE address = ?", LAURA)


async def test_a_reminder_fires_once_within_a_tick_of_its_time(tmp_path: Path) -> None:
    assert TICK_S <= 30  # so a due row is found within 60 s, whatever the tick it falls in
    clock = Clock(DUE - timedelta(minutes=5))
    kp = await make_keyperson(tmp_path, clock)
    await _reminder(kp)
    assert await kp.scheduler.fire_timers() == 0
    clock.now = DUE + timedelta(seconds=TICK_S)
    assert await kp.scheduler.fire_timers() == 1
    assert await _sent_to_laura(kp) == 1
    assert await kp.scheduler.fire_timers() == 0
    assert await _sent_to_laura(kp) == 1
    await kp.db.close()


async def test_a_restart_before_the_due_time_fires_it_on_time(tmp_path: Path) -> None:
    clock = Clock(DUE - timedelta(hours=1))
    kp = await make_keyperson(tmp_path, clock)
    await _reminder(kp)
    await kp.db.close()
    clock.now = DUE + timedelta(seconds=10)
    again = await make_keyperson(tmp_path, clock)  # the same files, opened afresh
    assert await again.scheduler.fire_timers() == 1
    assert await _sent_to_laura(again) == 1
    await again.db.close()


async def test_after_downtime_a_reminder_still_of_use_is_sent_on_start(tmp_path: Path) -> None:
    clock = Clock(DUE - timedelta(hours=1))
    kp = await make_keyperson(tmp_path, clock)
    await _reminder(kp)
    await kp.db.close()
    clock.now = DUE + timedelta(hours=11)
    again = await make_keyperson(tmp_path, clock)
    assert await again.scheduler.fire_timers() == 1
    assert await _sent_to_laura(again) == 1
    await again.db.close()


async def test_after_long_downtime_reminders_are_missed_not_sent_in_a_burst(
    tmp_path: Path,
) -> None:
    clock = Clock(DUE - timedelta(days=2))
    kp = await make_keyperson(tmp_path, clock)
    await _reminder(kp, due=DUE)  # 13 hours late at the restart
    await _reminder(kp, due=DUE + timedelta(hours=20), subject="review:2")  # after its event
    await _reminder(kp, due=DUE + timedelta(hours=2), event=DUE + timedelta(hours=12))
    await kp.db.close()
    clock.now = DUE + timedelta(hours=13)
    again = await make_keyperson(tmp_path, clock)
    assert await again.scheduler.fire_timers() == 0
    assert await _sent_to_laura(again) == 0
    assert await scalar(again, "SELECT COUNT(*) FROM reminders WHERE missed_at IS NOT NULL") == 2
    assert await scalar(again, "SELECT COUNT(*) FROM audit WHERE action = 'reminder.missed'") == 2
    assert await again.scheduler.fire_timers() == 0  # missed stays missed
    await again.db.close()


async def test_a_moved_or_cancelled_event_does_not_fire(tmp_path: Path) -> None:
    clock = Clock(DUE - timedelta(days=1))
    kp = await make_keyperson(tmp_path, clock)
    await _reminder(kp, subject="review:1")
    await _reminder(kp, subject="review:2")
    async with kp.db.transaction() as repos:
        assert await repos.reminders.cancel_subject("review:1", clock.now) == 1
    clock.now = DUE
    assert await kp.scheduler.fire_timers() == 1  # only review:2's
    async with kp.db.transaction() as repos:
        assert await repos.reminders.cancel_subject("review:2", clock.now) == 0  # fired already
    await kp.db.close()


async def test_the_time_that_happens_twice_fires_once(tmp_path: Path) -> None:
    first = wall_clock(datetime(2026, 10, 25).date(), time(1, 30), LONDON)
    clock = Clock(utc(2026, 10, 25, 0))
    kp = await make_keyperson(tmp_path, clock)
    await _reminder(kp, due=first.astimezone(UTC), event=utc(2026, 10, 26, 10))
    fired = 0
    for minutes in range(0, 150, 1):  # 01:00 BST to 01:30 GMT and past it, a tick a minute
        clock.now = utc(2026, 10, 25, 0) + timedelta(minutes=minutes)
        fired += await kp.scheduler.fire_timers()
    assert fired == 1
    assert await _sent_to_laura(kp) == 1
    await kp.db.close()


async def test_each_setting_fires_its_own_reminders(tmp_path: Path) -> None:
    clock = Clock(DUE)
    kp = await make_keyperson(tmp_path, clock)
    await _reminder(kp)
    kp.scheduler.setting_id += 1  # a scheduler of another setting finds none of them
    assert await kp.scheduler.fire_timers() == 0
    kp.scheduler.setting_id -= 1
    assert await kp.scheduler.fire_timers() == 1
    await kp.db.close()


# -- keyperson reminders --------------------------------------------------------------------


async def test_the_list_shows_local_time_with_offset_kind_event_and_recipients(
    tmp_path: Path,
) -> None:
    from bot.admin.reminders import upcoming_lines

    clock = Clock(utc(2027, 3, 20, 9))
    kp = await make_keyperson(tmp_path, clock)
    event = london(2027, 3, 29, 10)
    await _reminder(kp, due=rule(1, "10:00").due(event), event=event)
    await _reminder(kp, due=utc(2027, 4, 20, 9), event=utc(2027, 4, 21, 9))  # beyond 14 days
    async with kp.db.reading() as repos:
        lines = await upcoming_lines(
            repos, kp.setting_id, kp.profile, clock.now, clock.now + timedelta(days=14)
        )
    assert lines == ["2027-03-28 10:00 +01:00  test  Amelia  to: Laura Hughes"]
    await kp.db.close()


def test_keyperson_reminders_lists_the_next_days(tmp_path, monkeypatch, capsys) -> None:
    import asyncio

    from bot import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KEYPERSON_DATABASE", str(tmp_path / "k.db"))
    monkeypatch.setenv("KEYPERSON_SETTING_FILE", str(ROOT / "setting.example.toml"))
    monkeypatch.setattr(cli, "SystemClock", lambda: Clock(utc(2027, 3, 20, 9)))
    assert cli.main(["reminders"]) == 0
    assert capsys.readouterr().out.strip() == "No reminders due in the next 14 days."

    async def add() -> None:
        kp = await make_keyperson(tmp_path, Clock(utc(2027, 3, 20, 9)))
        await _reminder(kp, due=utc(2027, 3, 28, 9), event=utc(2027, 3, 29, 9))
        await kp.db.close()

    asyncio.run(add())
    assert cli.main(["reminders", "--days", "7"]) == 0
    assert capsys.readouterr().out.strip() == "No reminders due in the next 7 days."
    assert cli.main(["reminders", "--days", "9"]) == 0
    assert capsys.readouterr().out.strip() == (
        "2027-03-28 10:00 +01:00  test  Amelia  to: Laura Hughes"
    )
    with pytest.raises(SystemExit):
        cli.main(["reminders", "--days", "none"])
