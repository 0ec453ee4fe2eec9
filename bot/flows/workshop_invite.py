"""WORKSHOP on a manager's phone: add a workshop and invite families, or invite them to one
added beforehand.

WORKSHOP ──► A new workshop: its questions one at a time (flows/steps/workshop_draft.py), the
    plain-words check, the preview with its reach ──► Add: kept as `keyperson workshop add`
    keeps it, the manager told its W- reference, and its audience invited as below
WORKSHOP ──► which workshop (those added and not yet sent) ──► preview: the invite as families
    will read it, how many families (and carers) it reaches and who it will not, and why, with
    the plain-words check ──► Send: each carer's chosen contacts get it as a timer of the
    workshops flow, now or when quiet hours end / Not now
With none waiting for its invite, WORKSHOP goes straight to the new one's first question.
Staff who are not managers are told who can. It is in no menu (most staff are not managers);
managers type it, or /workshop on Telegram.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.audience import ALL, AudienceError, parse
from bot.domain.messages import Choice, Inbound, LocalTime, Text
from bot.domain.workshops import AddedWorkshop, Invitation, Workshop, invite_due, reference
from bot.flows.base import (
    ChoiceMade,
    Context,
    Effect,
    Event,
    Fact,
    FlowSpec,
    RecordAudit,
    Reply,
    State,
    Transition,
    Trigger,
    Write,
    end,
)
from bot.flows.steps import wording
from bot.flows.steps import workshop_draft as new_one
from bot.flows.steps.questions import leave_option
from bot.flows.steps.workshops import details, invite_text

NAME = "workshop_invite"
TRIGGER = "workshop"
PICK = "wspick:"  # a manager picks a workshop: wspick:<number>
SEND = "wssend"
NEW = "wsnew"


def step(state: State, event: Event, now: datetime) -> Transition:
    """One step: the workshop picked (or a new one's next question), then Send."""
    if not _is_manager(event.ctx):
        return Transition(None, {}, passthrough=True)
    if state.get("step") == "pick":
        if isinstance(event, ChoiceMade) and event.key == NEW:
            return new_one.ask(NAME, "title", {"from_pick": True}, event.ctx)
        return _picked(state, event, now)
    if state.get("step") == "preview" and "title" not in state:
        return _preview_step(state, event, now)
    answered = new_one.answer(NAME, state, event, now)
    if answered is None and state.get("step") in new_one.ORDER:
        return begin(event.ctx)  # Back from the first question: the list of workshops again
    return answered or Transition(None, {}, passthrough=True)


def _is_manager(ctx: Context) -> bool:
    return ctx.staff is not None and "manager" in ctx.staff.roles


def begin(ctx: Context) -> Transition:
    """WORKSHOP: a new workshop, or which one added beforehand to invite families to."""
    if not _is_manager(ctx):
        return end(Reply(Text("workshop.managers_only")))
    upcoming: list[Workshop] = list(ctx.facts.get("workshops_upcoming") or ())
    ready = [w for w in upcoming if w.status == "added"]
    if not ready:
        return new_one.first(NAME, {}, ctx)
    choices = tuple(
        Choice(f"{PICK}{w.number}", Text("workshop.pick_line", details(w, ctx.setting)))
        for w in ready
    )
    new = Choice(NEW, Text("workshop.choice_new"))
    return Transition(
        NAME,
        {"step": "pick"},
        (Reply(Text("workshop.pick_or_new"), (*choices, new, leave_option())),),
    )


def _picked(state: State, event: Event, now: datetime) -> Transition:
    ctx = event.ctx
    if not isinstance(event, ChoiceMade) or not event.key.startswith(PICK):
        return Transition(None, {}, passthrough=True)
    reach: Mapping[str, Any] | None = ctx.facts.get("workshop_reach")
    workshop: Workshop | None = reach.get("workshop") if reach else None
    if reach is None or workshop is None or workshop.status != "added":
        return end(Reply(Text("workshop.unknown", {"reference": event.key[len(PICK) :]})))
    found = wording.flags(ctx.glossary, f"{workshop.title}\n{workshop.place}", to_many=True)
    notes = tuple(
        Text(
            f"plain.line_{f.kind}",
            {"found": f.found, "suggestion": f.suggestion, "reason": f.reason},
        )
        for f in found
    )
    params = {
        "invite": invite_text(workshop, ctx.setting),
        "count": int(reach["families"]),
        "carers": int(reach["carers"]),
        "missed": Text("workshop.missed", dict(reach["missed"])) if reach["missed"] else "",
        "notes": notes or "",
    }
    state = {
        "step": "preview",
        "number": workshop.number,
        "carers": list(reach["carer_ids"]),
        "families": int(reach["families"]),
    }
    choices = (Choice(SEND, Text("workshop.send")), leave_option())
    return Transition(NAME, state, (Reply(Text("workshop.preview", params), choices),))


def _preview_step(state: State, event: Event, now: datetime) -> Transition:
    ctx = event.ctx
    if not isinstance(event, ChoiceMade) or event.key != SEND or ctx.setting is None:
        return Transition(None, {}, passthrough=True)
    number = int(state["number"])
    carers = tuple(int(c) for c in state.get("carers", ()))
    due = invite_due(ctx.setting, now)
    ref = reference(number)
    # The families the preview counted (carers who share a phone are one family's).
    families = int(state.get("families", len(carers)))
    told = Text("workshop.sent", {"reference": ref, "count": families})
    if due > now:
        local = due.astimezone(ZoneInfo(ctx.setting.time_zone))
        told = Text(
            "workshop.sent_later",
            {"reference": ref, "count": len(carers), "when": LocalTime(local, with_day=True)},
        )
    return end(
        Write(Invitation(number, carers, due)),
        RecordAudit("workshop.invited", f"workshop:{ref}", {"carers": len(carers)}),
        Reply(told),
    )


def _upcoming_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    return (ctx.setting_id, now) if _is_manager(ctx) and ctx.setting_id is not None else None


def _next_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    return (ctx.setting_id,) if _is_manager(ctx) and ctx.setting_id is not None else None


def _audience_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    """The audience a manager's answer names, to check and count: All families, or words that
    read as an audience (other answers load nothing)."""
    if not _is_manager(ctx) or ctx.setting_id is None or ctx.setting is None:
        return None
    written = ALL if inbound.choice == ALL else inbound.text
    if inbound.choice not in (None, ALL) or not written.strip():
        return None
    try:
        parse(written)
    except AudienceError:
        return None
    return (ctx.setting_id, written, ctx.setting.languages)


def _dropped(state: State, ctx: Context) -> tuple[Effect, ...]:
    if "title" in state or state.get("step") in new_one.ORDER:
        return (Reply(Text("workshop.new_left")),)
    return ()


def _reach_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    choice = inbound.choice or ""
    if not _is_manager(ctx) or ctx.setting_id is None or not choice.startswith(PICK):
        return None
    number = choice[len(PICK) :]
    return (ctx.setting_id, int(number)) if number.isdecimal() else None


SPEC = FlowSpec(
    NAME,
    step=step,
    triggers=(Trigger(TRIGGER, begin, who="staff"),),
    facts=(
        Fact("workshops_upcoming", "workshops", "upcoming", _upcoming_args, default=[]),
        Fact("workshop_reach", "workshops", "reach", _reach_args),
        Fact("workshop_next", "workshops", "next_number", _next_args),
        Fact("workshop_audience", "audiences", "summary", _audience_args),
    ),
    dropped=_dropped,
    records={
        Invitation: ("workshops", "invite"),
        AddedWorkshop: ("workshops", "add_numbered"),
    },
)

__all__ = ["SPEC"]
