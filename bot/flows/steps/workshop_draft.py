"""A new workshop from a manager's phone, one question at a time (the WORKSHOP flow's steps).

title ──► when (21/1 18:00) ──► until (or No set finish time) ──► where ──► online link (or none)
    ──► places (or No limit) ──► who for (All families, room:…, send, language:…, child:…)
    ──► the plain-words check on the title ──► preview with its reach ──► Add and send
Back at every question goes one question back; Not now (or NOT NOW typed) leaves, and nothing
is kept. The answers stay in the conversation's state until the manager adds the workshop.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.audience import ALL, AudienceError, Summary, parse
from bot.domain.messages import Choice, LocalTime, Text
from bot.domain.visits import VisitTimeError, read_visit_time
from bot.domain.workshops import (
    MAX_CAPACITY,
    MAX_TITLE,
    AddedWorkshop,
    NewWorkshop,
    Workshop,
    invite_due,
    is_web_address,
    reference,
)
from bot.flows.base import (
    ChoiceMade,
    Context,
    Effect,
    Event,
    RecordAudit,
    Reply,
    State,
    TextReceived,
    Transition,
    Write,
    end,
)
from bot.flows.steps import wording
from bot.flows.steps.questions import leave_button, leave_option
from bot.flows.steps.workshops import invite_text
from bot.language.times import read_time

BACK = "wsback"
SKIP = "wsskip"  # No set finish time / No online link / No limit
ADD = "wsadd"
# The questions in order; Back goes to the one before ("plain" and "preview" follow them).
ORDER = ("title", "when", "until", "where", "online", "capacity", "audience")
ASKS = {
    "title": "workshop.ask_title",
    "when": "workshop.ask_when",
    "until": "workshop.ask_until",
    "where": "workshop.ask_where",
    "online": "workshop.ask_online",
    "capacity": "workshop.ask_capacity",
    "audience": "workshop.ask_audience",
}
SKIPS = {
    "until": "workshop.choice_no_end",
    "online": "workshop.choice_no_link",
    "capacity": "workshop.choice_no_limit",
}


def zone(ctx: Context) -> ZoneInfo:
    """The setting's time zone."""
    return ZoneInfo(ctx.setting.time_zone if ctx.setting else "Europe/London")


def first(name: str, state: State, ctx: Context) -> Transition:
    """The first question, when no workshop waits for its invite: say so, and ask the title."""
    question = ask(name, "title", state, ctx)
    reply = question.effects[-1]
    assert isinstance(reply, Reply)
    intro = Reply(Text("workshop.ask_title_first", dict(reply.text.params)), reply.choices)
    return Transition(name, question.state, (intro,))


def ask(name: str, where: str, state: State, ctx: Context, *before: Effect) -> Transition:
    """Ask one question of the new workshop (after any problem with the last answer)."""
    choices: list[Choice] = []
    if where == "audience":
        choices.append(Choice(ALL, Text("broadcast.choice_all")))
    if where in SKIPS:
        choices.append(Choice(SKIP, Text(SKIPS[where])))
    if where != "title" or state.get("from_pick"):
        choices.append(Choice(BACK, Text("workshop.choice_back")))
    params: dict[str, Any] = {"title": state.get("title", ""), "most": MAX_CAPACITY}
    question = Reply(Text(ASKS[where], params), (*choices, leave_button()))
    return Transition(name, {**state, "step": where}, (*before, question))


def answer(name: str, state: State, event: Event, now: datetime) -> Transition | None:
    """The next question after an answer to the open one, or None when it is not one of the
    new workshop's questions (or Back from the first, which the flow handles)."""
    where = str(state.get("step"))
    ctx = event.ctx
    if isinstance(event, ChoiceMade) and event.key == BACK:
        return back(name, state, ctx)
    if where == "plain":
        return _plain(name, state, event)
    if where == "preview":
        return _preview_answer(name, state, event, now)
    if where not in ORDER:
        return None
    if isinstance(event, ChoiceMade) and event.key == SKIP and where in SKIPS:
        return _next(name, {**state, where: None}, where, ctx)
    if where == "audience":
        return _audience(name, state, event)
    if not isinstance(event, TextReceived) or not event.text.strip():
        return ask(name, where, state, ctx)
    reader = {
        "title": _title,
        "when": _when,
        "until": _until,
        "where": _place,
        "online": _online,
        "capacity": _capacity,
    }[where]
    return reader(name, state, event.text.strip(), ctx, now)


def back(name: str, state: State, ctx: Context) -> Transition | None:
    """One question back (None: back from the first question, to the list of workshops)."""
    where = str(state.get("step"))
    if where in ("plain", "preview"):
        return ask(name, "audience", state, ctx)
    if where == "title" and state.get("edit_title"):
        return _check(name, {k: v for k, v in state.items() if k != "edit_title"}, ctx)
    at = ORDER.index(where) if where in ORDER else 0
    if at == 0:
        return None
    return ask(name, ORDER[at - 1], state, ctx)


