"""Workshops: families are invited, answer Yes / No / Maybe, and hear again before it.

invite (a timer per contact, from `keyperson workshop invite` or WORKSHOP on a manager's phone,
    due now or when quiet hours end) ──► "Will you come?" Yes / No / Maybe (W-12)
Yes ──► booked; every place taken ──► the waiting list, and which place in line
No ──► "What would help?" another time of day / online / childcare / an interpreter /
    something else (their words) ──► kept, and the managers are told
Maybe ──► asked again three days before
Yes, then No or Maybe ──► the place goes to the first in line, who is told
[reminders] workshop_days_before at [reminders].time ──► a reminder to each "yes"
cancelled ──► everyone who said yes or maybe, or waits, is told (with the reason)
The answer buttons stay valid (a family may change its mind); by SMS "W-12 YES" works too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.messages import Choice, Inbound, Priority, Text
from bot.domain.time import at_local
from bot.domain.workshops import (
    ANSWERS,
    ASK_AGAIN_DAYS,
    GOING,
    HELPS,
    WAITING,
    Answered,
    GivenPlace,
    Standing,
    Workshop,
    WouldHelp,
    parse_reference,
    reference,
)
from bot.flows.base import (
    ChoiceMade,
    Context,
    Effect,
    Event,
    Fact,
    FlowSpec,
    NotifyCarer,
    NotifyStaff,
    RecordAudit,
    Reply,
    SetTimer,
    State,
    TextReceived,
    TimerFired,
    Transition,
    Write,
    end,
)
from bot.flows.steps.questions import answers_nothing, leave_button, leave_option
from bot.flows.steps.workshops import PRESSED, answer_choices, details, pressed_answer

NAME = "workshops"
INVITE, REMIND, ASK_AGAIN, CANCELLED = "invite", "remind", "ask_again", "cancelled"


# A family answers.


def pressed(key: str, ctx: Context, now: datetime | None = None) -> Transition:
    """An answer button (or its SMS number): Yes, No or Maybe to one workshop."""
    found = pressed_answer(key)
    if found is None or ctx.carer is None:
        return end(Reply(Text("choice.stale")))
    return answer(found[1], found[0], ctx, now or ctx.facts.get("now"))


def answer(number: int, said: str, ctx: Context, now: datetime | None) -> Transition:
    """Keep a family's answer and say what it means for them."""
    carer, standing = ctx.carer, _standing(ctx)
    ref = reference(number)
    if carer is None or standing is None or not standing.invited:
        return end(Reply(Text("workshop.unknown", {"reference": ref})))
    workshop = standing.workshop
    params = details(workshop, ctx.setting)
    if workshop.status == "cancelled":
        return end(Reply(Text("workshop.is_cancelled", params)))
    if now is not None and workshop.starts_at <= now:
        return end(Reply(Text("workshop.over", params)))
    previous = standing.answer
    if said == "yes":
        return _yes(standing, carer.id, params)
    effects: list[Effect] = [
        Write(Answered(number, carer.id, said)),
        RecordAudit("workshop.answered", f"workshop:{ref}", {"answer": said}),
    ]
    if previous == "yes" and standing.next_waiting is not None:
        effects += _give_place(number, standing.next_waiting, params)
    if said == "maybe":
        return end(*effects, Reply(Text("workshop.maybe", params)))
    state: State = {"step": "help", "number": number, "title": workshop.title}
    choices = (*(Choice(h, Text(f"workshop.help_{h}")) for h in HELPS), leave_option())
    return Transition(NAME, state, (*effects, Reply(Text("workshop.no", params), choices)))


def _yes(standing: Standing, carer_id: int, params: dict[str, Any]) -> Transition:
    number = standing.workshop.number
    ref = reference(number)
    if standing.answer == "yes":
        return end(Reply(Text("workshop.already_yes", params)))
    if standing.answer == WAITING:
        place = standing.place_in_line or 1
        return end(Reply(Text("workshop.still_waiting", {**params, "position": place})))
    audit = RecordAudit("workshop.answered", f"workshop:{ref}", {"answer": "yes"})
    # A place given up by someone else is first for those already in line.
    if standing.full or standing.waiting:
        place = standing.waiting + 1
        return end(
            Write(Answered(number, carer_id, WAITING)),
            audit,
            Reply(Text("workshop.waiting", {**params, "position": place})),
        )
    return end(Write(Answered(number, carer_id, "yes")), audit, Reply(Text("workshop.yes", params)))


