"""REVIEW from a key person's, SENCo's or manager's phone: schedule a review of a child's plan.

REVIEW ──► which child (their key children as choices, or any child by name or ref) ──►
    when (29/3 10:00, 2027-03-29 10:00) ──► where (at the nursery, or their words) ──►
    Send the invitations / Not now ──► the review is kept; a timer of the reviews flow sets
    its reminders, invites the family and tells the sender its reference.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.messages import Choice, Inbound, LocalTime, Text
from bot.domain.reminders import wall_clock
from bot.domain.reviews import (
    DEFAULT_KIND,
    DEFAULT_PLACE,
    FLOW,
    PLAN,
    ChildOnFile,
    ReviewRequest,
    parse_when,
)
from bot.flows.base import (
    ChoiceMade,
    Context,
    Event,
    Fact,
    FlowSpec,
    Reply,
    SetTimer,
    State,
    TextReceived,
    Transition,
    Trigger,
    Write,
    end,
)
from bot.flows.steps.questions import leave_button, leave_option

NAME = "review_scheduling"
ROLES = frozenset({"key_person", "senco", "manager"})
AT_NURSERY = "review_at_nursery"
SEND = "review_send"
MOST_CHOICES = 8


def _may(ctx: Context) -> bool:
    return ctx.staff is not None and bool(ROLES & set(ctx.staff.roles))


def _children(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    return (ctx.setting_id,) if _may(ctx) and ctx.setting_id is not None else None


FACTS = (Fact("review_children", "reviews", "children", _children, default=[]),)


def _zone(ctx: Context) -> ZoneInfo:
    return ZoneInfo(ctx.setting.time_zone if ctx.setting else "Europe/London")


def begin(ctx: Context) -> Transition:
    """Ask which child the review is for."""
    assert ctx.staff is not None
    children: list[ChildOnFile] = ctx.facts.get("review_children") or []
    mine = [c for c in children if c.key_person_id == ctx.staff.id][:MOST_CHOICES]
    choices = [Choice(f"child:{c.id}", Text("label.raw", {"text": c.first_name})) for c in mine]
    question = Reply(Text("review.staff_which_child"), (*choices, leave_option()))
    return Transition(NAME, {"step": "child"}, (question,))


def step(state: State, event: Event, now: datetime) -> Transition:
    """The child, the time, the place, then send."""
    ctx, at = event.ctx, state.get("step")
    if ctx.staff is None:
        return Transition(None, {}, passthrough=True)
    if at == "child":
        return _child(state, event)
    if at == "when" and isinstance(event, TextReceived):
        return _when(state, event.text, ctx, now)
    if at == "where":
        if isinstance(event, ChoiceMade) and event.key == AT_NURSERY:
            return _confirm(state, ctx, DEFAULT_PLACE)
        if isinstance(event, TextReceived):
            return _confirm(state, ctx, event.text.strip())
    if at == "confirm" and isinstance(event, ChoiceMade) and event.key == SEND:
        moment = datetime.fromisoformat(str(state["at"]))
        record = ReviewRequest(int(state["child"]), moment, str(state["place"]), DEFAULT_KIND)
        payload = {"child_id": record.child_id, "at": moment.isoformat()}
        return end(
            Write(record),
            SetTimer(FLOW, now, PLAN, {**payload, "does": PLAN}),
            Reply(Text("review.staff_setting_up", {"child": state["name"]})),
        )
    return Transition(None, {}, passthrough=True)


def _child(state: State, event: Event) -> Transition:
    children: list[ChildOnFile] = event.ctx.facts.get("review_children") or []
    chosen = None
    if isinstance(event, ChoiceMade) and event.key.startswith("child:"):
        chosen = next((c for c in children if f"child:{c.id}" == event.key), None)
    elif isinstance(event, TextReceived):
        typed = " ".join(event.text.lower().split())
        found = [
            c
            for c in children
            if typed
            in (c.ref.lower(), c.first_name.lower(), f"{c.first_name} {c.last_name}".lower())
        ]
        chosen = found[0] if len(found) == 1 else None
        if chosen is None:
            key = "review.staff_child_many" if found else "review.staff_child_unknown"
            return Transition(NAME, state, (Reply(Text(key), (leave_button(),)),))
    if chosen is None:
        return Transition(None, {}, passthrough=True)
    name = f"{chosen.first_name} {chosen.last_name}"
    asked = Reply(Text("review.staff_when", {"child": name}), (leave_button(),))
    return Transition(NAME, {"step": "when", "child": chosen.id, "name": name}, (asked,))


def _when(state: State, text: str, ctx: Context, now: datetime) -> Transition:
    zone = _zone(ctx)
    typed = parse_when(text, now.astimezone(zone))
    if typed is None:
        return Transition(NAME, state, (Reply(Text("review.staff_when_again"), (leave_button(),)),))
    moment = wall_clock(typed.date(), typed.time(), zone)
    if moment <= now + timedelta(minutes=1):
        return Transition(NAME, state, (Reply(Text("review.staff_when_past"), (leave_button(),)),))
    where = Reply(Text("review.staff_where"), (Choice(AT_NURSERY), leave_option()))
    return Transition(NAME, {**state, "step": "where", "at": moment.isoformat()}, (where,))


def _confirm(state: State, ctx: Context, place: str) -> Transition:
    moment = datetime.fromisoformat(str(state["at"])).astimezone(_zone(ctx))
    where = Text("label.raw", {"text": place}) if place else Text("review.at_nursery")
    params = {"child": state["name"], "when": LocalTime(moment, with_date=True), "place": where}
    question = Reply(Text("review.staff_confirm", params), (Choice(SEND), leave_option()))
    return Transition(NAME, {**state, "step": "confirm", "place": place}, (question,))


SPEC = FlowSpec(
    NAME,
    step=step,
    triggers=(Trigger("review", begin, who="staff", when=_may),),
    facts=FACTS,
    records={ReviewRequest: ("reviews", "request")},
)
