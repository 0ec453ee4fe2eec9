"""The dispatcher: priorities, retries with backoff, permanent failures, unknown outcomes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.errors import SendError
from bot.domain.messages import Channel
from bot.engine.outbox import Backoff, Dispatcher
from bot.storage.rows import NewOutbox
from tests.harness import LAURA, TOM, Clock, FakeSender, make_keyperson


def row(address: str = LAURA, priority: int = 5, body: str = "hello") -> NewOutbox:
    return NewOutbox(1, "sms", address, "carer", 1, priority, body, [])


async def queue(kp, *rows: NewOutbox) -> None:
    async with kp.db.transaction() as repos:
        await repos.outbox.add(list(rows), kp.clock())


async def run_once(kp, sender: FakeSender) -> None:
    for claimed in await kp.dispatcher._claim(Channel.SMS, 100):
        await kp.dispatcher.send_one(sender, claimed)


async def statuses(kp) -> list[tuple[str, int, str | None]]:
    async with kp.db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT status, attempts, error FROM outbox ORDER BY id"
        )
    return [tuple(r) for r in rows]


def test_backoff_is_capped_exponential_with_jitter():
    backoff = Backoff(base_s=2, cap_s=60)
    assert [backoff.delay(n, 0.5) for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff.delay(20, 0.5) == 60
    assert backoff.delay(1, 0.0) == 1 and backoff.delay(1, 0.999) < 3


async def test_replies_go_before_bulk(tmp_path):
    sender = FakeSender()
    kp = await make_keyperson(tmp_path, sender=sender)
    await queue(kp, *[row(body=f"bulk {i}", priority=9) for i in range(3)])
    await queue(kp, row(body="reply", priority=1))
    await run_once(kp, sender)
    assert [m.body for m in sender.sent] == ["reply", "bulk 0", "bulk 1", "bulk 2"]
    await kp.stop()


async def test_temporary_failure_is_retried_later_then_sent(tmp_path):
    clock = Clock()
    sender = FakeSender()
    kp = await make_keyperson(tmp_path, clock, sender)
    kp.dispatcher.jitter = lambda: 0.5
    sender.failures = [SendError("429", retryable=True, code="429")]
    await queue(kp, row())
    await run_once(kp, sender)
    assert await statuses(kp) == [("queued", 1, "429")]
    await run_once(kp, sender)  # not due yet
    assert sender.sent == []
    clock.now += timedelta(seconds=2)
    await run_once(kp, sender)
    assert [s[0] for s in await statuses(kp)] == ["accepted"]  # Twilio said "queued"
    assert len(sender.sent) == 1
    await kp.stop()


async def test_retry_after_is_honoured(tmp_path):
    clock = Clock()
    sender = FakeSender()
    kp = await make_keyperson(tmp_path, clock, sender)
    sender.failures = [SendError("slow down", retryable=True, retry_after=30)]
    await queue(kp, row())
    await run_once(kp, sender)
    clock.now += timedelta(seconds=29)
    await run_once(kp, sender)
    assert sender.sent == []
    clock.now += timedelta(seconds=1)
    await run_once(kp, sender)
    assert len(sender.sent) == 1
    await kp.stop()


async def test_gives_up_after_max_attempts(tmp_path):
    clock = Clock()
    sender = FakeSender()
    kp = await make_keyperson(tmp_path, clock, sender)
    kp.dispatcher.backoff = Backoff(base_s=1, cap_s=1, max_attempts=3)
    sender.failures = [SendError("500", retryable=True)] * 3
    await queue(kp, row())
    for _ in range(3):
        await run_once(kp, sender)
        clock.now += timedelta(seconds=2)
    assert await statuses(kp) == [("failed", 3, "500")]
    await kp.stop()


@pytest.mark.parametrize(
    ("error", "opted_out", "unreachable"),
    [
        (SendError("21610", retryable=False, code="21610", opted_out=True), True, False),
        (SendError("21211", retryable=False, code="21211", unreachable=True), False, True),
    ],
)
async def test_permanent_failure_is_not_retried_and_changes_the_contact(
    tmp_path, error, opted_out, unreachable
):
    sender = FakeSender()
    kp = await make_keyperson(tmp_path, sender=sender)
    sender.failures = [error]
    await queue(kp, row())
    await run_once(kp, sender)
    await run_once(kp, sender)
    assert await statuses(kp) == [("failed", 1, error.reason)]
    async with kp.db.reading() as repos:
        assert await repos.people.opted_out("sms", LAURA) is opted_out
        assert (await repos.people.contact("sms", LAURA)).unreachable is unreachable
    await kp.stop()


async def test_unknown_outcome_is_marked_and_not_resent(tmp_path):
    sender = FakeSender()
    kp = await make_keyperson(tmp_path, sender=sender)
    sender.failures = [SendError("timeout after sending", retryable=False, unknown=True)]
    await queue(kp, row())
    await run_once(kp, sender)
    await run_once(kp, sender)
    assert await statuses(kp) == [("unknown", 1, "timeout after sending")]
    assert sender.sent == []
    await kp.stop()


async def test_claimed_rows_are_reconciled_not_resent_blindly_after_a_crash(tmp_path):
    clock = Clock()
    sender = FakeSender()  # a channel that cannot look its sends up
    kp = await make_keyperson(tmp_path, clock, sender)
    await queue(kp, row(), row(TOM))
    await kp.dispatcher._claim(Channel.SMS, 100)  # claimed, then the process died
    assert [s[0] for s in await statuses(kp)] == ["sending", "sending"]
    assert await kp.dispatcher.recover() == 2
    assert [s[0] for s in await statuses(kp)] == ["unknown", "unknown"]
    await run_once(kp, sender)
    assert sender.sent == []  # not at once: they may have gone
    clock.now += kp.dispatcher.reconciler.timing.blind_resend_after
    await kp.dispatcher._reconcile_due(Channel.SMS, sender, 100)
    await run_once(kp, sender)
    assert len(sender.sent) == 2  # sent again once, the duplicate risk recorded
    async with kp.db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT COUNT(*) FROM audit WHERE action = 'outbox.resent_unknown'"
        )
    assert next(iter(rows))[0] == 2
    await kp.stop()


async def test_status_callbacks_only_move_forward(tmp_path):
    sender = FakeSender()
    kp = await make_keyperson(tmp_path, sender=sender)
    await queue(kp, row())
    await run_once(kp, sender)
    sid = f"SM{1:032d}"
    await kp.dispatcher.status(sid, "delivered", None)
    await kp.dispatcher.status(sid, "sent", None)  # late and out of order
    assert [s[0] for s in await statuses(kp)] == ["delivered"]
    await kp.stop()


async def test_status_21610_marks_the_number_opted_out(tmp_path):
    sender = FakeSender()
    kp = await make_keyperson(tmp_path, sender=sender)
    await queue(kp, row())
    await run_once(kp, sender)
    await kp.dispatcher.status(f"SM{1:032d}", "failed", "21610")
    async with kp.db.reading() as repos:
        assert await repos.people.opted_out("sms", LAURA)
    await kp.stop()


async def test_dispatcher_run_sends_and_stops_cleanly(tmp_path):
    sender = FakeSender(rate_per_s=200)
    kp = await make_keyperson(tmp_path, sender=sender)
    await queue(kp, *[row(body=str(i)) for i in range(5)])
    await kp.start()
    kp.dispatcher.wake()
    for _ in range(200):
        if len(sender.sent) == 5:
            break
        import asyncio

        await asyncio.sleep(0.01)
    assert len(sender.sent) == 5
    await kp.stop()
    assert isinstance(kp.dispatcher, Dispatcher)
