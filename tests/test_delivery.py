"""What is recorded around a send, unknown outcomes reconciled, and final failures passed on."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.domain.errors import SendError
from bot.domain.messages import Channel, Outbound, SendResult
from bot.engine.outbox import _message
from bot.storage.rows import NewOutbox
from tests.faults.inject import write_lock_held
from tests.harness import LAURA, SARAH, TOM, Clock, FakeSender, make_keyperson, say


class LookingSender(FakeSender):
    """A fake SMS channel that, like Twilio, can list what it sent to a number."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0
        self.lookup_fails = 0
        self.delivered_unseen: list[Outbound] = []  # arrived, but the answer was lost

    async def find_sent(self, message: Outbound, since: datetime) -> list[SendResult]:
        self.lookups += 1
        if self.lookup_fails:
            self.lookup_fails -= 1
            raise SendError("lookup failed", retryable=True)
        return [
            SendResult(f"SMlost{m.outbox_id}", "delivered")
            for m in self.delivered_unseen
            if m.address == message.address and m.body == message.body
        ]


class Exploding(FakeSender):
    """Sends, then fails reading the answer: a bug after the request left."""

    async def send(self, message: Outbound) -> SendResult:
        self.sent.append(message)
        raise KeyError("sid")


def row(address: str = LAURA, body: str = "hello", **more: object) -> NewOutbox:
    return NewOutbox(1, "sms", address, "carer", 1, 5, body, [], **more)  # type: ignore[arg-type]


async def queue(kp, *rows: NewOutbox) -> None:
    async with kp.db.transaction() as repos:
        await repos.outbox.add(list(rows), kp.clock())


async def run_once(kp, sender) -> None:
    await kp.dispatcher._reconcile_due(Channel.SMS, sender, 100)
    for claimed in await kp.dispatcher._claim(Channel.SMS, 100):
        await kp.dispatcher.send_one(sender, claimed)


async def rows(kp, sql: str = "SELECT status, attempts, provider_id FROM outbox ORDER BY id"):
    async with kp.db.reading() as repos:
        return [tuple(r) for r in await repos.conn.execute_fetchall(sql)]


async def test_an_unexpected_error_after_the_request_left_is_unknown_not_retried(tmp_path):
    sender = Exploding()
    kp = await make_keyperson(tmp_path, sender=sender)
    await queue(kp, row())
    await run_once(kp, sender)
    await run_once(kp, sender)
    assert [r[0] for r in await rows(kp)] == ["unknown"]
    assert len(sender.sent) == 1  # never blindly sent again
    await kp.stop()


async def test_an_outcome_that_cannot_be_written_is_written_later_not_resent(tmp_path):
    sender = FakeSender()
    kp = await make_keyperson(tmp_path, sender=sender)
    kp.db.busy_timeout_s, kp.db.busy_wait_s = 0.1, 0.2
    await queue(kp, row())
    (claimed,) = await kp.dispatcher._claim(Channel.SMS, 10)
    async with write_lock_held(tmp_path / "k.db", 1.0):
        # The send goes out while another process holds the lock: recording it must wait.
        await kp.dispatcher.send_one(sender, claimed)
    assert await rows(kp) == [("accepted", 1, f"SM{claimed.id:032d}")]
    assert await kp.dispatcher.recover() == 0  # nothing left 'sending' to send again
    assert len(sender.sent) == 1
    await kp.stop()


async def test_after_a_crash_mid_send_sms_is_looked_up_and_not_sent_twice(tmp_path):
    clock = Clock()
    sender = LookingSender()
    kp = await make_keyperson(tmp_path, clock, sender)
    await queue(kp, row(body="delivered before the crash"), row(TOM, body="never left"))
    claimed = await kp.dispatcher._claim(Channel.SMS, 10)
    sender.delivered_unseen = [_message(c) for c in claimed[:1]]
    assert await kp.dispatcher.recover() == 2  # the process died with both 'sending'
    await run_once(kp, sender)
    assert sender.lookups == 0 and sender.sent == []  # not before Twilio has had time
    clock.now += kp.dispatcher.reconciler.timing.reconcile_after
    await run_once(kp, sender)
    assert await rows(kp) == [
        ("delivered", 1, f"SMlost{claimed[0].id}"),
        ("accepted", 2, f"SM{claimed[1].id:032d}"),
    ]
    assert [m.body for m in sender.sent] == ["never left"]
    await kp.stop()