def _give_place(number: int, carer_id: int, params: dict[str, Any]) -> tuple[Effect, ...]:
    """A place came free: the first in line has it, and is told (with how to give it up)."""
    return (
        Write(GivenPlace(number, carer_id)),
        NotifyCarer(carer_id, Text("workshop.place_free", params), None),
        RecordAudit("workshop.place_given", f"workshop:{reference(number)}", {"to": carer_id}),
    )


def _help_step(state: State, event: Event) -> Transition:
    """After a No: what would help them come to one (one of HELPS, or their own words)."""
    ctx = event.ctx
    if isinstance(event, ChoiceMade) and event.key in HELPS:
        if event.key == "other":
            ask = Reply(Text("workshop.help_words"), (leave_button(),))
            return Transition(NAME, {**state, "step": "help_words"}, (ask,))
        return _helped(state, event.key, "", ctx)
    if isinstance(event, TextReceived) and parse_reference(event.text) is not None:
        return Transition(None, {}, passthrough=True)  # "W-12 YES": an answer, not their words
    if isinstance(event, TextReceived) and not answers_nothing(event.text, ctx.words):
        return _helped(state, "other", event.text.strip(), ctx)
    return Transition(None, {}, passthrough=True)


def _helped(state: State, what: str, words: str, ctx: Context) -> Transition:
    carer, number = ctx.carer, int(state["number"])
    if carer is None:
        return Transition(None, {}, passthrough=True)
    ref = reference(number)
    told = Text(
        "workshop.help_staff",
        {
            "carer": carer.name,
            "reference": ref,
            "title": str(state.get("title", "")),
            "help": Text(f"workshop.help_{what}") if what != "other" else words,
        },
    )
    managers: tuple[int, ...] = tuple(ctx.facts.get("workshop_managers") or ())
    return end(
        Write(WouldHelp(number, carer.id, what, words)),
        *(NotifyStaff(m, told, Priority.NORMAL) for m in managers),
        RecordAudit("workshop.would_help", f"workshop:{ref}", {"help": what}),
        Reply(Text("workshop.help_thanks")),
    )


def recognise(text: str, ctx: Context) -> Transition | None:
    """A family's "W-12 YES" (or NO, MAYBE; "W-12" alone asks them again)."""
    if ctx.carer is None or ctx.staff is not None:
        return None
    parsed = parse_reference(text)
    if parsed is None:
        return None
    number, words = parsed
    said = next((a for a in ANSWERS if ctx.words.said(f"workshop_{a}", words)), None)
    if said is not None:
        return answer(number, said, ctx, ctx.facts.get("now"))
    if words:
        return None
    standing = _standing(ctx)
    if standing is None or not standing.invited:
        return end(Reply(Text("workshop.unknown", {"reference": reference(number)})))
    return _ask(standing, ctx, "workshop.invite")


def _ask(
    standing: Standing, ctx: Context, key: str, priority: Priority = Priority.REPLY
) -> Transition:
    number = standing.workshop.number
    question = Reply(
        Text(key, details(standing.workshop, ctx.setting)), answer_choices(number), priority
    )
    return Transition(NAME, {"step": "rsvp", "number": number}, (question,))


def step(state: State, event: Event, now: datetime) -> Transition:
    """One step of an open workshop question."""
    where = state.get("step")
    if isinstance(event, ChoiceMade) and pressed_answer(event.key) is not None:
        return pressed(event.key, event.ctx, now)
    if where in ("help", "help_words"):
        return _help_step(state, event)
    return Transition(None, {}, passthrough=True)


# Timers: the invite, reminders, "maybe" asked again, a cancellation.


