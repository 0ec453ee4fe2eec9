"""The dispatcher: sends committed outbox rows, replies first, paced, retried with backoff."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.domain.errors import SendError
from bot.domain.messages import (
    Address,
    Channel,
    Outbound,
    Priority,
    RenderedChoice,
    SendResult,
    Text,
)
from bot.engine.delivery import DEFAULT_TIMING, FindsSent, Reconciler, Timing, fall_back
from bot.engine.supervisor import Supervisor, describe
from bot.handlers.base import Sender
from bot.storage.repos import Repos, Store, Transaction
from bot.storage.rows import OutboxRow

log = logging.getLogger(__name__)
SHUTDOWN_GRACE_S = 5.0
OPTED_OUT_CODE = "21610"  # Twilio: the recipient texted STOP
CLOCK_JUMP_S = 30.0  # wall clock and monotonic clock disagreeing by more: the clock was set
RECORD_RETRY_CAP_S = 5.0
# An idle lane looks at the clock and the queue this often: it sees a clock set forward, and
# rows another process committed (keyperson broadcast queues into the server's database).
MAX_SLEEP_S = 0.5
ROUND_S = 0.25  # a lane claims this long's worth of sends at a time: a reply waits no longer
MAX_BATCH = 500
FEED_S = 0.5
LAST_SENT_KEPT = 4096  # chats whose last send time is kept, beyond those within their gap


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
    """Keeps a channel's sends under its rate limit and close to it: evenly spaced, and never
    more than `rate` requests within any second (measured when each one leaves, plus a margin),
    so a provider counting by the second never answers 429. A send waits here just before its
    request goes, so nothing between the two can bunch requests together."""

    MARGIN_S = 0.02
    UNLIMITED = 1_000.0  # at or above this a second, no pacing at all (a test, a benchmark)

    def __init__(self, rate_per_s: float, clock: Callable[[], float]) -> None:
        self.unlimited = rate_per_s >= self.UNLIMITED
        self.interval = 0.0 if self.unlimited else 1.0 / rate_per_s
        self.clock = clock
        self._next = 0.0
        self._left: deque[float] = deque(maxlen=max(1, int(rate_per_s)))  # when sends left
        self._turns = asyncio.Lock()  # first come, first served
        self._waiting = 0
        self._drained = asyncio.Event()
        self._drained.set()

    async def wait(self) -> None:
        """Return when the next send may start (the caller sends at once)."""
        if self.unlimited:
            return
        self._waiting += 1
        self._drained.clear()
        try:
            async with self._turns:
                planned: float | None = None
                while True:
                    now = self.clock()
                    start = max(now, self._next)
                    if len(self._left) == self._left.maxlen:
                        start = max(start, self._left[0] + 1.0 + self.MARGIN_S)
                    if start <= now:
                        break
                    planned = start
                    await asyncio.sleep(start - now)
                # The even spacing follows the plan, so a late wake-up is caught up on; the
                # one-second window follows when requests really left.
                self._next = (now if planned is None else planned) + self.interval
                self._left.append(now)
        finally:
            self._waiting -= 1
            if self._waiting == 0:
                self._drained.set()

    async def drained(self) -> None:
        """Return once no send is waiting for its turn."""
        await self._drained.wait()


_Outcome = tuple[OutboxRow, Callable[[Repos], Awaitable[None]], "asyncio.Future[None]"]


class Dispatcher:
    """One lane per channel; each lane claims due rows fairly by priority and sends them.

    What is recorded around a send: the claim (status 'sending', the attempt's start) is
    committed before the request leaves; the outcome after it. A crash between the two leaves
    'sending', which the next start treats as unknown and reconciles, never as unsent. An
    outcome that cannot be written (the database locked or full) is kept and written again
    until it is.
    """

    def __init__(
        self,
        db: Store,
        senders: Mapping[Channel, Sender],
        clock: Callable[[], datetime],
        backoff: Backoff = Backoff(),
        jitter: Callable[[], float] = random.random,
        supervisor: Supervisor | None = None,
        timing: Timing = DEFAULT_TIMING,
        render: Callable[[Text, str], str] = lambda text, language: text.key,
    ) -> None:
        self.db = db
        self.senders = dict(senders)
        self.clock = clock
        self.backoff = backoff
        self.jitter = jitter
        self.supervisor = supervisor or Supervisor(is_storage_error=db.is_error)
        self.reconciler = Reconciler(timing, clock)
        self.render = render
        self._wake = {channel: asyncio.Event() for channel in self.senders}
        self._inflight: set[asyncio.Task[None]] = set()
        self._busy: dict[str, Counter[str]] = defaultdict(Counter)  # addresses mid-send
        # A channel that answered "too many requests" is left alone until this loop time.
        self._paused_until: dict[str, float] = {}
        self._address_locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)
        self._last_seen: tuple[datetime, float] | None = None
        # Work that queues rows in bulk, run beside the lanes (bot.admin.broadcasts).
        self.feeds: list[Callable[[], Awaitable[int]]] = []
        self._last_sent: dict[tuple[str, str], float] = {}  # loop time of each chat's last send
        self._outcomes: deque[_Outcome] = deque()  # send outcomes waiting to be written
        self._writer: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Tell every lane that new rows were committed."""
        for event in self._wake.values():
            event.set()

    async def recover(self) -> int:
        """After a crash: rows caught mid-send may have gone, so their outcome is unknown and
        they are reconciled (looked up, or sent again once) rather than sent again blindly."""
        now = self.clock()
        count = 0
        async with self.db.transaction() as repos:
            for channel, sender in self.senders.items():
                when = self.reconciler.first_check(sender, _NEVER_RESENT, now) or now
                blind = not isinstance(sender, FindsSent)
                count += await repos.outbox.interrupted(channel.value, now, when, blind)
        if count:
            log.warning("%d send(s) interrupted by the last stop: reconciling them", count)
        return count

    async def run(self) -> None:
        """Run every lane until cancelled; sends in flight are finished first."""
        while True:
            try:
                await self.recover()
                break
            except Exception as error:
                await self.supervisor.failed("dispatcher", error, "recover")
        self.supervisor.ok("dispatcher")
        lanes = [
            self.supervisor.spawn(f"dispatcher.{ch.value}", functools.partial(self._lane, ch, s))
            for ch, s in self.senders.items()
        ]
        if self.feeds:
            lanes.append(self.supervisor.spawn("dispatcher.feed", self._feed))
        try:
            await asyncio.gather(*lanes)
        finally:
            for lane in lanes:
                lane.cancel()
            if self._inflight:
                # Give sends in flight a moment; any still running stay 'sending' and are
                # reconciled on the next start (at most those are duplicated).
                await asyncio.wait(self._inflight, timeout=SHUTDOWN_GRACE_S)

    async def _lane(self, channel: Channel, sender: Sender) -> None:
        loop = asyncio.get_running_loop()
        pacer = Pacer(sender.rate_per_s, loop.time)
        # Claimed a quarter second's worth at a time, so a reply, a concern or a safeguarding
        # message committed now is claimed (first: lanes claim by priority) within ROUND_S,
        # however much bulk is queued behind it.
        batch = max(1, min(MAX_BATCH, int(sender.rate_per_s * ROUND_S)))
        name = f"dispatcher.{channel.value}"
        while True:
            try:
                await self._round(channel, sender, pacer, batch)
            except Exception as error:
                await self.supervisor.failed(name, error, f"{channel.value} lane")
                continue
            self.supervisor.ok(name)

    async def _feed(self) -> None:
        """Run the feeds (work that queues outbox rows in bulk, such as broadcasts asked for
        from a phone) every FEED_S, and wake the lanes when they queued something."""
        while True:
            try:
                queued = sum([await feed() for feed in self.feeds])
            except Exception as error:
                await self.supervisor.failed("dispatcher.feed", error, "feed")
                continue
            self.supervisor.ok("dispatcher.feed")
            if queued:
                self.wake()
            await asyncio.sleep(FEED_S)

    async def _round(self, channel: Channel, sender: Sender, pacer: Pacer, batch: int) -> None:
        """One turn of a lane: reconcile what is due, claim and start sends, or sleep."""
        loop = asyncio.get_running_loop()
        pause = self._paused_until.get(channel.value, 0.0) - loop.time()
        if pause > 0:
            await asyncio.sleep(pause)
        await self._after_clock_jump()
        await self._reconcile_due(channel, sender, batch)
        in_flight = max(4 * batch, min(int(2 * sender.rate_per_s), 4 * MAX_BATCH))
        while len(self._inflight) >= in_flight:
            # The provider is slow (or hanging): claim no more than can be in flight.
            await asyncio.wait(set(self._inflight), return_when=asyncio.FIRST_COMPLETED)
        rows = await self._claim(channel, batch)
        for row in rows:
            self._busy[row.channel][row.address] += 1
            task = asyncio.create_task(self.send_one(sender, row, pacer))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
        if rows:
            # The next round's claim waits until these have left, so it sees what was
            # committed meanwhile (a reply goes before the bulk claimed after it).
            await asyncio.sleep(0)
            await pacer.drained()
        else:
            await self._sleep_until_due(channel)

    async def _claim(self, channel: Channel, limit: int) -> list[OutboxRow]:
        busy = [address for address, n in self._busy[channel.value].items() if n > 0]
        async with self.db.transaction() as repos:
            return await repos.outbox.claim_due(channel.value, self.clock(), limit, busy)

    async def _sleep_until_due(self, channel: Channel) -> None:
        async with self.db.reading() as repos:
            due = await repos.outbox.next_due_at(channel.value)
            check = await repos.delivery.next_reconcile_at(channel.value)
        wake = self._wake[channel]
        timeout = MAX_SLEEP_S
        soonest = min((d for d in (due, check) if d is not None), default=None)
        if soonest is not None:
            timeout = min(timeout, max(0.0, (soonest - self.clock()).total_seconds()))
        try:
            await asyncio.wait_for(wake.wait(), timeout)
        except TimeoutError:
            pass
        wake.clear()

    async def _after_clock_jump(self) -> None:
        """A clock set back would hold every retry back by as much: bring them forward."""
        now, mono = self.clock(), time.monotonic()
        last, self._last_seen = self._last_seen, (now, mono)
        if last is None:
            return
        drift = (now - last[0]).total_seconds() - (mono - last[1])
        if drift > -CLOCK_JUMP_S:
            return
        latest_retry = now + timedelta(seconds=self.backoff.cap_s * 1.5)
        latest_check = now + self.reconciler.timing.reconcile_after * 2
        async with self.db.transaction() as repos:
            moved = await repos.delivery.after_clock_jump(now, latest_retry, latest_check)
        log.warning("the clock went back %.0f s: %d retry time(s) brought forward", -drift, moved)

    async def _reconcile_due(self, channel: Channel, sender: Sender, limit: int) -> None:
        async with self.db.reading() as repos:
            rows = await repos.delivery.due_unknown(channel.value, self.clock(), limit)
        for row in rows:
            async with self.db.transaction() as repos:
                outcome = await self.reconciler.settle(repos, sender, row, _message(row))
            log.info("outbox %s unknown outcome: %s", row.id, outcome)
        if rows:
            self.wake()

    async def send_one(self, sender: Sender, row: OutboxRow, pacer: Pacer | None = None) -> None:
        """Send one claimed row and record the outcome, after earlier rows to the same address,
        in its turn on the channel (`pacer`) and, where the channel asks for one (Telegram:
        a second), after a gap since the last send to the same chat."""
        key = (row.channel, row.address)
        try:
            # Tasks start in the order rows were claimed and an asyncio.Lock serves waiters
            # first come, first served, so a person's messages leave in the order written.
            async with self._address_locks[key]:
                await self._chat_gap(sender, key)
                if pacer is not None:
                    await pacer.wait()
                self._last_sent[key] = asyncio.get_running_loop().time()
                await self._send_one(sender, row)
            if not self._address_locks[key].locked():
                self._address_locks.pop(key, None)
        finally:
            busy = self._busy[row.channel]
            busy[row.address] -= 1
            if busy[row.address] <= 0:
                del busy[row.address]

    async def _chat_gap(self, sender: Sender, key: tuple[str, str]) -> None:
        """Wait out the channel's gap between two sends to one chat before taking a turn, so
        a turn is never spent waiting inside the sender (which would bunch requests)."""
        gap = float(getattr(sender, "chat_gap_s", 0.0) or 0.0)
        last = self._last_sent.get(key)
        if not gap or last is None:
            return
        loop = asyncio.get_running_loop()
        wait = last + gap - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        if len(self._last_sent) > LAST_SENT_KEPT:
            now = loop.time()
            self._last_sent = {k: t for k, t in self._last_sent.items() if now - t < gap}

    async def _send_one(self, sender: Sender, row: OutboxRow) -> None:
        message = _message(row)
        try:
            result: SendResult | SendError = await sender.send(message)
        except SendError as refused:
            result = refused
        except Exception as unexpected:
            # Raised after the request may have left: reconciled, never blindly repeated.
            log.exception("outbox %s: unexpected send error", row.id)
            name = type(unexpected).__name__
            result = SendError("unexpected error", retryable=False, unknown=True, code=name)
        if isinstance(result, SendError):
            failure = result
            await self._record(row, lambda repos: self._failed(repos, row, failure, sender))
            self._after_failure(row, failure)
            return
        sent = result
        await self._record(row, lambda repos: self._sent(repos, row, sent))
        log.info("outbox %s sent on %s", row.id, row.channel)

    async def _record(self, row: OutboxRow, write: Callable[[Repos], Awaitable[None]]) -> None:
        """Write a send's outcome, again and again while the storage fails: the send happened
        and must not be repeated because its record was lost. Outcomes that arrive together
        are written in one transaction (one wait for the disk, not one per send)."""
        done = asyncio.get_running_loop().create_future()
        self._outcomes.append((row, write, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_outcomes())
        await asyncio.shield(done)

    async def _write_outcomes(self) -> None:
        """Drain the outcomes waiting to be written, a transaction at a time."""
        pause = 0.05
        while self._outcomes:
            batch = list(self._outcomes)
            try:
                async with self.db.transaction() as repos:
                    for row, write, _ in batch:
                        await self._write_one(repos, row, write)
            except Exception as error:
                if not self.db.is_failure(error):
                    # Not the storage's: each row stays 'sending' and is reconciled on restart.
                    log.exception("outbox: %d outcome(s) not recorded", len(batch))
                    self._settle(batch)
                    continue
                log.warning(
                    "outbox: %d outcome(s) not recorded yet (%s); retrying in %.1f s",
                    len(batch), describe(error, storage=True), pause,
                )  # fmt: skip
                await asyncio.sleep(pause)
                pause = min(pause * 2, RECORD_RETRY_CAP_S)
                continue
            pause = 0.05
            self._settle(batch)

    async def _write_one(
        self, repos: Transaction, row: OutboxRow, write: Callable[[Repos], Awaitable[None]]
    ) -> None:
        try:
            async with repos.savepoint():
                await write(repos)
        except Exception as error:
            if self.db.is_failure(error):
                raise  # the storage's: the whole batch is written again
            # This row's outcome alone is not written; it stays 'sending' and is reconciled.
            log.exception("outbox %s: outcome not recorded", row.id)

    def _settle(self, batch: list[_Outcome]) -> None:
        for _ in batch:
            self._outcomes.popleft()
        for _, _, done in batch:
            if not done.done():
                done.set_result(None)

    async def _sent(self, repos: Repos, row: OutboxRow, result: SendResult) -> None:
        stamp = self.clock()
        await repos.outbox.mark_sent(row.id, result.provider_id, result.status, stamp)

    async def _failed(self, repos: Repos, row: OutboxRow, error: SendError, sender: Sender) -> None:
        now = self.clock()
        if error.unknown:
            # The request may have reached the provider: reconciled, never blindly repeated.
            when = self.reconciler.first_check(sender, row, now)
            await repos.outbox.mark_unknown(row.id, error.reason, now, when if when else None)
            return
        if error.retryable and row.attempts < self.backoff.max_attempts:
            delay = error.retry_after or self.backoff.delay(row.attempts, self.jitter())
            when = now + timedelta(seconds=delay)
            await repos.outbox.retry_later(row.id, when, error.reason, now)
            return
        await repos.outbox.mark_final(row.id, "failed", error.reason, now)
        if error.opted_out:
            await repos.people.set_opted_out(row.channel, row.address, True, now)
        if error.unreachable:
            await repos.links.set_reachable(row.channel, row.address, False)
        if row.essential and not error.opted_out:
            await fall_back(repos, row, now, self.render)

    def _after_failure(self, row: OutboxRow, error: SendError) -> None:
        # The lane may be asleep with no due time: let it see the retry's (or fallback's) time.
        self.wake()
        if error.retry_after:
            # The channel asked us to wait: every send on it waits, not only this one.
            loop_now = asyncio.get_running_loop().time()
            self._paused_until[row.channel] = loop_now + error.retry_after
        log.warning(
            "outbox %s failed (%s, retryable=%s, unknown=%s)",
            row.id, error.code, error.retryable, error.unknown,
        )  # fmt: skip

    async def status(self, provider_id: str, status: str, error_code: str | None) -> None:
        """Apply a delivery status callback: forward only; 21610 means the number opted out."""
        now = self.clock()
        async with self.db.transaction() as repos:
            row = await repos.outbox.update_status(provider_id, status, error_code, now)
            if row is not None and error_code == OPTED_OUT_CODE:
                await repos.people.set_opted_out(row.channel, row.address, True, now)
        log.info("status %s for %s", status, provider_id)


def _message(row: OutboxRow) -> Outbound:
    """What a sender is given for one outbox row."""
    return Outbound(
        outbox_id=row.id,
        address=Address(Channel(row.channel), row.address),
        body=row.body,
        choices=tuple(RenderedChoice.from_dict(c) for c in row.choices),
        priority=Priority(row.priority),
        attempts=row.attempts,
        recipient_kind=row.person_kind,
        photo=row.photo,
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A stand-in for "a row not yet resent", for when an interrupted send is first checked.
_NEVER_RESENT = OutboxRow(0, None, "", "", None, None, 0, "", [], "sending", 0, None, _EPOCH)