async def test_a_failing_lookup_is_asked_again_then_reported(tmp_path):
    clock = Clock()
    sender = LookingSender()
    kp = await make_keyperson(tmp_path, clock, sender)
    sender.failures = [SendError("read timeout", retryable=False, unknown=True)]
    sender.lookup_fails = 99
    await queue(kp, row())
    await run_once(kp, sender)
    timing = kp.dispatcher.reconciler.timing
    clock.now += timing.reconcile_after
    for _ in range(timing.max_checks):
        await run_once(kp, sender)
        clock.now += timedelta(days=1)
    assert sender.lookups == timing.max_checks and sender.sent == []
    async with kp.db.reading() as repos:
        (line,) = await repos.delivery.report(clock.now - timedelta(days=30))
    assert line.status == "unknown" and line.reconcile_at is None  # given up, and reported
    await kp.stop()


async def test_telegram_unknown_is_sent_again_once_and_the_risk_recorded(tmp_path):
    clock = Clock()
    sender = FakeSender()  # no lookup, as on Telegram
    kp = await make_keyperson(tmp_path, clock, sender)
    sender.failures = [SendError("no answer", retryable=False, unknown=True)] * 2
    await queue(kp, row())
    await run_once(kp, sender)
    clock.now += kp.dispatcher.reconciler.timing.blind_resend_after
    await run_once(kp, sender)  # sent again: unknown again
    clock.now += timedelta(days=1)
    await run_once(kp, sender)
    assert sender.sent == [] and [r[0] for r in await rows(kp)] == ["unknown"]
    audit = await rows(kp, "SELECT action FROM audit WHERE action LIKE 'outbox.%'")
    assert audit == [("outbox.resent_unknown",)]
    await kp.stop()


async def test_a_carers_message_no_staff_phone_took_goes_to_the_managers(tmp_path):
    sender = FakeSender()
    kp = await make_keyperson(tmp_path, sender=sender)
    await say(kp, LAURA, "Hi")
    await say(kp, LAURA, "Amelia has a temperature, can you call me?")
    for claimed in await kp.dispatcher._claim(Channel.SMS, 10):
        if claimed.address == TOM:  # Tom's only phone cannot be reached
            sender.failures = [SendError("unroutable", retryable=False, unreachable=True)]
        await kp.dispatcher.send_one(sender, claimed)
    await run_once(kp, sender)
    to_sarah = [m for m in sender.sent if m.address.value == SARAH]
    assert len(to_sarah) == 1
    assert "could not reach" in to_sarah[0].body and "temperature" in to_sarah[0].body
    assert "Tom Baker" in to_sarah[0].body
    actions = await rows(kp, "SELECT action FROM audit WHERE action LIKE 'outbox.%'")
    assert actions == [("outbox.to_managers",)]
    await kp.stop()


async def test_a_dispatcher_lane_survives_a_locked_database(tmp_path):
    sender = FakeSender(rate_per_s=100)
    kp = await make_keyperson(tmp_path, sender=sender)
    kp.db.busy_timeout_s, kp.db.busy_wait_s = 0.05, 0.1
    kp.supervisor.backoff_base_s = 0.01
    await kp.start()
    async with write_lock_held(tmp_path / "k.db", 0.8):
        kp.dispatcher.wake()
        await asyncio.sleep(0.3)
    await queue(kp, row())
    kp.dispatcher.wake()
    for _ in range(300):
        if sender.sent:
            break
        await asyncio.sleep(0.01)
    assert len(sender.sent) == 1
    assert not kp.supervisor.tasks["dispatcher.sms"].dead
    await kp.stop()


async def test_a_crash_mid_resend_on_a_channel_without_lookup_is_reported_not_resent(tmp_path):
    clock = Clock()
    sender = FakeSender()  # no lookup, as on Telegram
    kp = await make_keyperson(tmp_path, clock, sender)
    sender.failures = [SendError("no answer", retryable=False, unknown=True)]
    await queue(kp, row())
    await run_once(kp, sender)
    clock.now += kp.dispatcher.reconciler.timing.blind_resend_after
    await kp.dispatcher._reconcile_due(Channel.SMS, sender, 10)  # sent again once…
    await kp.dispatcher._claim(Channel.SMS, 10)  # …and the process dies mid-send
    assert await kp.dispatcher.recover() == 1
    clock.now += timedelta(days=1)
    await run_once(kp, sender)
    assert sender.sent == []  # a third try could make it three: it is reported instead
    assert await rows(kp, "SELECT status, reconcile_at FROM outbox") == [("unknown", None)]
    await kp.stop()
