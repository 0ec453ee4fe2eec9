"""Inbound → stored once → handled in order per contact: flow step and effects in one commit."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.domain.messages import Channel, Inbound, InboundKind, RenderedChoice
from bot.domain.people import PersonKind
from bot.engine.caps import DEFAULT_LIMITS, Caps, InboundBudget, Limits
from bot.engine.effects import NUMBERS, Effects
from bot.engine.lookup import Lookup
from bot.engine.supervisor import Supervisor
from bot.flows.base import (
    ChoiceMade,
    ContactShared,
    Context,
    Event,
    LinkAsked,
    NotPassedOn,
    PhotoShared,
    ReachChanged,
    Signal,
    State,
    TextReceived,
    TimerFired,
    Transition,
)
from bot.language.choices import carrier_word, match_choice, numbered
from bot.storage.repos import Repos, Store, Transaction
from bot.storage.rows import InboundRow

log = logging.getLogger(__name__)
BATCH = 8  # rows handled per transaction: short enough that acknowledgements never wait long
YIELD_SHARE = 2.0  # under webhook load, pause this many times as long as the last batch took
YIELD_CAP_S = 0.25  # but never longer: a batch that waited out a lock is no measure of load
DEFERRED_TURN = 4  # every so many batches, senders beyond their budget go first: none starves
TASK = "router"
STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"  # received_at in a stored message, sortable as text


def yield_pause(batch_s: float) -> float:
    """How long the worker steps back for webhooks after a batch that took `batch_s`."""
    return min(batch_s * YIELD_SHARE, YIELD_CAP_S)


def to_payload(inbound: Inbound) -> dict[str, Any]:
    """An Inbound as stored JSON."""
    return {
        "channel": inbound.channel.value,
        "address": inbound.address,
        "external_id": inbound.external_id,
        "received_at": inbound.received_at.astimezone(UTC).strftime(STAMP),
        "text": inbound.text,
        "choice": inbound.choice,
        "kind": inbound.kind.value,
        "display_name": inbound.display_name,
        "reply_to": inbound.reply_to,
        "media": inbound.media,
        "language": inbound.language,
        "timer": dict(inbound.timer) if inbound.timer is not None else None,
    }


def from_payload(payload: dict[str, Any]) -> Inbound:
    """An Inbound back from stored JSON."""
    return Inbound(
        channel=Channel(payload["channel"]),
        address=payload["address"],
        external_id=payload["external_id"],
        received_at=datetime.fromisoformat(payload["received_at"]),
        text=payload.get("text") or "",
        choice=payload.get("choice"),
        kind=InboundKind(payload.get("kind", "message")),
        display_name=payload.get("display_name"),
        reply_to=payload.get("reply_to"),
        media=payload.get("media"),
        language=payload.get("language"),
        timer=payload.get("timer"),
    )


class _RowFailed(Exception):
    """A row of a batch failed: the batch's savepoint is undone and rows go one by one."""


