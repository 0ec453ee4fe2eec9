"""Contract: timers, periodic work, summaries and caps, through the Protocols."""

from __future__ import annotations

from datetime import timedelta

from bot.storage.repos import Store
from tests.storage.conftest import CARER_PHONE, NOW, OnFile


async def test_a_timer_fires_once_when_due_unless_cancelled(store: Store, on_file: OnFile) -> None:
    later = NOW + timedelta(hours=1)
    async with store.transaction() as repos:
        await repos.reminders.add(
            on_file.setting_id, "sms", CARER_PHONE, "thanks", later, "1h", {"a": 1}
        )
        await repos.reminders.add(on_file.setting_id, "sms", CARER_PHONE, "other", later, "1h", {})
        assert await repos.reminders.due(NOW) == []
        await repos.reminders.cancel("sms", CARER_PHONE, "other", NOW)
        (timer,) = await repos.reminders.due(later)
        await repos.reminders.mark_fired(timer.id, later)
        assert await repos.reminders.due(later + timedelta(days=1)) == []
    assert (timer.flow, timer.due_at, timer.rule, timer.payload) == (
        "thanks",
        later,
        "1h",
        {"a": 1},
    )


async def test_periodic_work_is_claimed_once_per_period(store: Store) -> None:
    async with store.transaction() as repos:
        assert await repos.reminders.claim_period("kit", "2026-W48", NOW)
        assert not await repos.reminders.claim_period("kit", "2026-W48", NOW)
        assert await repos.reminders.claim_period("kit", "2026-W49", NOW)


async def test_a_held_update_waits_for_the_carers_summary(store: Store, on_file: OnFile) -> None:
    evening = NOW + timedelta(hours=8)
    async with store.transaction() as repos:
        await repos.news.set_update_mode(on_file.carer, "evening", "18:00")
        assert await repos.news.update_mode(on_file.carer) == ("evening", "18:00", 4)
        await repos.news.hold(on_file.setting_id, on_file.carer, "Amelia", "Painted", evening)
        assert await repos.news.due(NOW) == []
        (item,) = await repos.news.due(evening)
        await repos.news.mark_sent([item.id], evening)
        assert await repos.news.due(evening) == []
        members = await repos.news.families([on_file.amelia])
        children = await repos.news.key_children([on_file.key_person])
    assert (item.child_name, item.text) == ("Amelia", "Painted")
    assert [(m.carer_id, m.update_mode, m.summary_time) for m in members] == [
        (on_file.carer, "evening", "18:00")
    ]
    assert [c.first_name for c in children] == ["Amelia", "Noah"]


async def test_the_keeping_in_touch_report_sees_the_last_update(
    store: Store, on_file: OnFile
) -> None:
    async with store.transaction() as repos:
        await repos.news.add(
            on_file.setting_id, on_file.amelia, "update", "staff:1", "Lunch", None, NOW
        )
        await repos.news.add(
            on_file.setting_id, on_file.noah, "concern", "carer:1", "Cough", None, NOW
        )
        rows = await repos.news.quiet_families(
            on_file.setting_id, NOW - timedelta(days=1), NOW - timedelta(days=30)
        )
    by_child = {r["first_name"]: r for r in rows}
    assert by_child["Amelia"]["last_update"] == NOW and not by_child["Amelia"]["no_update"]
    assert by_child["Noah"]["last_update"] is None and by_child["Noah"]["no_update"]
    assert by_child["Noah"]["concerns"] == 1


async def test_an_automatic_answer_is_capped_per_address_and_key(store: Store) -> None:
    async with store.transaction() as repos:
        assert not await repos.caps.answered_since("sms", CARER_PHONE, "hours", NOW)
        await repos.caps.answered("sms", CARER_PHONE, "hours", NOW)
        assert await repos.caps.answered_since("sms", CARER_PHONE, "hours", NOW)
        assert not await repos.caps.answered_since(
            "sms", CARER_PHONE, "hours", NOW + timedelta(seconds=1)
        )
        assert not await repos.caps.answered_since("sms", CARER_PHONE, "other", NOW)


async def test_relay_exchanges_count_in_a_window_and_pause(store: Store, on_file: OnFile) -> None:
    window = timedelta(minutes=10)
    async with store.transaction() as repos:
        first = await repos.caps.exchange(on_file.setting_id, "AB12C", NOW, NOW - window)
        second = await repos.caps.exchange(on_file.setting_id, "AB12C", NOW, NOW - window)
        until = NOW + timedelta(hours=1)
        await repos.caps.pause(on_file.setting_id, "AB12C", until)
        later = NOW + timedelta(minutes=30)
        fresh = await repos.caps.exchange(on_file.setting_id, "AB12C", later, later - window)
    assert first == (1, None) and second == (2, None)
    assert fresh == (1, until)
