"""A carer's settings: how daily updates come (each one, an evening or weekly summary, or none).

SETTINGS ──► mode (instant / evening / weekly / essentials)
   instant, essentials ──► SetUpdateMode, confirmed
   evening, weekly ──► what time (16:00 / 17:30 / 19:00, or typed HH:MM) ──► SetUpdateMode
Essentials (reviews, visits, answers to concerns, urgent messages) always come, unless STOP.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.domain import Choice, Text
from bot.flows.base import (
    ChoiceMade,
    Context,
    Event,
    RecordAudit,
    Reply,
    SetUpdateMode,
    State,
    TextReceived,
    Transition,
    end,
)
from bot.flows.questions import leave_option
from bot.timing import UPDATE_MODES

NAME = "preferences"
TIMES = ("16:00", "17:30", "19:00")
_TIME = re.compile(r"^\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*$")
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
            choices = tuple(Choice(t, Text("label.raw", {"text": t})) for t in TIMES)
            question = Reply(Text("settings.when"), (*choices, leave_option()))
            return Transition(NAME, {"step": "time", "mode": event.key}, (question,))
    if state.get("step") == "time":
        typed = event.key if isinstance(event, ChoiceMade) else event.text
        match = _TIME.match(typed)
        if match:
            return _done(state["mode"], f"{int(match.group(1)):02d}:{match.group(2)}")
        if isinstance(event, TextReceived):
            return Transition(NAME, state, (Reply(Text("settings.bad_time")),))
    return Transition(None, {}, passthrough=True)


def _done(mode: str, at: str | None) -> Transition:
    day = WEEKLY_DAY if mode == "weekly" else None
    text = Text(f"settings.done_{mode}", {"time": at or ""})
    return end(
        SetUpdateMode(mode, at, day),
        Reply(text),
        RecordAudit("preference.updates", None, {"mode": mode}),
    )