class Router:
    """Stores inbound messages (persist, then acknowledge) and handles them in a worker task."""

    def __init__(
        self,
        db: Store,
        lookup: Lookup,
        effects: Effects,
        clock: Callable[[], datetime],
        on_queued: Callable[[], None] = lambda: None,
        supervisor: Supervisor | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.db = db
        self.lookup = lookup
        self.registry = lookup.registry
        self.effects = effects
        self.clock = clock
        self.on_queued = on_queued
        self.supervisor = supervisor or Supervisor(is_storage_error=db.is_error)
        self.budget = InboundBudget(limits, clock)
        self.caps = Caps(limits, lookup.profile.time_zone)
        self._pending: list[tuple[Inbound, asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._work = asyncio.Event()
        self._accepted = 0
        self._turn = 0
        self._batch_ids: list[int] = []
        self._errors: dict[int, str] = {}  # the batch's rows that failed, with the error's name
        self._locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)

    async def accept(self, inbound: Inbound) -> bool:
        """Store one inbound message durably; True if new, False for a redelivery.

        Raises when it cannot be stored (a full disk, a lock held too long): the webhook then
        answers 5xx and the provider delivers it again later.
        """
        self._accepted += 1
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((inbound, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        # Group commit: every request that arrived while the last commit ran shares the next.
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                stamp = self.clock()
                # Beyond a sender's budget a message is stored now and handled later.
                within = [self.budget.admit(m.channel.value, m.address) for m, _ in batch]
                # The inbound file: never waits for the worker's transaction on the main one.
                async with self.db.inbound.transaction() as inbox:
                    ids = [
                        await inbox.store(
                            m.channel.value,
                            m.external_id,
                            m.address,
                            to_payload(m),
                            stamp,
                            deferred=not admitted,
                        )
                        for (m, _), admitted in zip(batch, within, strict=True)
                    ]
            except Exception as exc:
                for _, future in batch:
                    future.set_exception(exc)
                continue
            for (_, future), stored in zip(batch, ids, strict=True):
                future.set_result(stored is not None)
            self._work.set()

    async def run(self) -> None:
        """Handle stored rows until cancelled; rows left by a crash are handled first.

        A failed batch (the database locked or full) is rolled back, logged with its row ids
        and tried again after a pause; it never ends the loop.
        """
        loop = asyncio.get_running_loop()
        await self._load_deferring()
        await self._reconcile()
        while True:
            started, accepted = loop.time(), self._accepted
            try:
                handled = await self.handle_batch()
            except Exception as error:
                ids = ",".join(map(str, self._batch_ids)) or "none"
                await self.supervisor.failed(TASK, error, f"inbound {ids}")
                continue
            self.supervisor.ok(TASK)
            if handled == 0:
                await self._work.wait()
                self._work.clear()
            elif self._accepted != accepted:
                # Webhooks are arriving: leave the loop to them for a while, so acknowledgements
                # stay fast under load; the stored rows are handled as soon as it eases.
                await asyncio.sleep(yield_pause(loop.time() - started))

    async def _load_deferring(self) -> None:
        """After a restart: senders with deferred rows keep deferring until those are handled."""
        while True:
            try:
                async with self.db.inbound.reading() as inbox:
                    self.budget.deferring = set(await inbox.deferred_senders())
                return
            except Exception as error:
                await self.supervisor.failed(TASK, error, "deferred senders")

    async def _reconcile(self) -> None:
        """After a crash: rows handled (recorded in the main file) but not yet marked in the
        inbound file are marked now, never handled again."""
        while True:
            try:
                async with self.db.inbound.reading() as inbox:
                    waiting = await inbox.unhandled_ids()
                async with self.db.reading() as repos:
                    done = await repos.handled.among(waiting)
                if done:
                    marks = [(i, None) for i in sorted(done)]
                    async with self.db.inbound.transaction() as inbox:
                        await inbox.mark_handled(marks, self.clock())
                    log.info("inbound: %d rows handled before a restart marked", len(done))
                return
            except Exception as error:
                await self.supervisor.failed(TASK, error, "inbound reconcile")

    async def drain(self) -> None:
        """Handle every stored row now (tests and tools use this; the worker does it live)."""
        while True:
            if self._flusher is not None:
                await self._flusher
            if await self.handle_batch() == 0 and not self._pending:
                return

    async def handle_batch(self) -> int:
        """Handle up to BATCH stored rows in one transaction; return how many.

        Rows within their senders' budgets come first; rows beyond them when there are no
        others, and first every DEFERRED_TURN batches so that they are never starved.
        """
        self._turn += 1
        order = (True, False) if self._turn % DEFERRED_TURN == 0 else (False, True)
        self._batch_ids = []
        rows: list[InboundRow] = []
        async with self.db.inbound.reading() as inbox:
            for deferred in order:
                rows = await inbox.waiting(BATCH, deferred)
                if rows:
                    break
        if not rows:
            return 0
        self._batch_ids = [r.id for r in rows]
        self._errors = {}
        async with self.db.transaction() as repos:
            # Handled before a crash stopped the mark below: marked again, not handled again.
            done = await repos.handled.among(self._batch_ids)
            todo = [r for r in rows if r.id not in done]
            queued = await self._handle_together(repos, todo)
            if queued is None:
                queued = 0
                for row in todo:
                    queued += await self._handle_isolated(repos, row)
            # In the same transaction as the effects: the handled mark that counts.
            await repos.handled.record(todo, self._errors, self.clock())
        if queued:
            self.on_queued()
        # Not durable: if a power cut loses these marks, the main file's record restores them.
        async with self.db.inbound.transaction(durable=False) as inbox:
            marks = [(r.id, self._errors.get(r.id)) for r in rows]
            await inbox.mark_handled(marks, self.clock())
            if deferred:
                self.budget.deferring = set(await inbox.deferred_senders())
        return len(rows)

    async def _handle_together(self, repos: Transaction, rows: list[InboundRow]) -> int | None:
        # Rows of different phones are handled concurrently, so the database thread always has
        # the next statement waiting; rows of one phone keep their order under its lock. If any
        # row fails, the whole attempt is undone and the caller handles the rows one by one.
        try:
            async with repos.savepoint():
                results = await asyncio.gather(
                    *(self._handle_locked(repos, row) for row in rows), return_exceptions=True
                )
                for result in results:
                    if isinstance(result, BaseException) and not isinstance(result, Exception):
                        raise result  # cancelled: the transaction is rolled back by the caller
                    if isinstance(result, Exception) and self.db.is_failure(result):
                        raise result  # the storage's fault, not a row's: the batch is retried
                if any(isinstance(r, BaseException) for r in results):
                    raise _RowFailed
        except _RowFailed:
            return None
        return sum(r for r in results if isinstance(r, int))

    async def _handle_locked(self, repos: Repos, row: InboundRow) -> int:
        key = (row.channel, row.address)
        async with self._locks[key]:
            queued = await self._handle(repos, row)
        if not self._locks[key].locked():
            self._locks.pop(key, None)
        return queued

    async def _handle_isolated(self, repos: Transaction, row: InboundRow) -> int:
        # Each row is its own savepoint: one bad row is marked and never blocks the others.
        try:
            async with repos.savepoint():
                queued = await self._handle_locked(repos, row)
        except Exception as exc:
            if self.db.is_failure(exc):
                raise  # never mark a message as failed because the disk was full
            log.exception("inbound %s failed: %s", row.id, type(exc).__name__)
            self._errors[row.id] = type(exc).__name__
            return 0
        return queued

    async def _handle(self, repos: Repos, row: InboundRow) -> int:
        inbound = from_payload(row.payload)
        now = self.clock()
        sender, ctx = await self.lookup.sender(repos, inbound, now)
        saved = await repos.conversations.load(row.channel, row.address)
        flow, state = saved if saved else (None, {})
        transition = await self._transition(repos, inbound, ctx, flow, state, now)
        transition = await self.caps.apply(repos, sender, transition, now)
        queued = await self.effects.apply(repos, sender, transition, now, saved is not None)
        log.info("inbound %s handled: flow=%s queued=%d", row.id, transition.flow, queued)
        return queued

    async def _transition(
        self,
        repos: Repos,
        inbound: Inbound,
        ctx: Context,
        flow: str | None,
        state: State,
        now: datetime,
    ) -> Transition:
        if inbound.kind is InboundKind.TIMER and inbound.timer is not None:
            return await self._timer(repos, inbound, ctx, flow, state, now)
        signal = _signal(inbound, ctx)
        if signal is not None:
            specs = self.registry.candidates(flow, signal)
            ctx = await self.lookup.facts(repos, specs, ctx, inbound, now)
            return self.registry.signal(flow, state, dataclasses.replace(signal, ctx=ctx), now)
        offered_rows = state.pop("_offered", [])
        offered = [RenderedChoice.from_dict(c) for c in offered_rows]
        if inbound.choice is not None and not (
            inbound.choice in {c.key for c in offered} or self.registry.is_action(inbound.choice)
        ):
            # A button of a question already answered: nothing moves, the question stays open.
            return self.registry.stale_choice(flow, {**state, "_offered": offered_rows}, ctx)
        choice = inbound.choice or match_choice(inbound.text, offered)
        event: Event = ChoiceMade(choice, ctx) if choice else TextReceived(inbound.text, ctx)
        # Only the flows that may step for this message load what they declared they need.
        candidates = self.registry.candidates(flow, event)
        # Facts see a numbered answer ("1" by SMS) as the option it chose, as the flow does.
        answered = dataclasses.replace(inbound, choice=choice) if choice else inbound
        ctx = await self.lookup.facts(repos, candidates, ctx, answered, now)
        event = dataclasses.replace(event, ctx=ctx)
        # A stopped number still reaches staff; the dispatcher holds back replies until START.
        # "YES" restarts a stopped number, as carriers expect; otherwise it is just an answer.
        restart = carrier_word(inbound.text) == "YES" and await repos.people.opted_out(
            inbound.channel.value, inbound.address
        )
        still_on: tuple[str, ...] = ()
        if inbound.kind is InboundKind.OPT_OUT:
            still_on = await _still_on(repos, inbound, ctx)
        keyword = self._keyword(inbound, event, restart, flow, state, still_on)
        transition = keyword or self.registry.run(flow, state, event, now)
        return _keep_numbers(flow, state, offered, transition)

    async def _timer(
        self,
        repos: Repos,
        inbound: Inbound,
        ctx: Context,
        flow: str | None,
        state: State,
        now: datetime,
    ) -> Transition:
        """A due timer, as an event of the flow that set it, under the person's lock; the
        conversation open now stays as it is unless the timer belongs to it."""
        timer: Mapping[str, Any] = inbound.timer or {}
        owner = self.registry.specs.get(str(timer["flow"]))
        if owner is None or owner.timer is None:
            log.warning("timer %s: no flow %s takes it", timer["id"], timer["flow"])
            return Transition(flow, state)
        ctx = dataclasses.replace(ctx, facts={"timer": timer["payload"]})
        ctx = await self.lookup.facts(repos, (owner,), ctx, inbound, now)
        due = datetime.fromisoformat(str(timer["due"]))
        fired = TimerFired(str(timer["rule"]), timer["payload"], due, ctx)
        taken = owner.timer(state if flow == owner.name else {}, fired, now)
        # With no question open, a timer may open its own (a suggestion asked when it is due).
        if flow == owner.name or (flow is None and taken.flow == owner.name):
            return taken
        return Transition(flow, state, taken.effects)

    def _keyword(
        self,
        inbound: Inbound,
        event: Event,
        restart: bool,
        flow: str | None,
        state: State,
        still_on: tuple[str, ...] = (),
    ) -> Transition | None:
        if inbound.kind is InboundKind.OPT_OUT:
            return self.registry.opt_out(event.ctx, still_on)
        if restart or inbound.kind is InboundKind.OPT_IN:
            return self.registry.opt_in(event.ctx)
        if inbound.kind is InboundKind.HELP:
            return self.registry.help_and_menu(event, flow, state)
        return None

    async def stop(self) -> None:
        """Finish the group commit in progress; stored rows stay for the next start."""
        if self._flusher is not None:
            with contextlib.suppress(Exception):
                await self._flusher


async def _still_on(repos: Repos, inbound: Inbound, ctx: Context) -> tuple[str, ...]:
    """The other channels a person sending STOP still gets messages on (STOP stops only the
    channel it was sent on), so the confirmation can say how to stop those too."""
    person = ctx.carer or ctx.staff
    if person is None:
        return ()
    kind = PersonKind.CARER if ctx.carer is not None else PersonKind.STAFF
    route = await repos.links.route(kind, person.id)
    return tuple(sorted({c.channel for c in route.contacts} - {inbound.channel.value}))


def _keep_numbers(
    flow: str | None, state: State, offered: list[RenderedChoice], transition: Transition
) -> Transition:
    """When a question is asked again (same flow and step), its options keep their SMS numbers,
    so "2" names the same child after another one was picked; effects applies them."""
    same = transition.flow is not None and transition.flow == flow
    if not (same and offered and transition.state.get("step") == state.get("step")):
        return transition
    numbers = {choice.key: number for number, choice in numbered(offered)}
    return dataclasses.replace(transition, state={**transition.state, NUMBERS: numbers})


def _signal(inbound: Inbound, ctx: Context) -> Signal | None:
    """The event for an inbound message that is not text or a choice, if it is one."""
    kind = inbound.kind
    if kind is InboundKind.START:
        return LinkAsked(inbound.text.strip() or None, ctx)
    if kind in (InboundKind.CONTACT, InboundKind.CONTACT_OTHER):
        return ContactShared(kind is InboundKind.CONTACT, ctx)
    if kind in (InboundKind.BLOCKED, InboundKind.UNBLOCKED):
        return ReachChanged(kind is InboundKind.UNBLOCKED, ctx)
    if kind is InboundKind.EDITED:
        return NotPassedOn("edited", ctx)
    if kind is InboundKind.UNSUPPORTED and inbound.media:
        return PhotoShared(inbound.media, inbound.text, ctx)
    if kind is InboundKind.UNSUPPORTED:
        return NotPassedOn("unsupported", ctx)
    return None
