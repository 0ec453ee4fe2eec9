"""A carer's settings: how daily updates come (each one, an evening or weekly summary, or none).

SETTINGS ──► mode (instant / evening / weekly / essentials)
   instant, essentials ──► SetUpdateMode, confirmed
   evening, weekly ──► what time (16:00 / 17:30 / 19:00, or typed: 18:00, 18.00, 6pm, 6.30pm…)
        ──► SetUpdateMode          "6" or "6:30" ──► morning or evening? ──► SetUpdateMode
        "25:00" ──► there is no such time; "later" ──► please write a time
Essentials (reviews, visits, answers to concerns, urgent messages) always come, unless STOP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from bot.domain.messages import Choice, LocalTime, Text
from bot.domain.time import UPDATE_MODES
from bot.flows.base import (
    ChoiceMade,
    Command,
    Context,
    Event,
    FlowSpec,
    MenuEntry,
    RecordAudit,
    Reply,
    State,
    Transition,
    Trigger,
    Write,
    end,
)
from bot.flows.steps.questions import leave_option
from bot.language.times import read_time

NAME = "preferences"


@dataclass(frozen=True, slots=True)
class SetUpdateMode:
    """Record how the sender (a carer) wants updates: instant, evening, weekly or essentials."""

    mode: str
    at: str | None = None  # HH:MM for summaries
    day: int | None = None  # weekday for weekly summaries, 0 = Monday


TIMES = ("16:00", "17:30", "19:00")
WEEKLY_DAY = 4  # Friday


def begin(ctx: Context) -> Transition:
    """Offer the update modes."""
    choices = tuple(Choice(mode, Text(f"settings.mode_{mode}")) for mode in UPDATE_MODES)
    question = Reply(Text("settings.menu"), (*choices, leave_option()))
    return Transition(NAME, {"step": "mode"}, (question,))


def step(state: State, event: Event, now: datetime) -> Transition:
    """The mode, then (for summaries) the time."""
    if event.ctx.carer is None:
        return Transition(None, {}, passthrough=True)
    if state.get("step") == "mode" and isinstance(event, ChoiceMade):
        if event.key in ("instant", "essentials"):
            return _done(event.key, None)
        if event.key in UPDATE_MODES:
            question = Reply(Text("settings.when"), _times())
            return Transition(NAME, {"step": "time", "mode": event.key}, (question,))
    if state.get("step") == "time":
        return _time(state, event)
    return Transition(None, {}, passthrough=True)


def _time(state: State, event: Event) -> Transition:
    """The summary time, as the person wrote it or chose it."""
    typed = event.key if isinstance(event, ChoiceMade) else event.text
    found = read_time(typed)
    if found is not None and found.at is not None:
        return _done(state["mode"], f"{found.at:%H:%M}")
    if isinstance(event, ChoiceMade):
        return Transition(None, {}, passthrough=True)
    if found is not None and found.either is not None:
        morning, evening = found.either
        choices = (*(Choice(f"{t:%H:%M}", _label(t)) for t in (morning, evening)), leave_option())
        params = {"morning": LocalTime(morning), "evening": LocalTime(evening)}
        return Transition(NAME, state, (Reply(Text("settings.which_time", params), choices),))
    if found is not None and found.impossible:
        said = Text("settings.no_such_time", {"time": typed.strip()})
        return Transition(NAME, state, (Reply(said, _times()),))
    return Transition(NAME, state, (Reply(Text("settings.bad_time"), _times()),))


def _times() -> tuple[Choice, ...]:
    return (*(Choice(t, Text("label.raw", {"text": t})) for t in TIMES), leave_option())


def _label(at: time) -> Text:
    return Text("label.raw", {"text": LocalTime(at)})


def _done(mode: str, at: str | None) -> Transition:
    day = WEEKLY_DAY if mode == "weekly" else None
    text = Text(f"settings.done_{mode}", {"time": at or ""})
    return end(
        Write(SetUpdateMode(mode, at, day)),
        Reply(text),
        RecordAudit("preference.updates", None, {"mode": mode}),
    )


def gets_updates(ctx: Context) -> bool:
    """Whether the sender is a carer told about at least one child (and so gets updates)."""
    return ctx.carer is not None and any(c.receives_information for c in ctx.carer.children)


def settings(ctx: Context) -> Transition:
    """SETTINGS: the update modes; a carer who gets no updates has none, so gets the menu."""
    if gets_updates(ctx):
        return begin(ctx)
    return Transition(None, {}, handover="info")


SPEC = FlowSpec(
    NAME,
    step=step,
    triggers=(Trigger("settings", settings, who="carer"),),
    # Update settings are for carers who get updates, never for one who may not be told.
    menu=(MenuEntry("settings", begin, who="carer", when=gets_updates, order=20),),
    commands=(Command("settings", carer=40),),
    left_key="left.unchanged",
    records={SetUpdateMode: ("news", "write_update_mode")},
)