def _next(name: str, state: State, where: str, ctx: Context) -> Transition:
    at = ORDER.index(where)
    if at + 1 < len(ORDER):
        return ask(name, ORDER[at + 1], state, ctx)
    return _check(name, state, ctx)


def _title(name: str, state: State, text: str, ctx: Context, now: datetime) -> Transition:
    title = " ".join(text.split())
    if len(title) > MAX_TITLE or not any(c.isalpha() for c in title):
        problem = Reply(Text("workshop.title_again", {"most": MAX_TITLE}))
        return ask(name, "title", state, ctx, problem)
    if state.get("edit_title"):  # written again after the plain-words check: check it again
        kept = {k: v for k, v in state.items() if k != "edit_title"}
        return _check(name, {**kept, "title": title}, ctx)
    return _next(name, {**state, "title": title}, "title", ctx)


def _when(name: str, state: State, text: str, ctx: Context, now: datetime) -> Transition:
    try:
        starts = read_visit_time(text, zone(ctx).key, now)
    except VisitTimeError as error:
        problem = Reply(Text(f"visit.time_{error.kind}", {"text": text}))
        return ask(name, "when", state, ctx, problem)
    kept = {**state, "at": starts.isoformat()}
    ends = state.get("until")
    if ends and datetime.fromisoformat(str(ends)) <= starts:
        kept["until"] = None  # an end kept from before no longer follows the new start
    return _next(name, kept, "when", ctx)


def _until(name: str, state: State, text: str, ctx: Context, now: datetime) -> Transition:
    place = zone(ctx)
    starts = datetime.fromisoformat(str(state["at"])).astimezone(place)
    ends = _end_time(text, starts, place, now)
    if ends is None:
        problem = Reply(Text("workshop.until_again", {"text": text}))
        return ask(name, "until", state, ctx, problem)
    if ends <= starts:
        problem = Reply(Text("workshop.until_before", {"start": LocalTime(starts.time())}))
        return ask(name, "until", state, ctx, problem)
    return _next(name, {**state, "until": ends.astimezone(UTC).isoformat()}, "until", ctx)


def _end_time(text: str, starts: datetime, place: ZoneInfo, now: datetime) -> datetime | None:
    """An end as typed: a clock time on the day it starts (19:00, 7pm, 7: the one after the
    start), or a day and time; None when it is neither, or a time the clocks skip."""
    clock = read_time(text)
    if clock is not None and not clock.impossible:
        options = [clock.at] if clock.at is not None else list(clock.either or ())
        after = [t for t in options if t is not None and t > starts.time()]
        chosen = after[0] if after else options[0]
        return _on_day(starts.date(), chosen, place) if chosen is not None else None
    try:
        return read_visit_time(text, place.key, now)
    except VisitTimeError:
        return None


def _on_day(day: date, clock: time, place: ZoneInfo) -> datetime | None:
    naive = datetime.combine(day, clock)
    moment = naive.replace(tzinfo=place)
    if moment.astimezone(UTC).astimezone(place).replace(tzinfo=None) != naive:
        return None  # the hour the clocks skip
    return moment


def _place(name: str, state: State, text: str, ctx: Context, now: datetime) -> Transition:
    return _next(name, {**state, "where": " ".join(text.split())}, "where", ctx)


def _online(name: str, state: State, text: str, ctx: Context, now: datetime) -> Transition:
    if not is_web_address(text):
        problem = Reply(Text("workshop.online_again", {"text": text}))
        return ask(name, "online", state, ctx, problem)
    return _next(name, {**state, "online": text.strip()}, "online", ctx)


def _capacity(name: str, state: State, text: str, ctx: Context, now: datetime) -> Transition:
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or not 1 <= int(digits) <= MAX_CAPACITY:
        problem = Reply(Text("workshop.capacity_again", {"text": text, "most": MAX_CAPACITY}))
        return ask(name, "capacity", state, ctx, problem)
    return _next(name, {**state, "capacity": int(digits)}, "capacity", ctx)


def _audience(name: str, state: State, event: Event) -> Transition:
    ctx = event.ctx
    if isinstance(event, TextReceived):
        try:
            parse(event.text)
        except AudienceError as error:
            problem = Reply(Text(error.key, dict(error.params)))
            return ask(name, "audience", state, ctx, problem)
    elif event.key != ALL:
        return ask(name, "audience", state, ctx)
    summary: Summary | None = ctx.facts.get("workshop_audience")
    if summary is None:
        return ask(name, "audience", state, ctx)
    if summary.error is not None:
        problem = Reply(Text(summary.error, dict(summary.params)))
        return ask(name, "audience", state, ctx, problem)
    kept = {
        **state,
        "audience": summary.written,
        "families": summary.families,
        "carers": summary.carers,
        "not_reached": dict(summary.not_reached),
    }
    return _check(name, kept, ctx)


