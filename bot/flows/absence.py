"""Absence: a carer tells the setting their child is not coming in.

ABSENT / "My child is not coming in" ──► which child (several) ──► why ──► how long ──►
    the key person and the staff of the child's room are told at once (even out of hours);
    the absence is kept; the family is thanked.
"Noah is off sick today" (a message that reads like one) ──► "Is this to tell us Noah is not
    coming in?" ── yes ──► as above, and staff see the words too
                 ── no ──► the words go on as an ordinary message
A child a carer may not be told about is never named to them (questions.which_children).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.messages import Choice, Inbound, Priority, Text, Weekdays
from bot.domain.people import ChildLink
from bot.flows.base import (
    ChoiceMade,
    Command,
    Context,
    Effect,
    Event,
    Fact,
    FlowSpec,
    MenuEntry,
    NotifyStaff,
    OpenThread,
    RecordAudit,
    Reply,
    State,
    TextReceived,
    Transition,
    Trigger,
    Write,
    end,
)
from bot.flows.steps import facts as known
from bot.flows.steps.people import from_carer_params, reply_button
from bot.flows.steps.questions import (
    OTHER,
    answers_nothing,
    child_choices,
    leave_option,
    which_children,
)

NAME = "absence"
TRIGGER = "absent"
REASONS = ("ill", "appointment", "holiday", "other")
LENGTHS = ("one", "two", "week", "unsure")
YES, NO = "yes", "no"
STAFF_FACT = "absence_staff"  # child id -> the staff to tell (key person, room; else managers)
# Longer than this, a message is more than an absence: it goes on as written.
RECOGNISE_UP_TO = 300

# Messages that read like an absence ("Noah is off sick today", "won't be in, dentist"). Kept
# short and conservative: a family is asked before anything is assumed, and questions ("is
# Noah off sick?"), past days ("was off sick") and denials ("isn't sick") never match.
_SAYS_AWAY = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?<!was )(?<!were )(?<!been )\boff (sick|ill|poorly|unwell)\b",
        r"\b(won't|wont|will not|isn't|isnt|is not|not|can't|cant|cannot) (be )?"
        r"(coming|come|going|go) in\b",
        r"\b(not|won't|wont|will not|isn't|isnt|is not) (be )?(coming |come )?in "
        r"(today|tomorrow|this week)\b",
        r"\b(not|won't|wont|will not|isn't|isnt|is not) (be )?coming (today|tomorrow)\b",
        r"\b(won't|wont|will not) be in\b(?! (the|a|an|touch|time)\b)",
        r"\b(staying|stay|stays|keeping \w+) (at )?home (today|tomorrow|this week)\b",
        r"(?<!not )\b(is|he's|she's|they're|are) (sick|ill|poorly|unwell) "
        r"(today|this morning|tomorrow)\b",
        r"(?<!nie )\bjest (chory|chora|chore|przeziębiony|przeziębiona)\b",
        r"\bnie (przyjdzie|przyjdą)\b(?! na\b)",
        r"\bnie (będzie|bedzie) (go |jej |ich )?(dziś|dzis|dzisiaj|jutro|w żłobku|w zlobku|"
        r"w przedszkolu)\b",
        r"\b(zostaje|zostanie|zostają|zostaną) w domu\b",
    )
)
_QUESTION_START = re.compile(
    r"^(is|are|was|were|will|would|does|do|did|can|could|should|has|have|why|when|what|how|"
    r"who|where|czy|dlaczego|kiedy|jak|co|gdzie|kto)\b"
)


@dataclass(frozen=True, slots=True)
class Absence:
    """One child's absence, as kept (Write): local calendar days; last_day None: not known."""

    child_id: int
    reason: str
    first_day: date
    last_day: date | None


def begin(ctx: Context) -> Transition:
    """ABSENT, or the menu's "My child is not coming in": which child, then why."""
    return _ask_child(ctx, {})


def recognise(text: str, ctx: Context) -> Transition | None:
    """A carer's message that reads like an absence: ask before assuming it is one."""
    carer = ctx.carer
    if carer is None or ctx.staff is not None or not reads_like_absence(text):
        return None
    if ctx.words.said(TRIGGER, text):
        return None  # the word itself starts the questions straight away
    answers = which_children(carer.children)
    if not answers:
        return None
    named = _named_child(text, carer.children)
    children = answers.get(str(named)) if named is not None else None
    if children is None and len(answers) == 1:
        ((_, children),) = answers.items()
    state: State = {"step": "confirm", "said": text.strip()}
    if named is not None:
        state["child"] = str(named)
    if children is not None and len(children) == 1 and children[0].receives_information:
        question = Text("absence.confirm", {"child": children[0].first_name})
    else:
        question = Text("absence.confirm_plain")
    choices = (
        Choice(YES, Text("absence.choice_yes")),
        Choice(NO, Text("absence.choice_no")),
        leave_option(),
    )
    return Transition(NAME, state, (Reply(question, choices),))


