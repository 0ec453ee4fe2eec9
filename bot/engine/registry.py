"""The flow registry: dispatch, menus, Telegram command lists and timers, built from the specs
the flows declare (bot.flows.specs). The engine names no flow: a new capability declares its
triggers, menu entries, commands, facts and timers in its own module.

open question ──Not now / BACK──► left: said what was not sent, nothing else changes
              ──a trigger word (INFO, WOW…), WHAT IS X──► that, as if none were open
              ──anything else──► the open flow's step (which may let it pass: a new message)
unknown sender ──► the unknown-sender role
a greeting from a newly linked number ──► the welcome only
a kept button (Reply) ──► the flow that declared it
a button of a question already answered ──► told so; nothing else changes
other text ──► the message role (relay: carer → key person, staff → carer)
/start, a shared contact, blocked, edits, photos ──► the flow that handles that signal
any text a carer sends, whatever takes it ──► also every watcher (FlowSpec.watch), whose
    effects are added to the transition
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from bot.domain.messages import Text
from bot.flows.base import (
    Audience,
    ChoiceMade,
    Context,
    Effect,
    Event,
    FlowSpec,
    Keywords,
    MenuEntry,
    Offer,
    PhotoShared,
    RecordAudit,
    Reply,
    Signal,
    State,
    TextReceived,
    Transition,
    Trigger,
    leaving,
)
from bot.language.catalogs import normalise_answer

ROLES = (
    "message",
    "on_unknown_sender",
    "on_welcome",
    "on_help",
    "on_menu",
    "on_opt_out",
    "on_opt_in",
)
MAX_HANDOVERS = 3


class RegistryError(ValueError):
    """The specs do not fit together: a role filled twice or not at all, a name used twice."""


def audience(ctx: Context) -> Audience | None:
    """Who is writing, as specs name them: a carer, staff, or (None) someone not on file."""
    if ctx.staff is not None:
        return "staff"
    if ctx.carer is not None:
        return "carer"
    return None


def _watched_text(event: Event | Signal) -> str | None:
    """The words a carer sent, for the watchers: a text or a photo's caption."""
    if audience(event.ctx) != "carer":
        return None
    if isinstance(event, TextReceived):
        text = event.text
    elif isinstance(event, PhotoShared):
        text = event.caption
    else:
        return None
    return text if text.strip() else None


def _for(who: Audience, ctx: Context) -> bool:
    mine = audience(ctx)
    return mine is not None and who in ("anyone", mine)


T = TypeVar("T")


def _filled(value: T | None) -> T:
    assert value is not None  # _one checked that the role is filled
    return value