def _check(name: str, state: State, ctx: Context) -> Transition:
    """The plain-words check on the title, as for words many families read: it flags and
    offers the plain word; it never blocks."""
    found = wording.flags(ctx.glossary, str(state["title"]), to_many=True)
    if not found:
        return preview(name, state, ctx)
    question = wording.question(found, Text("workshop.choice_edit_title"), Text("choice.not_now"))
    back_too = (*question.choices, Choice(BACK, Text("workshop.choice_back")))
    return Transition(name, {**state, "step": "plain"}, (Reply(question.text, back_too),))


def _plain(name: str, state: State, event: Event) -> Transition:
    ctx = event.ctx
    if isinstance(event, ChoiceMade):
        title = wording.accepted(ctx.glossary, str(state["title"]), event.key, to_many=True)
        if title is not None:
            return _check(name, {**state, "title": title}, ctx)
        if event.key == wording.KEEP:
            return preview(name, state, ctx)
        if event.key == wording.EDIT:
            return ask(name, "title", {**state, "edit_title": True}, ctx)
        if event.key == wording.CANCEL:
            return end(Reply(Text("workshop.new_left")))
    return _check(name, state, ctx)


def draft(state: State, number: int) -> Workshop:
    """The workshop as the answers so far describe it, under the number it would take."""
    ends = state.get("until")
    return Workshop(
        number=number,
        title=str(state["title"]),
        starts_at=datetime.fromisoformat(str(state["at"])),
        ends_at=datetime.fromisoformat(str(ends)) if ends else None,
        place=str(state["where"]),
        online=state.get("online") or None,
        capacity=int(state["capacity"]) if state.get("capacity") else None,
        audience=str(state.get("audience") or ALL),
    )


def preview(name: str, state: State, ctx: Context, *before: Effect) -> Transition:
    """The invite as families will read it, how many it reaches and who it will not, and why."""
    number = int(ctx.facts.get("workshop_next") or 1)
    workshop = draft(state, number)
    missed: Mapping[str, int] = state.get("not_reached") or {}
    params = {
        "invite": invite_text(workshop, ctx.setting),
        "count": int(state.get("families", 0)),
        "carers": int(state.get("carers", 0)),
        "missed": Text(
            "workshop.missed",
            {
                "stopped": missed.get("opted_out", 0),
                "unreachable": missed.get("unreachable", 0),
                "no_information": missed.get("no_information", 0),
            },
        )
        if missed
        else "",
        "notes": "",
    }
    places = Text("workshop.places", {"most": workshop.capacity}) if workshop.capacity else ""
    shown = Text("workshop.preview", params)
    text = Text("workshop.new_preview", {"preview": shown, "places": places})
    choices = (
        Choice(ADD, Text("workshop.choice_add")),
        Choice(BACK, Text("workshop.choice_back")),
        leave_option(),
    )
    return Transition(name, {**state, "step": "preview"}, (*before, Reply(text, choices)))


def _preview_answer(name: str, state: State, event: Event, now: datetime) -> Transition:
    ctx = event.ctx
    if not isinstance(event, ChoiceMade) or event.key != ADD or ctx.setting is None:
        return preview(name, state, ctx)
    workshop = draft(state, int(ctx.facts.get("workshop_next") or 1))
    if workshop.starts_at <= now:
        start = LocalTime(workshop.starts_at.astimezone(zone(ctx)), with_day=True)
        problem = Reply(Text("visit.time_past", {"text": start}))
        return ask(name, "when", state, ctx, problem)
    due = invite_due(ctx.setting, now)
    new = NewWorkshop(
        workshop.title,
        workshop.starts_at,
        workshop.ends_at,
        workshop.place,
        workshop.online,
        workshop.capacity,
        workshop.audience,
    )
    ref = reference(workshop.number)
    families = int(state.get("families", 0))
    sent = Text("workshop.sent", {"reference": ref, "count": families})
    if due > now:
        local = due.astimezone(zone(ctx))
        sent = Text(
            "workshop.sent_later",
            {"reference": ref, "count": families, "when": LocalTime(local, with_day=True)},
        )
    return end(
        Write(AddedWorkshop(workshop.number, new, due)),
        RecordAudit("workshop.added", f"workshop:{ref}", {"from": "phone"}),
        RecordAudit("workshop.invited", f"workshop:{ref}", {"families": families}),
        Reply(Text("workshop.added", {"reference": ref, "sent": sent})),
    )
