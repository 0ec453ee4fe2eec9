"""Safety nets under every flow: floods, loops and automatic answers are capped.

- An inbound budget per sender: beyond it, messages are stored at once (and acknowledged) but
  handled after everyone else's, so one number sending 500 messages in a second does not delay
  another family's message.
- Automatic answers that no conversation keeps track of (the unknown-sender reply, "only text
  is passed on"…) go to one address at most once per window, whatever a flow asks: an
  auto-responder on the other end gets one answer, not one per message. The relay's "it has gone
  to…" is kept to once per conversation by the relay itself (until staff answer, or a few
  hours), which knows when a new one is news.
- Relay loops: a thread on which messages go back and forth too often in a few minutes (two
  auto-responders answering each other) is paused, and the managers are told once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.messages import LocalTime, Priority, Text
from bot.engine.records import Origin
from bot.flows.base import (
    Effect,
    NotifyCarer,
    NotifyStaff,
    OpenThread,
    RecordAudit,
    Reply,
    Transition,
)
from bot.storage.repos import Repos

log = logging.getLogger(__name__)

# Answers the bot gives by itself rather than because a person asked for something.
AUTO_ANSWERS = frozenset(
    {
        "unknown.sender",
        "unknown.telegram",
        "notpassed.edited",
        "notpassed.unsupported",
    }
)
UNKNOWN_SENDER_ANSWERS = frozenset({"unknown.sender", "unknown.telegram"})


@dataclass(frozen=True, slots=True)
class Limits:
    """The numbers behind the caps; tests shrink them."""

    answer_window: timedelta = timedelta(minutes=10)
    stranger_window: timedelta = timedelta(hours=1)  # each costs a paid SMS to a stranger
    loop_exchanges: int = 20  # relay messages on one thread within loop_window…
    loop_window: timedelta = timedelta(minutes=5)
    loop_pause: timedelta = timedelta(hours=1)  # …pause the thread this long
    inbound_burst: int = 30  # messages a sender may send at once…
    inbound_per_minute: float = 20.0  # …and then this many a minute, before being deferred


DEFAULT_LIMITS = Limits()


class InboundBudget:
    """A token bucket per sender, in memory: who is beyond their budget right now."""

    PRUNE_AT = 4096

    def __init__(self, limits: Limits, clock: Callable[[], datetime]) -> None:
        self.limits = limits
        self.clock = clock
        self._buckets: dict[tuple[str, str], tuple[float, datetime]] = {}
        self.deferring: set[tuple[str, str]] = set()  # senders with deferred rows waiting

    def admit(self, channel: str, address: str) -> bool:
        """Take one message from a sender's budget; False when it must wait its turn."""
        key = (channel, address)
        now = self.clock()
        tokens = self._tokens(key, now)
        if key in self.deferring or tokens < 1:
            self._buckets[key] = (tokens, now)
            self.deferring.add(key)
            return False
        self._buckets[key] = (tokens - 1, now)
        if len(self._buckets) > self.PRUNE_AT:
            self._prune(now)
        return True

    def _tokens(self, key: tuple[str, str], now: datetime) -> float:
        tokens, then = self._buckets.get(key, (float(self.limits.inbound_burst), now))
        # A clock that jumped back refills nothing, rather than going negative.
        elapsed = max(0.0, (now - then).total_seconds())
        refill = elapsed * self.limits.inbound_per_minute / 60
        return min(float(self.limits.inbound_burst), tokens + refill)

    def _prune(self, now: datetime) -> None:
        full = float(self.limits.inbound_burst)
        self._buckets = {k: v for k, v in self._buckets.items() if self._tokens(k, now) < full}


