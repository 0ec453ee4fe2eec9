"""Floods and loops: automatic answers capped, relay loops paused, a per-sender inbound budget
and a fair outbox."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from tests.harness import (
    KASIA,
    LAURA,
    SARAH,
    STRANGER,
    TOM,
    Clock,
    make_keyperson,
    say,
    scalar,
    sms,
)


def limits(kp, **changes):
    kp.router.caps.limits = dataclasses.replace(kp.router.caps.limits, **changes)
    kp.router.budget.limits = kp.router.caps.limits


async def test_a_strangers_auto_responder_gets_one_answer_an_hour(tmp_path):
    clock = Clock()
    kp = await make_keyperson(tmp_path, clock)
    answers = []
    for n in range(5):
        answers += await say(kp, STRANGER, f"Auto-reply: I am away ({n})")
        clock.now += timedelta(seconds=12)
    assert len(answers) == 1 and "do not have this number" in answers[0].body
    clock.now += timedelta(hours=1)
    assert len(await say(kp, STRANGER, "Auto-reply: I am away")) == 1
    await kp.stop()


async def test_a_carer_writing_several_times_is_acknowledged_once_but_every_message_relayed(
    tmp_path,
):
    clock = Clock()
    kp = await make_keyperson(tmp_path, clock)
    await say(kp, LAURA, "Hi")
    queued = []
    for text in ("Amelia is tired today", "She slept badly", "Please call me at lunch"):
        queued += await say(kp, LAURA, text)
        clock.now += timedelta(seconds=30)
    to_tom = [r for r in queued if r.address == TOM]
    acks = [r for r in queued if r.address == LAURA]
    assert len(to_tom) == 3 and len(acks) == 1
    async with kp.db.inbound.reading() as inbox:
        # Nothing was lost: every message is on record, answered or not.
        assert len(await inbox.for_address("sms", LAURA)) == 4
    await kp.stop()


async def test_a_relay_loop_is_paused_and_the_managers_told_once(tmp_path):
    clock = Clock()
    kp = await make_keyperson(tmp_path, clock)
    limits(kp, loop_exchanges=6)
    await say(kp, LAURA, "Hi")
    await say(kp, TOM, "Hi")
    first = await say(kp, LAURA, "Auto-reply: I am on holiday")
    code = next(w for w in first[0].body.split() if w.startswith("#"))
    relayed = {"to_tom": 0, "to_laura": 0}
    told = []
    for n in range(10):  # two auto-responders answering each other
        clock.now += timedelta(seconds=5)
        queued = await say(kp, TOM, f"{code} Out of office until Monday ({n})")
        relayed["to_laura"] += sum(r.address == LAURA and "Out of office" in r.body for r in queued)
        told += [r for r in queued if r.address == SARAH]
        clock.now += timedelta(seconds=5)
        queued = await say(kp, LAURA, f"Auto-reply: I am on holiday ({n})")
        relayed["to_tom"] += sum(r.address == TOM and "holiday" in r.body for r in queued)
        told += [r for r in queued if r.address == SARAH]
    # Exchanges 1..6 went through (the first message counted), then the thread paused.
    assert relayed == {"to_tom": 2, "to_laura": 3}
    assert len(told) == 1 and "paused" in told[0].body and code in told[0].body
    clock.now += timedelta(hours=2)
    resumed = await say(kp, LAURA, "Back from holiday: is Amelia's coat there?")
    assert any(r.address == TOM for r in resumed)
    async with kp.db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT COUNT(*) FROM audit WHERE action = 'relay.paused'"
        )
    assert next(iter(rows))[0] == 21 - 6  # every exchange past the sixth: kept, not passed on
    await kp.stop()


async def test_a_flood_from_one_number_does_not_hold_back_another_family(tmp_path):
    kp = await make_keyperson(tmp_path)
    limits(kp, inbound_burst=5, loop_exchanges=10**6)
    await say(kp, LAURA, "Hi")
    for n in range(100):
        await kp.router.accept(sms(LAURA, f"flood {n:03d}"))
    await kp.router.accept(sms(KASIA, "Czy Zosia zjadła obiad?"))
    handled_before_kasia = 0
    while True:
        await kp.router.handle_batch()
        async with kp.db.reading() as repos:
            kasia = await repos.outbox.for_address("sms", "+447400100003")  # Anna, her key person
        left = await scalar(kp, "SELECT COUNT(*) FROM inbound WHERE handled_at IS NULL")
        if kasia:
            handled_before_kasia = 100 - left
            break
    assert handled_before_kasia <= 8  # within the budget's 5, and a batch
    await kp.router.drain()
    async with kp.db.reading() as repos:
        to_tom = await repos.outbox.for_address("sms", TOM)
    flood = [r.body for r in to_tom if "flood" in r.body]
    assert len(flood) == 100
    assert flood == sorted(flood)  # one sender's messages still in the order they came
    await kp.stop()
