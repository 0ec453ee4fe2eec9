"""Faults injected into the running app (in this process): a lock held by another process, a
full disk, Twilio and Telegram timeouts, dropped connections, 500s and 429s, a clock jump."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

from bot.storage.rows import NewOutbox
from bot.storage.sqlite.inbound import inbound_path
from tests.faults.app import FAULT_TUNING, FaultApp, fault_app
from tests.faults.inject import disk_full, write_lock_held
from tests.faults.ledger import Ledger, count_inbound, count_outbound, count_reported, settled


async def finish(app: FaultApp, fault: str, **notes: object) -> Ledger:
    """Wait for everything to settle, then count."""
    done = await settled(app.db)
    ledger = Ledger(fault, notes={"refused_then_retried": app.refused, **notes})
    count_inbound(ledger, app.db, app.acknowledged)
    telegram = app.telegram.sent if app.telegram else None
    count_outbound(ledger, app.db, app.twilio.messages, telegram)
    await count_reported(ledger, app.db)
    assert done or ledger.not_settled, "inbound rows left unhandled"
    return ledger


async def test_the_write_lock_held_ten_seconds_by_another_process(tmp_path):
    production_waits = dataclasses.replace(FAULT_TUNING, busy_timeout_s=5.0, busy_wait_s=12.0)
    async with fault_app(tmp_path, production_waits) as app:
        await app.load(30)
        # A backup or a sqlite3 prompt may hold either file: here both, the inbound one too.
        async with write_lock_held(app.db, 10.0, inbound_path(app.db)) as holder:
            during = asyncio.create_task(app.load(30, start=30))
            await asyncio.to_thread(holder.wait)
            await during
        ledger = await finish(app, "write lock held 10 s")
    assert ledger.acknowledged_inbound == 60
    ledger.check()


async def test_a_full_disk_during_inbound_load_and_sends(tmp_path):
    async with fault_app(tmp_path) as app:
        load = asyncio.create_task(app.load(60))
        await asyncio.sleep(0.2)
        async with disk_full(app.keyperson.db) as refused:
            await asyncio.sleep(0.5)
        await load
        ledger = await finish(app, "disk full 0.5 s", writes_refused=len(refused))
    assert refused and ledger.acknowledged_inbound == 60
    ledger.check()


async def test_twilio_timeouts_dropped_connections_500s_and_429s(tmp_path):
    async with fault_app(tmp_path) as app:
        twilio = app.twilio
        twilio.hang_next(times=2)  # no answer: the sender times out after sending
        twilio.drop_next(created=True, times=2)  # the answer lost, the message made
        twilio.drop_next(created=False, times=2)  # lost before Twilio made it
        twilio.fail_next(500, times=3)
        twilio.fail_next(429, retry_after="1")
        twilio.fail_list_next(503)  # and one reconciling lookup fails
        twilio.opted_out.add("+447400200002")  # Dan texted STOP to Twilio itself: 21610
        await app.load(45)
        ledger = await finish(app, "twilio faults")
        ledger.notes["lookups"] = len(twilio.lists)
    assert ledger.failed >= 1  # Dan's messages: refused for good, and reported
    ledger.check()


async def test_telegram_timeouts_dropped_connections_500s_and_429s(tmp_path):
    async with fault_app(tmp_path, telegram=True) as app:
        telegram = app.telegram
        assert telegram is not None
        for _ in range(2):
            telegram.hang_next("sendMessage")
        telegram.drop_next("sendMessage", delivered=True)
        telegram.drop_next("sendMessage", delivered=False)
        telegram.fail_next("sendMessage", 500, "Internal Server Error")
        telegram.fail_next("sendMessage", 502, "Bad Gateway")
        telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", 1)
        telegram.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
        kp = app.keyperson
        rows = [
            NewOutbox(kp.setting_id, "telegram", str(7000 + n % 10), None, None, 9,
                      f"Workshop invitation {n:03d}", [])
            for n in range(40)
        ]  # fmt: skip
        async with kp.db.transaction() as repos:
            await repos.outbox.add(rows, kp.clock())
        kp.dispatcher.wake()
        await app.load(15)
        ledger = await finish(app, "telegram faults")
    assert ledger.failed == 1  # the chat that blocked the bot
    ledger.check()


async def test_the_clock_jumps_back_and_forward_during_retries(tmp_path):
    async with fault_app(tmp_path) as app:
        app.twilio.fail_next(500, times=10)
        load = asyncio.create_task(app.load(30))
        await asyncio.sleep(0.3)
        app.clock.advance(timedelta(hours=-1))  # retries now look an hour away
        await asyncio.sleep(0.3)
        app.clock.advance(timedelta(hours=2))  # and now long overdue
        await load
        ledger = await finish(app, "clock jumps -1 h then +2 h")
    ledger.check()