def timer(state: State, fired: TimerFired, now: datetime) -> Transition:
    """A workshop timer for this contact; one whose moment has passed is dropped."""
    ctx, standing = fired.ctx, _standing(fired.ctx)
    keep = Transition(NAME, state) if state else Transition(None, {})
    if standing is None or ctx.carer is None or not standing.invited:
        return keep
    workshop = standing.workshop
    if fired.rule == CANCELLED:
        if workshop.status != "cancelled" or standing.answer not in GOING:
            return keep
        params = {**details(workshop, ctx.setting), "reason": workshop.reason or ""}
        key = "workshop.cancelled_because" if workshop.reason else "workshop.cancelled"
        return _plus(keep, Reply(Text(key, params), priority=Priority.REPLY))
    if workshop.status == "cancelled" or workshop.starts_at <= now:
        return keep
    if fired.rule == INVITE:
        if standing.answer is not None:
            return keep  # answered already, on another of their channels
        asked = _ask(standing, ctx, "workshop.invite", Priority.BULK)
        return Transition(asked.flow, asked.state, (*asked.effects, *_timers(workshop, ctx, now)))
    if fired.rule == REMIND and standing.answer == "yes":
        cannot = Choice(f"{PRESSED}no:{workshop.number}", Text("workshop.choice_cannot"))
        reminder = Reply(
            Text("workshop.reminder", details(workshop, ctx.setting)), (cannot,), Priority.NORMAL
        )
        return _plus(keep, reminder)
    if fired.rule == ASK_AGAIN and standing.answer == "maybe":
        return _ask(standing, ctx, "workshop.ask_again", Priority.NORMAL)
    return keep


def _plus(transition: Transition, *effects: Effect) -> Transition:
    return Transition(transition.flow, transition.state, (*transition.effects, *effects))


def _timers(workshop: Workshop, ctx: Context, now: datetime) -> tuple[Effect, ...]:
    """The reminders (checked when they fire: only a "yes" is reminded, only a "maybe" asked
    again), at the setting's reminder time, local days before the workshop."""
    setting = ctx.setting
    if setting is None:
        return ()
    start = workshop.starts_at.astimezone(ZoneInfo(setting.time_zone))
    payload = {"number": workshop.number}
    timers = [(d, REMIND) for d in setting.workshop_reminder_days] + [(ASK_AGAIN_DAYS, ASK_AGAIN)]
    found: list[Effect] = []
    for days, rule in timers:
        due = at_local(start - timedelta(days=days), setting.reminder_time)
        if now < due < start:
            found.append(SetTimer(NAME, due, rule, payload))
    return tuple(found)


# Facts.


def _standing(ctx: Context) -> Standing | None:
    found = ctx.facts.get("workshop")
    return found if isinstance(found, Standing) else None


def _named(ctx: Context, inbound: Inbound) -> int | None:
    """The workshop a message names: a timer's, an answer button's, or "W-12 …"."""
    fired = ctx.facts.get("timer")
    if fired and "number" in fired:
        return int(fired["number"])
    if inbound.choice is not None:
        found = pressed_answer(inbound.choice)
        return found[1] if found else None
    parsed = parse_reference(inbound.text)
    return parsed[0] if parsed else None


def _standing_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if ctx.carer is None or ctx.setting_id is None:
        return None
    number = _named(ctx, inbound)
    return None if number is None else (ctx.setting_id, number, ctx.carer.id)


def _managers_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    return (ctx.setting_id, "manager") if ctx.carer is not None and ctx.setting_id else None


def _now_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    return (now,)


SPEC = FlowSpec(
    NAME,
    step=step,
    facts=(
        Fact("now", "", "", _now_args),
        Fact("workshop", "workshops", "standing", _standing_args),
        Fact("workshop_managers", "people", "staff_with_role", _managers_args, default=[]),
    ),
    recognise=recognise,
    actions=(PRESSED,),
    action=pressed,
    timer=timer,
    left_key="workshop.left",
    records={
        Answered: ("workshops", "answer"),
        GivenPlace: ("workshops", "give_place"),
        WouldHelp: ("workshops", "would_help"),
    },
)

__all__ = ["SPEC"]
