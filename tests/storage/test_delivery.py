"""Contract: fallback chains, the delivery report and the contacts report, through the Protocols."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.people import PersonKind
from bot.storage.repos import Store
from bot.storage.rows import InboundRow, NewOutbox
from tests.storage.conftest import CARER_PHONE, NOW, OnFile

CHAT = "5001"


async def test_a_fallback_joins_its_chain_and_shows_the_person_was_reached(
    store: Store, on_file: OnFile
) -> None:
    first = NewOutbox(on_file.setting_id, "telegram", CHAT, "carer", on_file.carer, 1, "hi", [])
    async with store.transaction() as repos:
        await repos.outbox.add([first], NOW)
        (root,) = await repos.outbox.claim_due("telegram", NOW, 9)
        await repos.outbox.mark_final(root.id, "failed", "blocked", NOW)
        backup = NewOutbox(
            on_file.setting_id,
            "sms",
            CARER_PHONE,
            "carer",
            on_file.carer,
            1,
            "hi",
            [],
            fallback_of=root.id,
        )
        await repos.outbox.add([backup], NOW)
        (sms,) = await repos.outbox.claim_due("sms", NOW, 9)
        # The same message to the same person, created at the same instant, went out by SMS.
        same_instant = NewOutbox(
            on_file.setting_id, "telegram", CHAT, "carer", on_file.carer, 1, "hi", []
        )
        await repos.outbox.add([same_instant], root.created_at)
        assert not await repos.delivery.reached_otherwise(root)
        await repos.outbox.mark_sent(sms.id, "SM1", "sent", NOW)
        reached = await repos.delivery.reached_otherwise(root)
        chain = await repos.delivery.chain(root.id)
        known = await repos.delivery.known_provider_ids(["SM1", "SM2"])
        assert await repos.delivery.known_provider_ids([]) == set()
    assert reached
    assert [r.channel for r in chain] == ["telegram", "sms"] and chain[1].fallback_of == root.id
    assert known == {"SM1"}


async def test_the_delivery_report_names_failures_since_a_time_and_everything_unsettled(
    store: Store, on_file: OnFile
) -> None:
    rows = [
        NewOutbox(on_file.setting_id, "sms", CARER_PHONE, "carer", on_file.carer, 1, f"m{n}", [])
        for n in range(4)
    ]
    check = NOW + timedelta(hours=1)
    async with store.transaction() as repos:
        await repos.outbox.add(rows, NOW)
        a, b, c, d = await repos.outbox.claim_due("sms", NOW, 9)
        await repos.outbox.mark_sent(a.id, "SM1", "delivered", NOW)
        await repos.outbox.mark_final(b.id, "failed", "unreachable", NOW)
        await repos.outbox.mark_unknown(c.id, "no answer", NOW, check)
        await repos.outbox.retry_later(d.id, check, "twilio 500", NOW)
        lines = await repos.delivery.report(NOW)
        later = await repos.delivery.report(NOW + timedelta(seconds=1))
        counts = await repos.delivery.counts(NOW)
    assert [(line.id, line.status, line.person_name) for line in lines] == [
        (b.id, "failed", "Laura Hughes"),
        (c.id, "unknown", "Laura Hughes"),
        (d.id, "queued", "Laura Hughes"),
    ]
    assert lines[1].reconcile_at == check and lines[0].created_at == NOW
    assert [line.id for line in later] == [c.id, d.id]  # the failure is older than that
    assert counts == {"delivered": 1, "failed": 1, "unknown": 1, "queued": 1}


async def test_after_the_clock_went_back_far_off_retries_come_forward(store: Store) -> None:
    row = NewOutbox(None, "sms", CARER_PHONE, None, None, 1, "hi", [])
    async with store.transaction() as repos:
        await repos.outbox.add([row], NOW)
        (claimed,) = await repos.outbox.claim_due("sms", NOW, 9)
        await repos.outbox.retry_later(claimed.id, NOW + timedelta(hours=2), "429", NOW)
        moved = await repos.delivery.after_clock_jump(
            NOW, NOW + timedelta(minutes=10), NOW + timedelta(minutes=10)
        )
        (again,) = await repos.outbox.claim_due("sms", NOW, 9)
    assert moved == 1 and again.id == claimed.id


async def test_the_contacts_report_shows_each_person_and_their_last_messages(
    store: Store, on_file: OnFile
) -> None:
    row = InboundRow(1, "sms", "SM1", CARER_PHONE, {}, NOW)
    async with store.transaction() as repos:
        await repos.handled.record([row], {}, NOW)  # "last in" counts handled messages
        await repos.people.set_opted_out("sms", CARER_PHONE, True, NOW)
        people, contacts, left = await repos.reports.reach(on_file.setting_id)
    carer = next(p for p in people if p.kind is PersonKind.CARER)
    mine = [c for c in contacts if c.kind is PersonKind.CARER]
    assert (carer.ref, carer.name, carer.has_phone, left) == ("P01", "Laura Hughes", True, 0)
    assert [(c.channel, c.stopped, c.last_in, c.last_out) for c in mine] == [
        ("sms", True, NOW, None)
    ]
    assert {p.ref for p in people if p.kind is PersonKind.STAFF} == {"S01", "S02"}
