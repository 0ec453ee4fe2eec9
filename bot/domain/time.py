"""Local wall-clock rules as moments: when quiet hours end, when a carer's summary is due."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.domain.messages import LocalTime, Text
from bot.domain.setting import Hours, TimeRange

UPDATE_MODES = ("instant", "evening", "weekly", "essentials")


def at_local(day: datetime, clock: time) -> datetime:
    """`clock` on the local date of `day`, in the same zone (a skipped hour moves forward)."""
    naive = datetime.combine(day.date(), clock)
    return naive.replace(tzinfo=day.tzinfo)


def quiet_end(quiet: TimeRange, local_now: datetime) -> datetime | None:
    """When the quiet hours around `local_now` end, or None when it is not quiet now."""
    if not quiet.contains(local_now.time()):
        return None
    end = at_local(local_now, quiet.end)
    return end if end > local_now else at_local(local_now + timedelta(days=1), quiet.end)


def next_summary(mode: str, at: time, weekday: int, local_now: datetime) -> datetime:
    """The next evening (daily) or weekly summary moment after `local_now`, in local time."""
    for ahead in range(8):
        moment = at_local(local_now + timedelta(days=ahead), at)
        if moment <= local_now:
            continue
        if mode == "evening" or moment.weekday() == weekday:
            return moment
    raise ValueError(f"no summary moment for mode {mode!r}")


def after_staff_day(staff: Hours, local_now: datetime) -> datetime:
    """The start of the staff hours after the staff day now running (or the next one) ends:
    "the next morning" for a message that staff had a whole working day to answer."""
    start = staff.next_open(local_now)
    end = at_local(start, staff.range.end)
    if end <= start:
        end = at_local(start + timedelta(days=1), staff.range.end)
    return staff.next_open(end + timedelta(minutes=1))


def spoken_when(moment: datetime, local_now: datetime) -> Text:
    """'today at 07:30', 'tomorrow at 07:30' or 'Monday 07:30', as a person would say it."""
    local = moment.astimezone(local_now.tzinfo)
    days = (local.date() - local_now.date()).days
    if days == 0:
        return Text("when.today", {"time": LocalTime(local.time())})
    if days == 1:
        return Text("when.tomorrow", {"time": LocalTime(local.time())})
    return Text("when.day", {"moment": LocalTime(local, with_day=True)})