class Caps:
    """Applied by the router to every transition before its effects are written."""

    def __init__(self, limits: Limits, time_zone: str) -> None:
        self.limits = limits
        self.zone = ZoneInfo(time_zone)

    async def apply(
        self, repos: Repos, sender: Origin, transition: Transition, now: datetime
    ) -> Transition:
        """The transition with capped answers and paused relays taken out."""
        effects = await self._paused_relays(repos, sender, transition.effects, now)
        effects = await self._answers(repos, sender, effects, now)
        if effects == transition.effects:
            return transition
        return dataclasses.replace(transition, effects=effects)

    async def _answers(
        self, repos: Repos, sender: Origin, effects: tuple[Effect, ...], now: datetime
    ) -> tuple[Effect, ...]:
        kept: list[Effect] = []
        for effect in effects:
            if isinstance(effect, Reply) and effect.text.key in AUTO_ANSWERS:
                # The same answer: the same message with the same words in it. "It has gone to
                # Anna" after "it has gone to the team" is news; an echo of either is not.
                key = _fingerprint(effect.text)
                stranger = effect.text.key in UNKNOWN_SENDER_ANSWERS
                window = self.limits.stranger_window if stranger else self.limits.answer_window
                since = now - window
                if await repos.caps.answered_since(sender.channel, sender.address, key, since):
                    log.info("automatic answer %s to %s capped", key, sender.actor)
                    continue
                await repos.caps.answered(sender.channel, sender.address, key, now)
            kept.append(effect)
        return tuple(kept)

    async def _paused_relays(
        self, repos: Repos, sender: Origin, effects: tuple[Effect, ...], now: datetime
    ) -> tuple[Effect, ...]:
        threads = {e.code: e for e in effects if isinstance(e, OpenThread)}
        relays = any(isinstance(e, NotifyStaff | NotifyCarer) for e in effects)
        if not threads or not relays or sender.setting_id is None:
            return effects
        paused: list[OpenThread] = []
        extra: list[Effect] = []
        for code, thread in threads.items():
            since = now - self.limits.loop_window
            count, until = await repos.caps.exchange(sender.setting_id, code, now, since)
            if until is not None and until > now:
                paused.append(thread)
            elif count > self.limits.loop_exchanges:
                paused.append(thread)
                extra += await self._pause(repos, sender.setting_id, thread, count, now)
        if not paused:
            return effects
        return _without_relays(effects, paused) + tuple(extra)

    async def _pause(
        self, repos: Repos, setting_id: int, thread: OpenThread, count: int, now: datetime
    ) -> list[Effect]:
        until = now + self.limits.loop_pause
        await repos.caps.pause(setting_id, thread.code, until)
        log.warning("relay loop on thread %s: paused after %d exchanges", thread.code, count)
        info = await repos.threads.describe(setting_id, thread.code)
        params = {
            "code": f"#{thread.code}",
            "carer": info.carer_name if info else "-",
            "child": info.child_name if info else "-",
            "count": count,
            "minutes": int(self.limits.loop_window.total_seconds() // 60),
            "until": LocalTime(until.astimezone(self.zone), with_day=True),
        }
        text = Text("caps.loop_paused", params)
        managers = await repos.people.staff_with_role(setting_id, "manager")
        subject = f"child:{thread.child_id}"
        audit = RecordAudit("relay.loop_paused", subject, {"code": thread.code, "count": count})
        return [audit, *(NotifyStaff(m, text, priority=Priority.URGENT) for m in managers)]


def _fingerprint(text: Text) -> str:
    """A short, stable name for one message with its parameters."""
    digest = hashlib.sha256(repr(text).encode("utf-8")).hexdigest()[:12]
    return f"{text.key}:{digest}"


def _without_relays(effects: tuple[Effect, ...], paused: list[OpenThread]) -> tuple[Effect, ...]:
    """The effects less the relays (and their automatic answers) on paused threads."""
    codes = {t.code for t in paused}
    carers = {t.carer_id for t in paused}
    kept: list[Effect] = []
    for effect in effects:
        if isinstance(effect, NotifyStaff) and effect.thread in codes:
            continue
        if isinstance(effect, NotifyCarer) and effect.carer_id in carers:
            continue
        if isinstance(effect, Reply) and effect.text.key in AUTO_ANSWERS:
            continue
        kept.append(effect)
    for thread in paused:
        kept.append(RecordAudit("relay.paused", f"child:{thread.child_id}", {"code": thread.code}))
    return tuple(kept)