class Registry:
    """Every flow's spec, and the conversation rules built from them."""

    def __init__(self, specs: Iterable[FlowSpec], words: Keywords) -> None:
        self.specs: dict[str, FlowSpec] = {}
        for spec in specs:
            if spec.name in self.specs:
                raise RegistryError(f"two flows are named {spec.name!r}")
            self.specs[spec.name] = spec
        self.words = words
        self.roles = {role: self._one(role) for role in ROLES}
        self._message = _filled(self.roles["message"].message)
        self._unknown = _filled(self.roles["on_unknown_sender"].on_unknown_sender)
        self._welcome = _filled(self.roles["on_welcome"].on_welcome)
        self._help = _filled(self.roles["on_help"].on_help)
        self._menu = _filled(self.roles["on_menu"].on_menu)
        self._opt_out = _filled(self.roles["on_opt_out"].on_opt_out)
        self._opt_in = _filled(self.roles["on_opt_in"].on_opt_in)
        self.triggers = [t for s in self.specs.values() for t in s.triggers]
        self.entries = sorted(
            (e for s in self.specs.values() for e in s.menu), key=lambda e: e.order
        )
        self.signals = {kind: s for s in self.specs.values() for kind in s.signals}
        self.watchers = tuple(s for s in self.specs.values() if s.watch is not None)
        missing = {t.key for t in self.triggers} - words.keys()
        if missing:
            raise RegistryError(f"no catalog gives words for trigger.{sorted(missing)[0]}")

    def _one(self, role: str) -> FlowSpec:
        holders = [s for s in self.specs.values() if getattr(s, role) is not None]
        if len(holders) != 1:
            names = ", ".join(s.name for s in holders) or "none"
            raise RegistryError(f"{role} must be filled by exactly one flow, not {names}")
        return holders[0]

    # What the specs declare, for the edge and the menu.

    def commands(self, who: Audience) -> tuple[str, ...]:
        """The Telegram menu's commands for carers or staff, in their declared order."""
        placed = [
            (getattr(c, who), c.name)
            for s in self.specs.values()
            for c in s.commands
            if getattr(c, who, None) is not None
        ]
        return tuple(dict.fromkeys(name for _, name in sorted(placed)))

    def typed_commands(self, who: Audience) -> tuple[str, ...]:
        """The menu's commands that are also words people type (by SMS: UPDATE, INFO…)."""
        words = {t.key for t in self.triggers}
        return tuple(name for name in self.commands(who) if name in words)

    def offers(self, ctx: Context) -> tuple[Offer, ...]:
        """What the information menu offers this reader."""
        return tuple(
            Offer(e.key, Text(f"info.choice.{e.key}"))
            for e in self.entries
            if _for(e.who, ctx) and (e.when is None or e.when(ctx))
        )

    def is_action(self, key: str) -> bool:
        """Whether a button key stays valid after its message (a Reply button), unlike answers."""
        return self._action_spec(key) is not None

    def _action_spec(self, key: str) -> FlowSpec | None:
        for spec in self.specs.values():
            if spec.action is not None and any(key.startswith(p) for p in spec.actions):
                return spec
        return None

    def writer(self, record: object) -> tuple[str, str]:
        """The (repository, method) a spec names for this record's type."""
        for spec in self.specs.values():
            if type(record) in spec.records:
                return spec.records[type(record)]
        raise RegistryError(f"no flow says where a {type(record).__name__} is kept")

    def candidates(self, flow: str | None, event: Event | Signal) -> tuple[FlowSpec, ...]:
        """The flows that may step for this event, whose facts are then loaded: the open one,
        the one a signal, button, menu choice or trigger word starts, and the one that takes
        free text when no word does."""
        ctx = event.ctx
        found: list[FlowSpec] = []
        open_spec = self.specs.get(flow or "")
        if open_spec is not None:
            found.append(open_spec)
        if _watched_text(event) is not None:
            found += self.watchers
        if isinstance(event, PhotoShared):
            found += [s for s in self.specs.values() if s.photo is not None]
        if not isinstance(event, TextReceived | ChoiceMade):
            holder = self.signals.get(type(event))
            return tuple(dict.fromkeys([*found, *([holder] if holder else [])]))
        text = event.text if isinstance(event, TextReceived) else event.key
        if isinstance(event, ChoiceMade):
            action = self._action_spec(event.key)
            found += [action] if action is not None else []
            found += [s for s in self.specs.values() for e in s.menu if e.key == event.key]
        said = [
            (s, t)
            for s in self.specs.values()
            for t in s.triggers
            if _for(t.who, ctx) and self.words.said(t.key, text)
        ]
        found += [s for s, _ in said]
        # A flow whose recogniser takes these words (WHAT IS X, "off sick today").
        recognised = [
            s for s in self.specs.values() if s.recognise is not None and s.recognise(text, ctx)
        ]
        found += recognised
        # Free text when no word starts anything, or only words that start something on a
        # condition a fact decides (a "1" that confirms a broadcast only if one asked).
        if all(t.when is not None for _, t in said):
            found.append(self.roles["message"])
        return tuple(dict.fromkeys(found))

    # The conversation.

    def run(self, flow: str | None, state: State, event: Event, now: datetime) -> Transition:
        """Step the open conversation, or begin afresh when there is none or it let the event
        pass. Not now leaves any question, and a trigger word is obeyed whatever is open.
        Whatever takes a carer's text, the watchers see it too."""
        return self.watched(event, self._run(flow, state, event, now), now)

    def watched(self, event: Event | Signal, transition: Transition, now: datetime) -> Transition:
        """The transition with the watchers' effects added, for a text a carer sent."""
        text = _watched_text(event)
        if text is None:
            return transition
        added = tuple(e for s in self.watchers if s.watch for e in s.watch(text, event.ctx, now))
        if not added:
            return transition
        return dataclasses.replace(transition, effects=transition.effects + added)

    def _run(self, flow: str | None, state: State, event: Event, now: datetime) -> Transition:
        spec = self.specs.get(flow or "")
        if spec is not None and spec.step is not None:
            if leaving(event):
                return self.left(flow, state, event.ctx)
            if isinstance(event, TextReceived) and self.interrupts(event.text, event.ctx, flow):
                fresh = self.begin(event, now)
                dropped = self._dropped(flow, state, event.ctx)
                return Transition(fresh.flow, fresh.state, dropped + fresh.effects)
            transition = spec.step(state, event, now)
            if transition.forward is not None:
                sent = self._message(transition.forward, event.ctx, now)
                effects = transition.effects + sent.effects
                return self.resolve(Transition(sent.flow, sent.state, effects), event.ctx)
            if not transition.passthrough:
                return self.resolve(transition, event.ctx)
        return self.begin(event, now)

    def interrupts(self, text: str, ctx: Context, flow: str | None = None) -> bool:
        """Whether a text is a word the sender may use at any step, rather than an answer. The
        open flow's own recogniser does not interrupt it: its questions take such answers."""
        if any(_for(t.who, ctx) and self.words.said(t.key, text) for t in self._anywhere()):
            return True
        return any(
            spec.recognise(text, ctx) is not None
            for spec in self.specs.values()
            if spec.recognise is not None and spec.name != flow
        )

    def left(self, flow: str | None, state: State, ctx: Context) -> Transition:
        """Not now: end the open question, saying what was not sent or that nothing changed."""
        note = self._dropped(flow, state, ctx)
        if not note:
            spec = self.specs.get(flow or "")
            key = spec.left_key if spec is not None else "left.menu"
            if ctx.staff is not None:
                key = "update.cancelled"
            note = (Reply(Text(key)),)
        return Transition(None, {}, (*note, RecordAudit("question.left", None, {"flow": flow})))

    def begin(self, event: Event, now: datetime) -> Transition:
        """Start from a message that belongs to no open conversation."""
        ctx = event.ctx
        if audience(ctx) is None:
            return self._unknown(ctx)
        if isinstance(event, ChoiceMade):
            holder = self._action_spec(event.key)
            if holder is not None and holder.action is not None:
                return self.resolve(holder.action(event.key, ctx), ctx)
        text = event.text if isinstance(event, TextReceived) else event.key
        greeting = self.welcome(ctx) if ctx.newly_linked else ()
        chosen = self._chosen(event, text, ctx)
        if chosen is None:
            if greeting and (not normalise_answer(text) or self.words.said("greeting", text)):
                return Transition(None, {}, greeting)
            chosen = self._message(text, ctx, now)
        chosen = self.resolve(chosen, ctx)
        return Transition(chosen.flow, chosen.state, greeting + chosen.effects)

    def _chosen(self, event: Event, text: str, ctx: Context) -> Transition | None:
        """What a recogniser, a menu entry (for a pressed choice) or a trigger word starts."""
        for recognise in self._recognisers():
            recognised = recognise(text, ctx)
            if recognised is not None:
                return recognised
        if isinstance(event, ChoiceMade):
            entry = self._entry(event.key, ctx)
            if entry is not None:
                return entry.start(ctx)
        trigger = self._trigger(text, ctx)
        return trigger.start(ctx) if trigger is not None else None

    def resolve(self, transition: Transition, ctx: Context) -> Transition:
        """Follow a handover ("start what INFO starts") to the flow that takes over."""
        for _ in range(MAX_HANDOVERS):
            if transition.handover is None:
                return transition
            start = self._entry(transition.handover, ctx) or self._keyed(transition.handover, ctx)
            if start is None:
                return Transition(transition.flow, transition.state, transition.effects)
            taken = start.start(ctx)
            effects = transition.effects + taken.effects
            transition = Transition(taken.flow, taken.state, effects, handover=taken.handover)
        return Transition(transition.flow, transition.state, transition.effects)

    def welcome(self, ctx: Context) -> tuple[Effect, ...]:
        """Link the sender and greet them (the welcome role)."""
        return self._welcome(ctx)

    def help_and_menu(
        self, event: Event, flow: str | None = None, state: State | None = None
    ) -> Transition:
        """HELP: the carrier-style help text, then the information menu for people on file."""
        ctx = event.ctx
        help_text = self._help(ctx)
        if audience(ctx) is None:
            return help_text
        greeting = self.welcome(ctx) if ctx.newly_linked else ()
        dropped = self._dropped(flow, state or {}, ctx)
        menu = self._menu(ctx)
        effects = greeting + dropped + help_text.effects + menu.effects
        return Transition(menu.flow, menu.state, effects)

    def opt_out(self, ctx: Context, still_on: tuple[str, ...]) -> Transition:
        """STOP, as carriers expect (the opt-out role)."""
        return self._opt_out(ctx, still_on)

    def opt_in(self, ctx: Context) -> Transition:
        """START, as carriers expect (the opt-in role)."""
        return self._opt_in(ctx)

    def stale_choice(self, flow: str | None, state: State, ctx: Context) -> Transition:
        """A button of a question already answered: say so and leave everything as it is."""
        if audience(ctx) is None:
            return self._unknown(ctx)
        return Transition(flow, state, (Reply(Text("choice.stale")),))

    def signal(
        self, flow: str | None, state: State, event: Signal, now: datetime | None = None
    ) -> Transition:
        """Linking, reachability and what is not passed on, whatever flow is open; the open
        flow takes a signal first when it declares it (a photo in a daily update). A photo's
        caption from a carer is seen by the watchers (when `now` is given)."""
        taken = self._signal(flow, state, event)
        return taken if now is None else self.watched(event, taken, now)

    def _signal(self, flow: str | None, state: State, event: Signal) -> Transition:
        spec = self.specs.get(flow or "")
        if spec is not None and type(event) in spec.while_open:
            taken = spec.while_open[type(event)](state, event)
            if not taken.passthrough:
                return self.resolve(taken, event.ctx)
        if isinstance(event, PhotoShared):
            for taker in self.specs.values():
                taken_photo = taker.photo(event) if taker.photo is not None else None
                if taken_photo is not None:
                    dropped = self._dropped(flow, state, event.ctx) if flow else ()
                    taken_photo = self.resolve(taken_photo, event.ctx)
                    effects = dropped + taken_photo.effects
                    return Transition(taken_photo.flow, taken_photo.state, effects)
        holder = self.signals.get(type(event))
        if holder is None:
            raise TypeError(f"no flow handles {type(event).__name__}")
        return self.resolve(holder.signals[type(event)](flow, state, event), event.ctx)

    # Helpers.

    def _anywhere(self) -> Sequence[Trigger]:
        return [t for t in self.triggers if t.anywhere]

    def _recognisers(self) -> list[Callable[[str, Context], Transition | None]]:
        return [s.recognise for s in self.specs.values() if s.recognise is not None]

    def _trigger(self, text: str, ctx: Context) -> Trigger | None:
        for trigger in self.triggers:
            if not (_for(trigger.who, ctx) and self.words.said(trigger.key, text)):
                continue
            if trigger.when is None or trigger.when(ctx):
                return trigger
        return None

    def _keyed(self, key: str, ctx: Context) -> Trigger | None:
        """The trigger of that key for this reader, whatever words were typed."""
        for trigger in self.triggers:
            if trigger.key == key and _for(trigger.who, ctx):
                if trigger.when is None or trigger.when(ctx):
                    return trigger
        return None

    def _entry(self, key: str, ctx: Context) -> MenuEntry | None:
        for entry in self.entries:
            if entry.key != key or not _for(entry.who, ctx):
                continue
            if entry.when is None or entry.when(ctx):
                return entry
        return None

    def _dropped(self, flow: str | None, state: State, ctx: Context) -> tuple[Effect, ...]:
        spec = self.specs.get(flow or "")
        if spec is None or spec.dropped is None:
            return ()
        return spec.dropped(state, ctx)
