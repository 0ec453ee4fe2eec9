"""Contract: times cross the seam as timezone-aware datetimes, whatever zone they were given in,
and keep their order across a clock change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.storage.repos import Store
from bot.storage.rows import NewOutbox
from tests.storage.conftest import CARER_PHONE, NOW, OnFile

LONDON = ZoneInfo("Europe/London")
WARSAW = ZoneInfo("Europe/Warsaw")


async def test_a_time_in_any_zone_comes_back_as_the_same_aware_instant(store: Store) -> None:
    in_warsaw = datetime(2026, 11, 24, 11, 0, 0, 123456, tzinfo=WARSAW)  # 10:00:00.123456 UTC
    async with store.inbound.transaction() as inbox:
        await inbox.store("sms", "SM1", CARER_PHONE, {}, in_warsaw)
        oldest = await inbox.oldest_unhandled()
    async with store.transaction() as repos:
        await repos.outbox.add(
            [NewOutbox(None, "sms", CARER_PHONE, None, None, 1, "hi", [])], in_warsaw
        )
        (row,) = await repos.outbox.for_address("sms", CARER_PHONE)
    for moment in (oldest, row.created_at, row.next_attempt_at):
        assert moment is not None and moment.utcoffset() is not None
        assert moment == in_warsaw
    assert row.created_at.astimezone(UTC) == datetime(2026, 11, 24, 10, 0, 0, 123456, tzinfo=UTC)


async def test_a_naive_time_is_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        async with store.inbound.transaction() as inbox:
            await inbox.store("sms", "SM1", CARER_PHONE, {}, datetime(2026, 11, 24, 10))


async def test_timers_keep_their_order_across_the_autumn_clock_change(
    store: Store, on_file: OnFile
) -> None:
    # 01:30 happens twice in London on 25 October 2026: first in BST (00:30 UTC), then in GMT
    # (01:30 UTC). A timer for 01:45 BST is due between the two.
    first = datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=0)
    between = datetime(2026, 10, 25, 1, 45, tzinfo=LONDON, fold=0)
    second = datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=1)
    # (Python compares times of one zone by the wall clock, so the check is made in UTC.)
    in_utc = [t.astimezone(UTC) for t in (first, between, second)]
    assert in_utc == sorted(in_utc) and in_utc[2] - in_utc[0] == timedelta(hours=1)
    async with store.transaction() as repos:
        for name, due in (("second", second), ("between", between), ("first", first)):
            await repos.reminders.add(
                on_file.setting_id, "sms", CARER_PHONE, "thanks", due, name, {}
            )
        at_first = await repos.reminders.due(first)
        at_second = await repos.reminders.due(second)
    assert [r.rule for r in at_first] == ["first"]
    assert [r.rule for r in at_second] == ["first", "between", "second"]
    assert [r.due_at for r in at_second] == in_utc  # (an ambiguous local time never equals)
    assert all(r.due_at.utcoffset() is not None for r in at_second)


async def test_a_held_message_over_the_spring_clock_change_waits_the_real_hours(
    store: Store,
) -> None:
    # From 00:30 to 03:30 London time on 29 March 2026 is two hours, not three.
    night = datetime(2026, 3, 29, 0, 30, tzinfo=LONDON)
    morning = datetime(2026, 3, 29, 3, 30, tzinfo=LONDON)
    held = NewOutbox(None, "sms", CARER_PHONE, None, None, 1, "held", [], not_before=morning)
    two_hours_on = night.astimezone(UTC) + timedelta(hours=2)
    async with store.transaction() as repos:
        await repos.outbox.add([held], night)
        assert await repos.outbox.claim_due("sms", two_hours_on - timedelta(seconds=1), 9) == []
        (row,) = await repos.outbox.claim_due("sms", two_hours_on, 9)
    assert row.next_attempt_at == morning and row.created_at == night
    assert NOW > morning  # the fixture's clock is later in the year