def reads_like_absence(text: str) -> bool:
    """Whether a message reads like "my child is not coming in" rather than a question or
    anything else (see _SAYS_AWAY)."""
    said = " ".join(text.casefold().replace("’", "'").split())
    if not said or "?" in said or len(said) > RECOGNISE_UP_TO:
        return False
    if _QUESTION_START.match(said):
        return False
    return any(pattern.search(said) for pattern in _SAYS_AWAY)


def step(state: State, event: Event, now: datetime) -> Transition:
    """The confirmation, the child, the reason, then how long."""
    ctx = event.ctx
    if ctx.carer is None:
        return Transition(None, {}, passthrough=True)
    where = state.get("step")
    if where == "confirm":
        return _confirmed(state, event)
    if where not in ("child", "reason", "length"):
        return Transition(None, {}, passthrough=True)
    key = _answer(event, where)
    if where == "child":
        answers = which_children(ctx.carer.children)
        if key in answers:
            return _ask_reason({**state, "child": key}, answers[key])
    if where == "reason" and key in REASONS:
        return _ask_length({**state, "reason": key}, ctx, now)
    if where == "length" and key in LENGTHS:
        return end(*_report({**state, "length": key}, ctx, now))
    return _again(state, event, now)


def _answer(event: Event, where: object) -> str | None:
    """The key an answer names: a choice, or a typed word for a reason ("sick", "dentist")."""
    if isinstance(event, ChoiceMade):
        return event.key
    if where == "reason":
        return next((r for r in REASONS if event.ctx.words.said(f"absence_{r}", event.text)), None)
    return None


def _again(state: State, event: Event, now: datetime) -> Transition:
    """An answer that is none of the options: "ok" or "?" asks again; words go on as a
    message (nothing written is lost), and the question ends; a button of another question
    starts afresh."""
    if isinstance(event, ChoiceMade):
        return Transition(None, {}, passthrough=True)
    if isinstance(event, TextReceived) and not answers_nothing(event.text, event.ctx.words):
        said = str(state.get("said", ""))
        return Transition(None, {}, forward=f"{said}\n{event.text}".strip())
    ctx = event.ctx
    assert ctx.carer is not None
    if state.get("step") == "child":
        return _ask_child(ctx, state)
    chosen = which_children(ctx.carer.children).get(str(state.get("child")), ())
    if state.get("step") == "reason":
        return _ask_reason(state, chosen)
    return _ask_length(state, ctx, now)


def _confirmed(state: State, event: Event) -> Transition:
    said = str(state.get("said", ""))
    if isinstance(event, ChoiceMade) and event.key == YES:
        return _ask_child(event.ctx, state)
    if isinstance(event, TextReceived) and event.ctx.words.said("absence_yes", event.text):
        return _ask_child(event.ctx, state)
    if isinstance(event, TextReceived) and not event.ctx.words.said("absence_no", event.text):
        if not answers_nothing(event.text, event.ctx.words):
            said = f"{said}\n{event.text}".strip()  # writing on: it is a message after all
    return Transition(None, {}, forward=said)


def _ask_child(ctx: Context, state: State) -> Transition:
    assert ctx.carer is not None
    answers = which_children(ctx.carer.children)
    chosen = str(state.get("child", ""))
    if chosen not in answers and len(answers) == 1:
        (chosen,) = answers
    if chosen in answers:
        return _ask_reason({**state, "child": chosen}, answers[chosen])
    choices = (*child_choices(ctx.carer.children), leave_option())
    question = Reply(Text("absence.which_child"), choices)
    return Transition(NAME, {**state, "step": "child"}, (question,))


def _ask_reason(state: State, children: tuple[ChildLink, ...]) -> Transition:
    child = children[0] if children else None
    if len(children) == 1 and child is not None and child.receives_information:
        text = Text("absence.why", {"child": child.first_name})
    else:
        text = Text("absence.why_plain")
    choices = (*(Choice(r, Text(f"absence.reason_{r}")) for r in REASONS), leave_option())
    return Transition(NAME, {**state, "step": "reason"}, (Reply(text, choices),))


def _ask_length(state: State, ctx: Context, now: datetime) -> Transition:
    today, days = _days(ctx, now)
    first, second = days[0], days[1]
    choices = (
        Choice("one", Text("absence.length_one", {"day": _day(first, today)})),
        Choice(
            "two",
            Text("absence.length_two", {"day": _day(first, today), "next": _day(second, today)}),
        ),
        Choice("week", Text("absence.length_week")),
        Choice("unsure", Text("absence.length_unsure")),
        leave_option(),
    )
    question = Reply(Text("absence.how_long"), choices)
    return Transition(NAME, {**state, "step": "length"}, (question,))


