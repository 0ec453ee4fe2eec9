"""The dispatcher: sends committed outbox rows, replies first, paced, retried with backoff."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain import Address, Channel, Outbound, PersonKind, Priority, RenderedChoice
from bot.errors import SendError
from bot.handlers.base import Sender
from bot.splitting import sms_rows
from bot.storage.sqlite import Database, Repos, from_iso, iso
from bot.storage.sqlite_messages import NewOutbox, OutboxRow

log = logging.getLogger(__name__)
SHUTDOWN_GRACE_S = 5.0
OPTED_OUT_CODE = "21610"  # Twilio: the recipient texted STOP


@dataclass(frozen=True, slots=True)
class Backoff:
    """Capped exponential backoff with jitter for temporary failures."""

    base_s: float = 2.0
    cap_s: float = 300.0
    max_attempts: int = 8

    def delay(self, attempts: int, jitter: float) -> float:
        """Seconds to wait after `attempts` tries; `jitter` in [0, 1) spreads retries out."""
        raw = min(self.cap_s, self.base_s * 2 ** max(0, attempts - 1))
        return raw * (0.5 + jitter)


class Pacer:
    """Spaces sends evenly to stay under a channel's rate limit."""

    def __init__(self, rate_per_s: float, clock: Callable[[], float]) -> None:
        self.interval = 1.0 / rate_per_s
        self.clock = clock
        self._next = 0.0

    async def wait(self) -> None:
        """Return when the next send may start."""
        now = self.clock()
        start = max(now, self._next)
        self._next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


