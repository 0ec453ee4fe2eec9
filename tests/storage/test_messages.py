"""Contract: inbound messages, the outbox and the audit log, through the Protocols."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.storage.repos import Store
from bot.storage.rows import NewOutbox
from tests.storage.conftest import CARER_PHONE, NOW, OnFile

OTHER = "+447400200099"


def message(address: str, body: str, priority: int = 1, **changes: object) -> NewOutbox:
    """A message for the SMS outbox."""
    return replace(NewOutbox(None, "sms", address, None, None, priority, body, []), **changes)


async def test_an_inbound_message_is_stored_once_by_channel_and_external_id(store: Store) -> None:
    async with store.inbound.transaction() as inbox:
        first = await inbox.store("sms", "SM1", CARER_PHONE, {"text": "hi"}, NOW)
        again = await inbox.store("sms", "SM1", CARER_PHONE, {"text": "other"}, NOW)
        telegram = await inbox.store("telegram", "SM1", "5001", {"text": "hi"}, NOW)
    assert first is not None and telegram is not None and first != telegram
    assert again is None
    async with store.inbound.reading() as inbox:
        rows = await inbox.unhandled()
    assert [(r.channel, r.external_id, r.payload) for r in rows] == [
        ("sms", "SM1", {"text": "hi"}),
        ("telegram", "SM1", {"text": "hi"}),
    ]


async def test_handled_messages_leave_the_queue_and_an_error_is_kept(store: Store) -> None:
    async with store.inbound.transaction() as inbox:
        one = await inbox.store("sms", "SM1", CARER_PHONE, {}, NOW)
        two = await inbox.store("sms", "SM2", CARER_PHONE, {}, NOW + timedelta(seconds=1))
        assert one is not None and two is not None
        assert await inbox.oldest_unhandled() == NOW
        await inbox.mark_handled([(one, "ValueError")], NOW)
        await inbox.mark_handled([(one, None), (two, None)], NOW)  # a mark is kept
        assert await inbox.unhandled() == []
        assert await inbox.unhandled_ids() == []
        assert await inbox.oldest_unhandled() is None
        sent = await inbox.for_address("sms", CARER_PHONE)
        last = await inbox.last_received()
    assert [at for at, _ in sent] == [NOW, NOW + timedelta(seconds=1)]
    assert last == [("sms", CARER_PHONE, NOW + timedelta(seconds=1))]


async def test_the_handled_record_is_kept_with_the_effects_and_read_back(store: Store) -> None:
    async with store.inbound.transaction() as inbox:
        one = await inbox.store("sms", "SM1", CARER_PHONE, {}, NOW)
        two = await inbox.store("sms", "SM2", CARER_PHONE, {}, NOW)
        rows = await inbox.waiting(10, deferred=False)
    assert one is not None and two is not None
    async with store.transaction() as repos:
        await repos.handled.record([r for r in rows if r.id == one], {one: "KeyError"}, NOW)
        assert await repos.handled.among([one, two]) == {one}
    async with store.reading() as repos:
        assert await repos.handled.among([]) == set()


async def test_a_deferred_message_holds_back_its_senders_later_ones_only(store: Store) -> None:
    async with store.inbound.transaction() as inbox:
        await inbox.store("sms", "SM1", CARER_PHONE, {"n": 1}, NOW, deferred=True)
        await inbox.store("sms", "SM2", CARER_PHONE, {"n": 2}, NOW)
        await inbox.store("sms", "SM3", OTHER, {"n": 3}, NOW)
        within = await inbox.waiting(10, deferred=False)
        beyond = await inbox.waiting(10, deferred=True)
        senders = await inbox.deferred_senders()
    assert [r.payload["n"] for r in within] == [3]
    assert [r.payload["n"] for r in beyond] == [1]
    assert senders == [("sms", CARER_PHONE)]
    assert all(r.received_at == NOW for r in [*within, *beyond])


async def test_claiming_goes_by_priority_and_never_twice(store: Store) -> None:
    async with store.transaction() as repos:
        await repos.outbox.add([message(OTHER, "low", 9), message(CARER_PHONE, "high", 1)], NOW)
        claimed = await repos.outbox.claim_due("sms", NOW, 10)
        assert await repos.outbox.claim_due("sms", NOW, 10) == []
    assert [r.body for r in claimed] == ["high", "low"]
    assert {r.status for r in claimed} == {"sending"}
    assert all(r.attempts == 1 and r.attempted_at == NOW for r in claimed)


async def test_one_busy_conversation_does_not_hold_back_others(store: Store) -> None:
    busy = [message(CARER_PHONE, f"reply {n}") for n in range(30)]
    async with store.transaction() as repos:
        await repos.outbox.add([*busy, message(OTHER, "for someone else")], NOW)
        claimed = await repos.outbox.claim_due("sms", NOW, 10)
        assert "for someone else" in [r.body for r in claimed]
        # An address with a send in flight waits for the next round.
        assert await repos.outbox.claim_due("sms", NOW, 10, busy=[CARER_PHONE]) == []
        later = await repos.outbox.claim_due("sms", NOW, 100)
    assert [r.body for r in later] == [f"reply {n}" for n in range(9, 30)]  # 0-8 went first


async def test_a_held_message_waits_until_it_is_due(store: Store) -> None:
    morning = NOW + timedelta(hours=9)
    async with store.transaction() as repos:
        await repos.outbox.add([message(CARER_PHONE, "held", not_before=morning)], NOW)
        assert await repos.outbox.claim_due("sms", NOW, 10) == []
        assert await repos.outbox.next_due_at("sms") == morning
        assert await repos.outbox.oldest_due(NOW) is None
        assert await repos.outbox.oldest_due(morning) == morning
        (row,) = await repos.outbox.claim_due("sms", morning, 10)
    assert row.body == "held" and row.created_at == NOW


async def test_a_stopped_number_is_suppressed_unless_the_message_ignores_stop(
    store: Store,
) -> None:
    async with store.transaction() as repos:
        await repos.people.set_opted_out("sms", CARER_PHONE, True, NOW)
        assert await repos.people.opted_out("sms", CARER_PHONE)
        await repos.outbox.add(
            [message(CARER_PHONE, "news"), message(CARER_PHONE, "ok", ignore_stop=True)], NOW
        )
        claimed = await repos.outbox.claim_due("sms", NOW, 10)
        await repos.people.set_opted_out("sms", CARER_PHONE, False, NOW)
        assert not await repos.people.opted_out("sms", CARER_PHONE)
        statuses = {r.body: r.status for r in await repos.outbox.for_address("sms", CARER_PHONE)}
    assert [r.body for r in claimed] == ["ok"]
    assert statuses == {"news": "suppressed", "ok": "sending"}


async def test_a_retry_comes_back_when_due_and_a_final_failure_never(store: Store) -> None:
    later = NOW + timedelta(minutes=5)
    async with store.transaction() as repos:
        await repos.outbox.add([message(CARER_PHONE, "a"), message(OTHER, "b")], NOW)
        a, b = await repos.outbox.claim_due("sms", NOW, 10)
        await repos.outbox.retry_later(a.id, later, "twilio 500", NOW)
        await repos.outbox.mark_final(b.id, "failed", "invalid number", NOW)
        assert await repos.outbox.claim_due("sms", NOW, 10) == []
        assert await repos.outbox.next_due_at("sms") == later
        (again,) = await repos.outbox.claim_due("sms", later, 10)
    assert again.id == a.id and again.attempts == 2 and again.next_attempt_at == later


async def test_status_moves_only_forward(store: Store) -> None:
    async with store.transaction() as repos:
        await repos.outbox.add([message(CARER_PHONE, "hi", thread="AB12C")], NOW)
        (row,) = await repos.outbox.claim_due("sms", NOW, 10)
        await repos.outbox.mark_sent(row.id, "SM9", "queued", NOW)
        assert await repos.outbox.thread_of("SM9") == "AB12C"
        delivered = await repos.outbox.update_status("SM9", "delivered", None, NOW)
        back = await repos.outbox.update_status("SM9", "sent", None, NOW)
        unknown = await repos.outbox.update_status("SM-none", "delivered", None, NOW)
        (final,) = await repos.outbox.for_address("sms", CARER_PHONE)
    assert delivered is not None and delivered.status == "accepted"  # the row before the move
    assert back is None and unknown is None
    assert final.status == "delivered" and final.provider_id == "SM9"


async def test_an_unknown_outcome_is_reconciled_when_due_and_after_a_crash(store: Store) -> None:
    check = NOW + timedelta(minutes=2)
    async with store.transaction() as repos:
        await repos.outbox.add([message(CARER_PHONE, "a"), message(OTHER, "b")], NOW)
        a, b = await repos.outbox.claim_due("sms", NOW, 10)
        await repos.outbox.mark_unknown(a.id, "timeout", NOW, check)
        assert await repos.delivery.due_unknown("sms", NOW, 10) == []
        assert await repos.delivery.next_reconcile_at("sms") == check
        assert [r.id for r in await repos.delivery.due_unknown("sms", check, 10)] == [a.id]
        # b was claimed and never recorded: a crash leaves its outcome unknown, not resent.
        assert await repos.outbox.interrupted("sms", NOW, check, blind=False) == 1
        assert await repos.outbox.claim_due("sms", check, 10) == []
        await repos.delivery.send_again(b.id, check, blind=True)
        (resent,) = await repos.outbox.claim_due("sms", check, 10)
    assert resent.id == b.id and resent.resent


async def test_audit_counts_from_a_time_on(store: Store, on_file: OnFile) -> None:
    async with store.transaction() as repos:
        for minutes in (0, 10, 20):
            at = NOW + timedelta(minutes=minutes)
            await repos.audit.record(on_file.setting_id, "staff:1", "code.wrong", "x", {}, at)
        await repos.audit.record(on_file.setting_id, "staff:2", "code.wrong", "y", {}, NOW)
        since_ten = await repos.audit.count_since(
            "staff:1", "code.wrong", NOW + timedelta(minutes=10)
        )
        after_all = await repos.audit.count_since("staff:1", "code.wrong", NOW + timedelta(hours=1))
        about_y = await repos.audit.happened_since("code.wrong", "y", NOW)
        not_since = await repos.audit.happened_since("code.wrong", "y", NOW + timedelta(seconds=1))
    assert (since_ten, after_all, about_y, not_since) == (2, 0, True, False)