def _days(ctx: Context, now: datetime) -> tuple[date, tuple[date, ...]]:
    """Today in the setting's time zone, and the opening days from the first the child is
    missed: today if the setting has not closed yet, else the next day it opens."""
    setting = ctx.setting
    if setting is None:
        today = now.date()
        return today, tuple(today + timedelta(days=n) for n in range(7))
    local = now.astimezone(ZoneInfo(setting.time_zone))
    first = setting.opening.next_open(local).date()
    days = tuple(
        d
        for d in (first + timedelta(days=n) for n in range(14))
        if d.weekday() in setting.opening.days
    )
    return local.date(), days


def _day(day: date, today: date) -> Text | Weekdays:
    """A day as a family says it: today, tomorrow, or its weekday's name."""
    if day == today:
        return Text("absence.today")
    if day == today + timedelta(days=1):
        return Text("absence.tomorrow")
    return Weekdays((day.weekday(),))


def _until(length: str, days: tuple[date, ...]) -> date | None:
    first = days[0]
    if length == "one":
        return first
    if length == "two":
        return days[1]
    if length == "week":
        # The last day the setting opens in the week of the first day missed.
        return max(d for d in days if d.isocalendar()[:2] == first.isocalendar()[:2])
    return None


def _report(state: State, ctx: Context, now: datetime) -> tuple[Effect, ...]:
    """Tell the staff, keep the absence, thank the family."""
    carer = ctx.carer
    assert carer is not None
    children = which_children(carer.children).get(str(state["child"]), ())
    reason, length = str(state["reason"]), str(state["length"])
    today, days = _days(ctx, now)
    first, last = days[0], _until(length, days)
    told: dict[int, tuple[int, ...]] = ctx.facts.get(STAFF_FACT) or {}
    said = str(state.get("said", ""))
    effects: list[Effect] = []
    for child in children:
        code = known.threads(ctx).get(child.child_id)
        recipients = told.get(child.child_id) or (
            (child.key_person_id,) if child.key_person_id else known.fallback_staff(ctx)
        )
        informed = child.receives_information
        params: dict[str, object] = {
            **from_carer_params(child, carer, code or "", said),
            "reason": Text(f"absence.reason_{reason}"),
            "when": _when(first, last, today),
        }
        key = "absence.to_staff" if informed else "absence.to_staff_no_info"
        if said:
            key += "_said"
        # The same flag as every other message from this carer, and no Reply button where
        # nothing about the child may be sent back to them.
        answer = (reply_button(code),) if informed and code else ()
        if code:
            effects.append(OpenThread(carer.id, child.child_id, code))
        effects += [
            Write(Absence(child.child_id, reason, first, last)),
            *(
                NotifyStaff(s, Text(key, params), Priority.URGENT, answer, thread=code)
                for s in recipients
            ),
            RecordAudit(
                "absence.reported",
                f"child:{child.child_id}",
                {"reason": reason, "length": length, "to": list(recipients)},
            ),
        ]
    return (*effects, Reply(_thanks(reason, children)))


def _when(first: date, last: date | None, today: date) -> Text:
    if last is None:
        return Text("absence.when_open", {"day": _day(first, today)})
    if last == first:
        return Text("absence.when_one", {"day": _day(first, today)})
    return Text("absence.when_range", {"day": _day(first, today), "last": _day(last, today)})


def _thanks(reason: str, children: tuple[ChildLink, ...]) -> Text:
    """Thanks, naming the child only to a carer told about them (and only when there is one)."""
    named = len(children) == 1 and children[0].receives_information
    if reason == "ill" and named:
        return Text("absence.thanks_ill", {"child": children[0].first_name})
    if reason == "ill":
        return Text("absence.thanks_ill_plain")
    return Text("absence.thanks")


def _named_child(text: str, children: tuple[ChildLink, ...]) -> int | None:
    """The one child told about to this carer whose first name the message holds, if any."""
    words = set(re.findall(r"\w+", text.casefold()))
    named = [
        c.child_id for c in children if c.receives_information and c.first_name.casefold() in words
    ]
    return named[0] if len(named) == 1 else None


def _dropped(state: State, ctx: Context) -> tuple[Effect, ...]:
    """Leaving the question the message started: say it was not passed on."""
    if state.get("said"):
        return (Reply(Text("absence.not_sent")),)
    return ()


def _to_tell(ctx: Context, inbound: Inbound, now: datetime) -> tuple[tuple[int, ...]] | None:
    if ctx.carer is None:
        return None
    return (tuple(c.child_id for c in ctx.carer.children),)


SPEC = FlowSpec(
    NAME,
    step=step,
    triggers=(Trigger(TRIGGER, begin, who="carer"),),
    menu=(MenuEntry(TRIGGER, begin, who="carer", order=30),),
    commands=(Command(TRIGGER, carer=35),),
    facts=(*known.CARER_FACTS, Fact(STAFF_FACT, "absences", "to_tell", _to_tell, default={})),
    recognise=recognise,
    dropped=_dropped,
    records={Absence: ("absences", "add")},
)

__all__ = ["OTHER", "SPEC", "Absence", "reads_like_absence"]