class Dispatcher:
    """One lane per channel; each lane claims due rows by priority and sends them."""

    def __init__(
        self,
        db: Database,
        senders: Mapping[Channel, Sender],
        clock: Callable[[], datetime],
        backoff: Backoff = Backoff(),
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.db = db
        self.senders = dict(senders)
        self.clock = clock
        self.backoff = backoff
        self.jitter = jitter
        self._wake = {channel: asyncio.Event() for channel in self.senders}
        self._inflight: set[asyncio.Task[None]] = set()
        # A channel that answered "too many requests" is left alone until this loop time.
        self._paused_until: dict[str, float] = {}
        self._address_locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)

    def wake(self) -> None:
        """Tell every lane that new rows were committed."""
        for event in self._wake.values():
            event.set()

    async def recover(self) -> int:
        """After a crash, put rows caught mid-send back in the queue (at most those duplicate)."""
        async with self.db.transaction() as repos:
            return await repos.outbox.requeue_sending(iso(self.clock()))

    async def run(self) -> None:
        """Run every lane until cancelled; sends in flight are finished first."""
        await self.recover()
        lanes = [asyncio.create_task(self._lane(ch, s)) for ch, s in self.senders.items()]
        try:
            await asyncio.gather(*lanes)
        finally:
            for lane in lanes:
                lane.cancel()
            if self._inflight:
                # Give sends in flight a moment; any still running stay 'sending' and are
                # queued again on the next start (at most those are duplicated).
                await asyncio.wait(self._inflight, timeout=SHUTDOWN_GRACE_S)

    async def _lane(self, channel: Channel, sender: Sender) -> None:
        loop = asyncio.get_running_loop()
        pacer = Pacer(sender.rate_per_s, loop.time)
        batch = max(1, int(sender.rate_per_s))
        while True:
            pause = self._paused_until.get(channel.value, 0.0) - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            rows = await self._claim(channel, batch)
            for row in rows:
                await pacer.wait()
                task = asyncio.create_task(self.send_one(sender, row))
                self._inflight.add(task)
                task.add_done_callback(self._inflight.discard)
            if not rows:
                await self._sleep_until_due(channel)

    async def _claim(self, channel: Channel, limit: int) -> list[OutboxRow]:
        async with self.db.transaction() as repos:
            return await repos.outbox.claim_due(channel.value, iso(self.clock()), limit)

    async def _sleep_until_due(self, channel: Channel) -> None:
        async with self.db.reading() as repos:
            due = await repos.outbox.next_due_at(channel.value)
        wake = self._wake[channel]
        timeout = None
        if due is not None:
            timeout = max(0.0, (from_iso(due) - self.clock()).total_seconds())
        try:
            await asyncio.wait_for(wake.wait(), timeout)
        except TimeoutError:
            pass
        wake.clear()

    async def send_one(self, sender: Sender, row: OutboxRow) -> None:
        """Send one claimed row and record the outcome, after earlier rows to the same address."""
        key = (row.channel, row.address)
        # Tasks start in the order rows were claimed and an asyncio.Lock serves waiters first
        # come, first served, so a person's messages leave in the order they were written.
        async with self._address_locks[key]:
            await self._send_one(sender, row)
        if not self._address_locks[key].locked():
            self._address_locks.pop(key, None)

    async def _send_one(self, sender: Sender, row: OutboxRow) -> None:
        message = Outbound(
            outbox_id=row.id,
            address=Address(Channel(row.channel), row.address),
            body=row.body,
            choices=tuple(RenderedChoice.from_dict(c) for c in row.choices),
            priority=Priority(row.priority),
            attempts=row.attempts,
            recipient_kind=row.person_kind,
            photo=row.photo,
        )
        try:
            result = await sender.send(message)
        except SendError as error:
            await self._failed(row, error)
            return
        except Exception:
            log.exception("outbox %s: unexpected send error", row.id)
            await self._failed(row, SendError("unexpected error", retryable=True))
            return
        async with self.db.transaction() as repos:
            await repos.outbox.mark_sent(
                row.id, result.provider_id, result.status, iso(self.clock())
            )
        log.info("outbox %s sent on %s", row.id, row.channel)

    async def _failed(self, row: OutboxRow, error: SendError) -> None:
        now = self.clock()
        async with self.db.transaction() as repos:
            if error.unknown:
                # The request may have reached the provider: resending could duplicate it.
                await repos.outbox.mark_final(row.id, "unknown", error.reason, iso(now))
            elif error.retryable and row.attempts < self.backoff.max_attempts:
                delay = error.retry_after or self.backoff.delay(row.attempts, self.jitter())
                when = now + timedelta(seconds=delay)
                await repos.outbox.retry_later(row.id, iso(when), error.reason, iso(now))
            else:
                await repos.outbox.mark_final(row.id, "failed", error.reason, iso(now))
                if error.opted_out:
                    await repos.people.set_opted_out(row.channel, row.address, True, iso(now))
                if error.unreachable:
                    await repos.links.set_reachable(row.channel, row.address, False)
                    if row.essential:
                        await self._fall_back(repos, row, iso(now))
        # The lane may be asleep with no due time: let it see the retry's (or fallback's) time.
        self.wake()
        if error.retry_after:
            # The channel asked us to wait: every send on it waits, not only this one.
            loop_now = asyncio.get_running_loop().time()
            self._paused_until[row.channel] = loop_now + error.retry_after
        log.warning("outbox %s failed (%s, retryable=%s)", row.id, error.code, error.retryable)

    async def _fall_back(self, repos: Repos, row: OutboxRow, now: str) -> None:
        """Queue an essential message again on the person's other reachable channels."""
        if row.person_kind is None or row.person_id is None:
            return
        route = await repos.links.route(PersonKind(row.person_kind), row.person_id)
        others = [c for c in route.contacts if c.channel != row.channel]
        again = [
            NewOutbox(
                setting_id=c.setting_id,
                channel=c.channel,
                address=c.address,
                person_kind=row.person_kind,
                person_id=row.person_id,
                priority=row.priority,
                body=row.body,
                choices=row.choices,
                essential=True,
                thread=row.thread,
            )
            for c in others
        ]
        # A Telegram message can be longer than one SMS body: it goes in marked parts.
        await repos.outbox.add([part for new in again for part in sms_rows(new)], now)
        await repos.audit.record(
            row.setting_id,
            "system",
            "outbox.fallback" if others else "outbox.undeliverable",
            f"{row.person_kind}:{row.person_id}",
            {"outbox": row.id, "to": sorted({c.channel for c in others})},
            now,
        )

    async def status(self, provider_id: str, status: str, error_code: str | None) -> None:
        """Apply a delivery status callback: forward only; 21610 means the number opted out."""
        now = iso(self.clock())
        async with self.db.transaction() as repos:
            row = await repos.outbox.update_status(provider_id, status, error_code, now)
            if row is not None and error_code == OPTED_OUT_CODE:
                await repos.people.set_opted_out(row.channel, row.address, True, now)
        log.info("status %s for %s", status, provider_id)
