"""Broadcasts from a manager's phone, and families saying they have seen one.

BROADCAST (managers) ──► who is it for (All families, or room:…, send, language:…, child:…)
    ──an audience the setting has──► how many it reaches ──► the words
    ──plain-words check (jargon, and wording that could hurt families of children with SEND)
    ──► how: just send / ask to confirm / urgent / urgent and confirm ──► preview ──send──►
    Write(BroadcastRequest): the server queues it and tells the manager its B- reference
A family asked to confirm replies 1 (or "seen") ──► Write(Confirmation), thanks, and the
    reminder waiting for them is withdrawn. "1" asked nothing of families with no broadcast to
    confirm, and while another question is open it answers that question.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.domain.audience import ALL, Summary
from bot.domain.broadcasts import (
    BroadcastError,
    BroadcastRequest,
    Confirmation,
    checked_text,
    message,
    reach_text,
)
from bot.domain.messages import Choice, Inbound, Text
from bot.flows.base import (
    LEAVE,
    ChoiceMade,
    Context,
    Effect,
    Event,
    Fact,
    FlowSpec,
    RecordAudit,
    Reply,
    State,
    TextReceived,
    Transition,
    Trigger,
    Write,
    end,
)
from bot.flows.steps import wording

NAME = "broadcasts"
CONFIRM_WITHIN = timedelta(days=14)  # "1" confirms broadcasts this recent, not older ones
HOW = {
    "plain": "broadcast.choice_plain",
    "confirm": "broadcast.choice_confirm",
    "urgent": "broadcast.choice_urgent",
    "urgent_confirm": "broadcast.choice_urgent_confirm",
}
NOT_NOW = Choice(LEAVE, Text("choice.not_now"))


def _manager(ctx: Context) -> bool:
    return ctx.staff is not None and "manager" in ctx.staff.roles


def begin(ctx: Context) -> Transition:
    """BROADCAST: ask a manager who it is for."""
    if not _manager(ctx):
        return end(Reply(Text("broadcast.not_manager")))
    return _ask_audience({})


def _ask_audience(state: State, *before: Effect) -> Transition:
    ask = Reply(
        Text("broadcast.ask_audience"), (Choice(ALL, Text("broadcast.choice_all")), NOT_NOW)
    )
    return Transition(NAME, {**state, "step": "audience"}, (*before, ask))


def step(state: State, event: Event, now: datetime) -> Transition:
    """Continue from the step the broadcast is at."""
    ctx = event.ctx
    if not _manager(ctx):
        return Transition(None, {}, passthrough=True)
    where = state.get("step")
    if where == "audience":
        return _audience(state, event, ctx)
    if where == "text":
        return _written(state, event, ctx)
    if where == "plain":
        return _plain(state, event, ctx)
    if where == "how":
        return _how(state, event, ctx)
    if where == "preview":
        return _preview_answer(state, event, ctx)
    return Transition(None, {}, passthrough=True)


def _audience(state: State, event: Event, ctx: Context) -> Transition:
    summary: Summary | None = ctx.facts.get("broadcast_audience")
    if summary is None:
        return _ask_audience(state)
    if summary.error is not None:
        return _ask_audience(state, Reply(Text(summary.error, dict(summary.params))))
    kept = {
        **state,
        "audience": summary.written,
        "families": summary.families,
        "carers": summary.carers,
        "not_reached": dict(summary.not_reached),
    }
    return _ask_text(kept, ctx)


def _reach(state: State) -> Text:
    return reach_text(state["families"], state["carers"], state["not_reached"])


def _ask_text(state: State, ctx: Context, *before: Effect) -> Transition:
    setting = ctx.setting.name if ctx.setting is not None else ""
    ask = Reply(
        Text("broadcast.ask_text", {"reach": _reach(state), "setting": setting}), (NOT_NOW,)
    )
    return Transition(NAME, {**state, "step": "text", "text": ""}, (*before, ask))


def _written(state: State, event: Event, ctx: Context) -> Transition:
    if not isinstance(event, TextReceived):
        return _ask_text(state, ctx)
    try:
        text = checked_text(event.text)
    except BroadcastError as error:
        return _ask_text(state, ctx, Reply(Text(error.key, dict(error.params))))
    return _check({**state, "text": text}, ctx)


def _check(state: State, ctx: Context) -> Transition:
    """The plain-words check, as for a message to many families: it flags, never blocks."""
    found = wording.flags(ctx.glossary, state["text"], to_many=True)
    if not found:
        return _ask_how(state)
    ask = wording.question(found, Text("broadcast.choice_edit"), Text("choice.not_now"))
    return Transition(NAME, {**state, "step": "plain"}, (ask,))


def _plain(state: State, event: Event, ctx: Context) -> Transition:
    if isinstance(event, ChoiceMade):
        text = wording.accepted(ctx.glossary, state["text"], event.key, to_many=True)
        if text is not None:
            return _check({**state, "text": text}, ctx)
        if event.key == wording.KEEP:
            return _ask_how(state)
        if event.key == wording.EDIT:
            return _ask_text(state, ctx)
        if event.key == wording.CANCEL:
            return end(Reply(Text("broadcast.cancelled")))
    if isinstance(event, TextReceived) and event.text.strip():
        return _written(state, event, ctx)
    return _check(state, ctx)


def _ask_how(state: State) -> Transition:
    choices = tuple(Choice(how, Text(label)) for how, label in HOW.items())
    ask = Reply(Text("broadcast.ask_how"), (*choices, NOT_NOW))
    return Transition(NAME, {**state, "step": "how"}, (ask,))


def _how(state: State, event: Event, ctx: Context) -> Transition:
    if isinstance(event, ChoiceMade) and event.key in HOW:
        return _preview({**state, "how": event.key}, ctx)
    return _ask_how(state)


def _request(state: State, ctx: Context) -> BroadcastRequest:
    how = state["how"]
    return BroadcastRequest(
        text=state["text"],
        audience=state["audience"],
        confirm=how in ("confirm", "urgent_confirm"),
        urgent=how in ("urgent", "urgent_confirm"),
        sent_by=f"staff:{ctx.staff.id}" if ctx.staff is not None else "staff",
    )


def _preview(state: State, ctx: Context) -> Transition:
    request = _request(state, ctx)
    setting = ctx.setting.name if ctx.setting is not None else ""
    hours = ctx.setting.broadcast_reminder_hours if ctx.setting is not None else 24
    when: list[Text] = []
    if request.urgent:
        when.append(Text("broadcast.when_urgent"))
    if request.confirm:
        when.append(Text("broadcast.when_confirm", {"count": hours}))
    text = Text(
        "broadcast.preview",
        # One line each: a Text rendered inside another loses its leading line break.
        {"message": message(setting, request), "reach": (_reach(state), *when), "when": ""},
    )
    choices = (
        Choice("send", Text("broadcast.choice_send")),
        Choice("edit", Text("broadcast.choice_edit")),
        NOT_NOW,
    )
    return Transition(NAME, {**state, "step": "preview"}, (Reply(text, choices),))


def _preview_answer(state: State, event: Event, ctx: Context) -> Transition:
    if isinstance(event, ChoiceMade) and event.key == "send":
        request = _request(state, ctx)
        audit = RecordAudit(
            "broadcast.requested",
            None,
            {"audience": request.audience, "urgent": request.urgent, "confirm": request.confirm},
        )
        return end(Write(request), audit, Reply(Text("broadcast.requested")))
    if isinstance(event, ChoiceMade) and event.key == "edit":
        return _ask_text(state, ctx)
    return _preview(state, ctx)


def _dropped(state: State, ctx: Context) -> tuple[Effect, ...]:
    return (Reply(Text("broadcast.cancelled")),)


# Families confirming.


def _seen(ctx: Context) -> Transition:
    ids = tuple(ctx.facts.get("unconfirmed_broadcasts") or ())
    audit = RecordAudit("broadcast.confirmed", None, {"broadcasts": list(ids)})
    return end(Write(Confirmation(ids)), audit, Reply(Text("broadcast.thanks")))


def _to_confirm(ctx: Context) -> bool:
    return bool(ctx.facts.get("unconfirmed_broadcasts"))


# Facts.


def _audience_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    """The audience a manager's answer names, to resolve (any text: a question may be open)."""
    if not _manager(ctx) or ctx.setting_id is None or ctx.setting is None:
        return None
    written = ALL if inbound.choice == ALL else inbound.text
    if not written or not written.strip():
        return None
    return (ctx.setting_id, written, ctx.setting.languages)


def _unconfirmed_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if ctx.carer is None:
        return None
    return (ctx.carer.id, now - CONFIRM_WITHIN)


FACTS = (
    Fact("broadcast_audience", "audiences", "summary", _audience_args),
    Fact("unconfirmed_broadcasts", "broadcasts", "unconfirmed", _unconfirmed_args, ()),
)

SPEC = FlowSpec(
    NAME,
    step=step,
    triggers=(
        Trigger("broadcast", begin, who="staff"),
        # Not "anywhere": typed while another question is open, "1" answers that question.
        Trigger("broadcast_seen", _seen, who="carer", when=_to_confirm, anywhere=False),
    ),
    facts=FACTS,
    dropped=_dropped,
    records={
        BroadcastRequest: ("broadcasts", "request"),
        Confirmation: ("broadcasts", "confirm"),
    },
)

__all__ = ["NAME", "SPEC", "begin", "step"]
