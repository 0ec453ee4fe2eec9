"""Concerns: a family raises something important, and it is followed to an end.

CONCERN / "I'm worried about something" ──► which child (several) ──► what it is about
    (development or needs / care or something that happened here / a complaint / someone's
    safety: "If a child is in danger right now, call 999.") ──► how soon ──► their words ──►
    how they would like to be answered ──► the concern is kept (one record, reference C-1042);
    the staff its topic is routed to are told; the family gets the reference, what happens
    next (concern_steps) and by when they will hear back (staff hours on open days only).
Not now (or BACK) leaves any step; nothing is raised then, but the concern is one record from
the first step: what they gave is kept as a draft for a day. CONCERN (or the menu) within the
day offers "carry on with the concern you started, or start again?"; after a day the draft is
closed as abandoned (kept, never deleted) and not offered again.

Staff, by SMS or Telegram:  ACK C-1042 ──► the family hears who is looking at it
                            C-1042 <words> ──► (the plain-words check) ──► the family's answer
                            CLOSE C-1042 <summary> ──► closed; the family is asked whether they
                                are happy (C-1042 YES / NOT REALLY / MANAGER: the last two
                                reopen it to the manager)
                            CONCERNS ──► their open concerns, oldest first
A family:                   C-1042 <words> ──► added to their concern; its staff are told
Not acknowledged by its time ──► the manager is told (safety: the deputy DSL, else the
    manager), and again each working day until someone acknowledges it.
A child a carer may not be told about is never named to them (questions.which_children).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.concerns import ConcernInfo
from bot.domain.messages import Choice, ChoiceStyle, Inbound, LocalTime, Priority, Text
from bot.domain.people import ChildLink
from bot.domain.setting import SettingProfile
from bot.flows.base import (
    CancelTimer,
    ChoiceMade,
    Command,
    Context,
    Effect,
    Event,
    Fact,
    FlowSpec,
    MenuEntry,
    NotifyCarer,
    NotifyStaff,
    PhotoShared,
    RecordAudit,
    Reply,
    SetTimer,
    State,
    TextReceived,
    TimerFired,
    Transition,
    Trigger,
    Write,
    end,
)
from bot.flows.steps import wording
from bot.flows.steps.questions import (
    OTHER,
    answers_nothing,
    child_choices,
    leave_button,
    leave_option,
    which_children,
)

NAME = "concerns"
TRIGGER = "concern"  # a carer raises one
LIST = "concerns"  # a member of staff lists theirs
PHRASES = "concern_phrases"  # words that make a message read like a concern
SEND = "send"  # "just send it" rather than raise a concern
RAISE = "raise_concern"  # "raise it as a concern", for a message that read like one
TOPICS = ("development", "care", "complaint", "safety")
URGENCIES = ("today", "week", "no_rush")
ANSWERS = ("message", "phone", "meeting")
RATINGS = ("yes", "not_really", "manager")
REOPENING = ("not_really", "manager")  # ratings that reopen a concern to the manager
STAGES = ("received", "acknowledged", "reopened", "closed")
ACKNOWLEDGE = "acknowledge"  # the timer's rule
DRAFT = "draft"  # the rule of the timer that closes a draft left for a day
DRAFT_KEPT = timedelta(days=1)
RESUME, RESTART = "carry_on", "start_again"  # a draft offered again
RAISING = ("child", "topic", "urgency", "words", "answer_by")
SEES_ALL = frozenset({"manager", "dsl", "deputy_dsl"})

# A reference as typed: C-1042 (also c1042), at the start of a message, then the words.
_REF = r"C-?(\d{4,7})\b[\s:,.\-]*(.*)"
_AT_START = re.compile(r"^\s*" + _REF, re.IGNORECASE | re.DOTALL)
_AFTER_WORD = re.compile(r"^\s*(\S+)\s+" + _REF, re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Concern:
    """A concern as raised (Write): the carer writing is the one who raised it."""

    number: int
    child_id: int | None
    topic: str
    urgency: str
    words: str
    answer_by: str
    staff: tuple[int, ...]
    acknowledge_by: datetime
    photo: str | None = None  # a Telegram file id sent with their words


@dataclass(frozen=True, slots=True)
class Draft:
    """The first step of raising a concern: one record from now on (words already given, when
    the family's message read like a concern)."""

    number: int
    words: str = ""


@dataclass(frozen=True, slots=True)
class DraftAnswer:
    """An answer given while raising a concern, kept on its draft (column: value)."""

    number: int
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Abandoned:
    """A draft left for a day, or started again: closed as abandoned, never deleted."""

    number: int


@dataclass(frozen=True, slots=True)
class Acknowledged:
    number: int
    staff_id: int


@dataclass(frozen=True, slots=True)
class Note:
    """Something said on a concern: "family" (an addition) or "answer" (from staff)."""

    number: int
    kind: str
    words: str
    photo: str | None = None  # a Telegram file id sent with a family's addition


@dataclass(frozen=True, slots=True)
class Closed:
    number: int
    summary: str


@dataclass(frozen=True, slots=True)
class Rated:
    """The family's answer to "Are you happy with how this was dealt with?"."""

    number: int
    answer: str


def reference(number: int) -> str:
    """A reference people can read over the phone."""
    return f"C-{number}"


# Raising one.


def begin(ctx: Context) -> Transition:
    """CONCERN, or the menu's "I'm worried about something": a draft of the last day is offered
    again; otherwise which child, then the topic."""
    draft: ConcernInfo | None = ctx.facts.get("concern_draft")
    if draft is not None:
        choices = (
            Choice(RESUME, Text("concern.draft_carry_on")),
            Choice(RESTART, Text("concern.draft_start_again")),
            leave_option(),
        )
        state = {"step": "resume", "draft": draft.number}
        return Transition(NAME, state, (Reply(Text("concern.draft_offer"), choices),))
    return _fresh(ctx)


def _fresh(ctx: Context, words: str = "", *before: Effect) -> Transition:
    """A new concern: its record (a draft) from this first step, closed as abandoned if it is
    still a draft a day later."""
    number = ctx.facts.get("concern_number")
    if number is None:
        return _ask_child(ctx, {"words": words} if words else {})
    until: datetime | None = ctx.facts.get("concern_draft_until")
    kept: tuple[Effect, ...] = (Write(Draft(int(number), words)),)
    if until is not None:
        kept += (SetTimer(NAME, until, DRAFT, {"number": int(number)}),)
    state: State = {"number": number, **({"words": words} if words else {})}
    started = _ask_child(ctx, state)
    return Transition(started.flow, started.state, (*before, *kept, *started.effects))


def _resumed(state: State, event: Event) -> Transition:
    """The answer to "carry on with the concern you started, or start again?"."""
    ctx = event.ctx
    draft: ConcernInfo | None = ctx.facts.get("concern_draft")
    key = event.key if isinstance(event, ChoiceMade) else None
    if key == RESTART:
        gone = (Write(Abandoned(int(state["draft"]))),) if "draft" in state else ()
        return _fresh(ctx, "", *gone)
    if key != RESUME:
        return Transition(None, {}, passthrough=True)
    if draft is None or draft.number != state.get("draft") or draft.stage != "draft":
        return _fresh(ctx)
    answers = which_children(ctx.carer.children) if ctx.carer else {}
    kept: State = {"number": draft.number}
    child = str(draft.child_id) if draft.child_id is not None else None
    if child in answers:
        kept["child"] = child
    elif len(answers) <= 1:
        kept["child"] = next(iter(answers), "")
    elif OTHER in answers and draft.child_id in {c.child_id for c in answers[OTHER]}:
        kept["child"] = OTHER
    for name in ("topic", "urgency", "words"):
        if getattr(draft, name):
            kept[name] = getattr(draft, name)
    if draft.photo:
        kept["photo"] = draft.photo
    if "child" not in kept:
        return _ask_child(ctx, kept)
    following = next((w for w in ("topic", "urgency", "words") if w not in kept), "answer_by")
    return _ask(ctx, kept, following)


def _kept(state: State, **answer: Any) -> tuple[Effect, ...]:
    """Keep an answer on the concern's draft (nothing to keep without a reference)."""
    if state.get("number") is None:
        return ()
    return (Write(DraftAnswer(int(state["number"]), answer)),)


def dropped(state: State, ctx: Context) -> tuple[Effect, ...]:
    """Leaving halfway (Not now, or another word): what they gave is kept for a day."""
    if state.get("step") == "rate":
        return (Reply(Text("concern.rate_later", {"reference": reference(int(state["number"]))})),)
    if ctx.carer is None or state.get("step") not in (*RAISING, "resume"):
        return ()
    if state.get("number") is None and state.get("step") != "resume":
        return ()
    if ctx.facts.get("concern_draft") is not None:
        return ()  # left by CONCERN itself: the draft is offered again at once
    return (Reply(Text("concern.draft_kept")),)


def _ask_child(ctx: Context, state: State) -> Transition:
    assert ctx.carer is not None
    answers = which_children(ctx.carer.children)
    if len(answers) <= 1:
        only = next(iter(answers), "")
        return _ask(ctx, {**state, "child": only}, "topic")
    choices = (*child_choices(ctx.carer.children), leave_option())
    question = Reply(Text("concern.which_child"), choices)
    return Transition(NAME, {**state, "step": "child"}, (question,))


def _ask(ctx: Context, state: State, where: str, *before: Effect) -> Transition:
    """Ask the question of a step."""
    if where == "topic":
        text = Text("concern.ask_topic")
        options = tuple(Choice(o, Text(f"concern.topic_{o}")) for o in TOPICS)
    elif where == "urgency":
        text = Text("concern.ask_urgency")
        options = tuple(Choice(o, Text(f"concern.urgency_{o}")) for o in URGENCIES)
    elif where == "answer_by":
        text = Text("concern.ask_answer_by")
        options = tuple(Choice(o, Text(f"concern.answer_by_{o}")) for o in ANSWERS)
    else:
        question = Reply(Text("concern.ask_words"), (leave_button(),))
        return Transition(NAME, {**state, "step": "words"}, (*before, question))
    question = Reply(text, (*options, leave_option()))
    return Transition(NAME, {**state, "step": where}, (*before, question))


def step(state: State, event: Event, now: datetime) -> Transition:
    """The steps of raising a concern, and a member of staff's plain-words answer."""
    ctx = event.ctx
    where = state.get("step")
    if where in ("plain", "final", "edit"):
        return _plain_step(state, event)
    if where == "offer" and ctx.carer is not None:
        return _offered(state, event)
    if where == "resume" and ctx.carer is not None:
        return _resumed(state, event)
    if where == "rate":
        rated = _rating(event.key) if isinstance(event, ChoiceMade) else None
        if rated is None or ctx.carer is None:
            return Transition(None, {}, passthrough=True)
        return _rate_pressed(rated, ctx)
    if ctx.carer is None or where not in ("child", "topic", "urgency", "words", "answer_by"):
        return Transition(None, {}, passthrough=True)
    if where == "words":
        if isinstance(event, TextReceived) and not answers_nothing(event.text, ctx.words):
            words = event.text.strip()
            return _ask(ctx, {**state, "words": words}, "answer_by", *_kept(state, words=words))
        if isinstance(event, ChoiceMade):
            return Transition(None, {}, passthrough=True)
        return _ask(ctx, state, "words")
    key = event.key if isinstance(event, ChoiceMade) else _typed(event.text, where, ctx)
    if where == "child" and key in which_children(ctx.carer.children):
        chosen = which_children(ctx.carer.children)[key]
        kept = _kept(state, child_id=chosen[0].child_id) if len(chosen) == 1 else ()
        return _ask(ctx, {**state, "child": key}, "topic", *kept)
    if where == "topic" and key in TOPICS:
        before: tuple[Effect, ...] = _kept(state, topic=key)
        if key == "safety":
            number = ctx.setting.emergency_number if ctx.setting else "999"
            before += (Reply(Text("concern.emergency", {"number": number})),)
        return _ask(ctx, {**state, "topic": key}, "urgency", *before)
    if where == "urgency" and key in URGENCIES:
        # Words already given (a message that read like a concern) are not asked for again.
        following = "answer_by" if state.get("words") else "words"
        return _ask(ctx, {**state, "urgency": key}, following, *_kept(state, urgency=key))
    if where == "answer_by" and key in ANSWERS:
        return _raise({**state, "answer_by": key}, ctx, now)
    if isinstance(event, ChoiceMade):
        return Transition(None, {}, passthrough=True)  # a button of another question
    if where == "child":
        return _ask_child(ctx, state)
    return _ask(ctx, state, str(where))


def _typed(text: str, where: object, ctx: Context) -> str | None:
    """An option typed as its word (the catalogs' trigger.concern_<option>)."""
    options = {"topic": TOPICS, "urgency": URGENCIES, "answer_by": ANSWERS}.get(str(where), ())
    return next((o for o in options if ctx.words.said(f"concern_{o}", text)), None)


def _raise(state: State, ctx: Context, now: datetime) -> Transition:
    """Keep the concern, tell the staff its topic goes to, tell the family what happens next."""
    carer, setting = ctx.carer, ctx.setting
    assert carer is not None
    number = state.get("number")
    if number is None or setting is None:
        # No reference could be taken (the concern did not start with CONCERN or the menu).
        return end(Reply(Text("concern.try_again")))
    number = int(number)
    chosen = which_children(carer.children).get(str(state.get("child", "")), ())
    child = chosen[0] if len(chosen) == 1 else None
    topic, urgency = str(state["topic"]), str(state["urgency"])
    words, answer_by = str(state["words"]), str(state["answer_by"])
    staff = with_covers(route(topic, child, ctx.facts.get("concern_roles") or {}), ctx)
    due = acknowledge_by(setting, now)
    ref = reference(number)
    urgent = topic == "safety" or urgency == "today"
    params = {
        "reference": ref,
        "carer": _carer_name(carer.name, child),
        "child": child.first_name if child else Text("concern.child_unknown"),
        "topic": Text(f"concern.topic_{topic}"),
        "urgency": Text(f"concern.urgency_{urgency}"),
        "answer_by": Text(f"concern.answer_by_{answer_by}"),
        "message": words,
    }
    photo = str(state["photo"]) if state.get("photo") else None
    told = _with_photo(Text("concern.to_staff", params), photo)
    lane = Priority.URGENT if urgent else Priority.REPLY
    effects: list[Effect] = [
        Write(Concern(number, child.child_id if child else None, topic, urgency, words,
                      answer_by, staff, due, photo)),
        CancelTimer(NAME, DRAFT),
        *(
            NotifyStaff(s, told, lane, buttons(number, topic == "safety"), photo=photo)
            for s in staff
        ),
        SetTimer(NAME, due, ACKNOWLEDGE, {"number": number}),
        RecordAudit(
            "concern.opened",
            f"concern:{ref}",
            {"topic": topic, "urgency": urgency, "answer_by": answer_by, "to": list(staff)},
        ),
    ]  # fmt: skip
    local = due.astimezone(ZoneInfo(setting.time_zone))
    received = {
        "reference": ref,
        "steps": setting.text("concern_steps", carer.language),
        "when": _when(local, now.astimezone(ZoneInfo(setting.time_zone))),
    }
    effects.append(Reply(Text("concern.received", received)))
    return end(*effects)


def _with_photo(text: Text, photo: str | None) -> Text:
    """Staff's message, saying a photo came with it (on SMS: that it is seen on Telegram)."""
    return Text("concern.with_photo", {"message": text}) if photo else text


def _photo_while_open(state: State, event: PhotoShared) -> Transition:
    """A photo while a family is asked for their words: the caption is their words; a photo
    alone is kept and the words asked for."""
    ctx = event.ctx
    if ctx.carer is None or state.get("step") != "words":
        return Transition(None, {}, passthrough=True)
    caption = event.caption.strip()
    kept = {**state, "photo": event.file_id}
    if caption and not answers_nothing(caption, ctx.words):
        answered = _kept(state, words=caption, photo=event.file_id)
        return _ask(ctx, {**kept, "words": caption}, "answer_by", *answered)
    if state.get("words"):
        return _ask(ctx, kept, "answer_by", *_kept(state, photo=event.file_id))
    asked = Reply(Text("concern.photo_kept"), (leave_button(),))
    return Transition(NAME, kept, (*_kept(state, photo=event.file_id), asked))


def _photo_added(event: PhotoShared) -> Transition | None:
    """A family's photo captioned C-1042 …: added to their concern, the photo with it."""
    ctx = event.ctx
    if ctx.carer is None or ctx.staff is not None or ctx.setting_id is None:
        return None
    found = _AT_START.match(event.caption)
    if found is None:
        return None
    info: ConcernInfo | None = ctx.facts.get("concern")
    words = found.group(2).strip()
    return _family_writes(int(found.group(1)), words, info, ctx, event.file_id)


def route(
    topic: str, child: ChildLink | None, roles: dict[str, tuple[int, ...]]
) -> tuple[int, ...]:
    """Whom a concern goes to, by topic: development → key person and SENCo; care → key
    person and manager; a complaint → manager; someone's safety → the DSL and the deputy DSL.
    Nobody in those roles: the managers, then the DSL."""
    key_person = (child.key_person_id,) if child and child.key_person_id else ()
    chosen: tuple[int, ...]
    if topic == "development":
        chosen = (*key_person, *roles.get("senco", ()))
    elif topic == "care":
        chosen = (*key_person, *roles.get("manager", ()))
    elif topic == "complaint":
        chosen = roles.get("manager", ())
    else:
        chosen = (*roles.get("dsl", ()), *roles.get("deputy_dsl", ()))
    chosen = chosen or roles.get("manager", ()) or roles.get("dsl", ())
    return tuple(dict.fromkeys(chosen))


def with_covers(staff: tuple[int, ...], ctx: Context) -> tuple[int, ...]:
    """The staff a concern goes to, each followed by their named cover (staff.csv cover_ref):
    a colleague covering gets what the one they cover would, so nothing waits for someone away.
    (No record says who is away today, so the cover is always told.)"""
    covers: dict[int, tuple[int, ...]] = ctx.facts.get("concern_covers") or {}
    return tuple(dict.fromkeys(c for s in staff for c in (s, *covers.get(s, ()))))


def acknowledge_by(setting: SettingProfile, now: datetime) -> datetime:
    """When a concern raised now must be acknowledged: `acknowledge_within_hours` counted in
    staff hours on the days the setting opens only, in its time zone (UTC)."""
    zone = ZoneInfo(setting.time_zone)
    # Counted on the wall clock: staff hours never span a clock change (made at night), so a
    # DST change moves nothing but the UTC offset of the answer.
    local = now.astimezone(zone).replace(tzinfo=None)
    left = timedelta(hours=setting.concern_ack_hours)
    hours = setting.staff
    day = local.date()
    for _ in range(3660):
        if day.weekday() in hours.days:
            opens = datetime.combine(day, hours.range.start)
            closes = datetime.combine(day, hours.range.end)
            if closes <= opens:
                closes += timedelta(days=1)
            start = max(opens, local)
            if start < closes:
                if start + left <= closes:
                    return (start + left).replace(tzinfo=zone).astimezone(UTC)
                left -= closes - start
        day += timedelta(days=1)
    raise AssertionError("unreachable: staff hours fall on some day")


def next_working_day(setting: SettingProfile, after: datetime) -> datetime:
    """The start of staff hours on the next day staff work after `after` (UTC)."""
    zone = ZoneInfo(setting.time_zone)
    day: date = after.astimezone(zone).date()
    for _ in range(8):
        day += timedelta(days=1)
        if day.weekday() in setting.staff.days:
            return datetime.combine(day, setting.staff.range.start, tzinfo=zone).astimezone(UTC)
    raise AssertionError("unreachable: staff work some day of the week")


def _when(moment: datetime, local_now: datetime) -> Text:
    """'today at 16:00', 'tomorrow at 10:00' or 'Monday 10:00', as a parent would say it."""
    days = (moment.date() - local_now.date()).days
    if days == 0:
        return Text("when.today", {"time": LocalTime(moment.time())})
    if days == 1:
        return Text("when.tomorrow", {"time": LocalTime(moment.time())})
    # A week or more away, the weekday alone could be this week's: the date says which.
    dated = days >= 6
    return Text("when.day", {"moment": LocalTime(moment, with_day=True, with_date=dated)})


def _carer_name(name: str, child: ChildLink | None) -> str:
    return f"{name} ({child.relationship})" if child else name


# Acting on one: staff's ACK, answer, CLOSE and CONCERNS; a family's addition or rating.

SUBJECT_PRESS = "concern_subject:"  # the concern_subject flow's button: who is it about?
# Buttons under a concern on Telegram (SMS says the words instead): "<action>:<number>".
PRESSED = {"concern_ack:": "ack", "concern_reply:": "reply", "concern_close:": "close"}
# The family's answer to "Are you happy with how this was dealt with?": "<prefix><number>:<r>".
RATE = "concern_rate:"
RATE_LABELS = {
    "yes": "concern.rate_yes",
    "not_really": "concern.rate_not_really",
    "manager": "concern.rate_manager",
}


def rating_choices(number: int) -> tuple[Choice, ...]:
    """Yes / Not really / I'd like to talk to the manager: buttons, numbered on SMS."""
    return tuple(Choice(f"{RATE}{number}:{r}", Text(RATE_LABELS[r])) for r in RATINGS)


def _rating(key: str) -> tuple[int, str] | None:
    number, _, answer = key.removeprefix(RATE).partition(":")
    if key.startswith(RATE) and number.isdecimal() and answer in RATINGS:
        return int(number), answer
    return None


def buttons(number: int, safety: bool = False) -> tuple[Choice, ...]:
    """I'm looking at it / Reply / Close, under the staff's notification of a concern; for a
    safety concern also "Who is it about?" (the concern_subject flow takes it)."""
    pressed = tuple(
        Choice(f"{prefix}{number}", Text(f"concern.button_{action}"), ChoiceStyle.TAP)
        for prefix, action in PRESSED.items()
    )
    who = Choice(f"{SUBJECT_PRESS}{number}", Text("concern.button_subject"), ChoiceStyle.TAP)
    return (*pressed, who) if safety else pressed


def _to_family(info: ConcernInfo, text: Text, **more: Any) -> tuple[Effect, ...]:
    """An update on a concern for the family member who raised it: none when the DSL named
    them as its subject; for a safety concern, only if they may be told about the child."""
    if info.subject_carer_id is not None and info.subject_carer_id == info.carer_id:
        return ()
    about = info.child_id if info.topic == "safety" else None
    return (NotifyCarer(info.carer_id, text, about, essential=True, **more),)


def _not_told(info: ConcernInfo) -> tuple[Effect, ...]:
    """Staff hear when the family is not told, because they are the concern's subject."""
    if info.subject_carer_id is None or info.subject_carer_id != info.carer_id:
        return ()
    return (Reply(Text("concern.subject_not_told", {"reference": info.reference})),)


def _pressed_number(key: str) -> tuple[str, int] | None:
    for prefix, action in PRESSED.items():
        if key.startswith(prefix) and key[len(prefix) :].isdecimal():
            return action, int(key[len(prefix) :])
    return None


def pressed(key: str, ctx: Context) -> Transition:
    """A button under a concern: acknowledge it at once; for an answer or closing, say how
    (the words go in a message of their own, as by SMS)."""
    rated = _rating(key)
    if rated is not None and ctx.carer is not None and ctx.staff is None:
        return _rate_pressed(rated, ctx)
    found = _pressed_number(key)
    if found is None or ctx.staff is None:
        return end(Reply(Text("choice.stale")))
    action, number = found
    info: ConcernInfo | None = ctx.facts.get("concern")
    if action == "ack":
        return _staff_acts("ack", number, "", info, ctx)
    how = "concern.how_to_answer" if action == "reply" else "concern.how_to_close"
    return end(Reply(Text(how, {"reference": reference(number)})))


def _rate_pressed(rated: tuple[int, str], ctx: Context) -> Transition:
    """A family's answer to the rating question, by button or number."""
    number, answer = rated
    info: ConcernInfo | None = ctx.facts.get("concern")
    assert ctx.carer is not None
    if info is None or info.carer_id != ctx.carer.id:
        return end(Reply(Text("concern.unknown", {"reference": reference(number)})))
    if info.stage != "closed" or info.satisfaction is not None:
        return end(Reply(Text("concern.already_rated", {"reference": reference(number)})))
    return _rated(info, answer, ctx)


def recognise(text: str, ctx: Context) -> Transition | None:
    """A message that names a concern by its reference (C-1042), from staff or a family; or
    a family's message that reads like a concern, which is asked about first."""
    parsed = _parse(text, ctx)
    if parsed is None:
        return _offer(text, ctx)
    action, number, words = parsed
    if ctx.setting_id is None:
        return None
    info: ConcernInfo | None = ctx.facts.get("concern")
    if ctx.staff is not None:
        return _staff_acts(action, number, words, info, ctx)
    return _family_writes(number, words, info, ctx)


def _offer(text: str, ctx: Context) -> Transition | None:
    """ "I'm worried about…", "not happy with…", "a complaint": never assumed to be a concern.
    The family is asked whether to raise it as one or just send it (the catalogs'
    trigger.concern_phrases, anywhere in the message)."""
    carer = ctx.carer
    if carer is None or ctx.staff is not None or not ctx.words.mentions(PHRASES, text):
        return None
    people = {c.key_person_name for c in carer.children if c.receives_information}
    names = sorted(n for n in people if n)
    to: str | Text = (
        names[0] if len(names) == 1 and None not in people else Text("concern.offer_team")
    )
    choices = (
        Choice(RAISE, Text("concern.offer_raise")),
        Choice(SEND, Text("concern.offer_send")),
        leave_option(),
    )
    state = {"step": "offer", "said": text.strip()}
    return Transition(NAME, state, (Reply(Text("concern.offer", {"to": to}), choices),))


def _offered(state: State, event: Event) -> Transition:
    """The answer to "raise it as a concern, or just send it?"."""
    ctx, said = event.ctx, str(state.get("said", ""))
    if isinstance(event, ChoiceMade) and event.key == RAISE:
        # Their words are the concern's: the question for them is not asked again.
        return _fresh(ctx, said)
    if isinstance(event, ChoiceMade) and event.key == SEND:
        return Transition(None, {}, forward=said)
    if isinstance(event, TextReceived) and event.text.strip():
        if answers_nothing(event.text, ctx.words):
            return recognise(said, ctx) or Transition(None, {}, forward=said)
        return Transition(None, {}, forward=f"{said}\n{event.text.strip()}")
    return Transition(None, {}, passthrough=True)


def _parse(text: str, ctx: Context) -> tuple[str, int, str] | None:
    """(action, number, words) when a message names a concern: staff "ack", "close" or
    "answer"; a family "add"."""
    if ctx.staff is None and ctx.carer is None:
        return None
    found = _AT_START.match(text)
    if found:
        return ("answer" if ctx.staff else "add", int(found.group(1)), found.group(2).strip())
    if ctx.staff is None:
        return None
    found = _AFTER_WORD.match(text)
    if found is None:
        return None
    for action, key in (("ack", "concern_ack"), ("close", "concern_close")):
        if ctx.words.said(key, found.group(1)):
            return action, int(found.group(2)), found.group(3).strip()
    return None


def _may_act(info: ConcernInfo, ctx: Context) -> bool:
    staff = ctx.staff
    assert staff is not None
    if SEES_ALL & set(staff.roles):
        return True
    team = {staff.id, *(ctx.facts.get("covers") or ())}
    return bool(team & {*info.staff, info.acknowledged_by})


def _staff_acts(
    action: str, number: int, words: str, info: ConcernInfo | None, ctx: Context
) -> Transition:
    staff = ctx.staff
    assert staff is not None
    ref = reference(number)
    if info is None:
        return end(Reply(Text("concern.unknown", {"reference": ref})))
    if not _may_act(info, ctx):
        return end(Reply(Text("concern.not_yours", {"reference": ref})))
    if action == "ack":
        if info.stage == "closed":
            return end(Reply(Text("concern.already_closed", {"reference": ref})))
        return end(
            Write(Acknowledged(number, staff.id)),
            *_to_family(info, Text("concern.looking", {"reference": ref, "name": staff.name})),
            RecordAudit("concern.acknowledged", f"concern:{ref}", {"by": staff.id}),
            Reply(Text("concern.acked", {"reference": ref})),
            *_not_told(info),
        )
    if action == "close":
        if not words:
            return end(Reply(Text("concern.close_needs_summary", {"reference": ref})))
        closed = Text("concern.closed", {"reference": ref, "summary": words})
        return end(
            Write(Closed(number, words)),
            *_to_family(
                info,
                closed,
                choices=rating_choices(number),
                opens=(NAME, {"step": "rate", "number": number}),
            ),
            RecordAudit("concern.closed", f"concern:{ref}", {"by": staff.id}),
            Reply(Text("concern.closed_staff", {"reference": ref})),
            *_not_told(info),
        )
    if not words:
        return end(Reply(Text("concern.answer_needs_words", {"reference": ref})))
    if _not_told(info):
        return end(*_not_told(info))
    found = wording.flags(ctx.glossary, words)
    state: State = {"step": "plain", "number": number, "carer": info.carer_id, "text": words}
    if info.topic == "safety" and info.child_id is not None:
        state["child"] = info.child_id
    if found:
        question = wording.question(found, Text("concern.edit"), Text("concern.cancel"))
        return Transition(NAME, state, (question,))
    return _answer(state, ctx)


def _answer(state: State, ctx: Context) -> Transition:
    """Send a member of staff's answer to the family."""
    staff = ctx.staff
    assert staff is not None
    number, text = int(state["number"]), str(state["text"])
    ref = reference(number)
    return end(
        Write(Note(number, "answer", text)),
        NotifyCarer(
            int(state["carer"]),
            Text("concern.answer", {"reference": ref, "name": staff.name, "message": text}),
            int(state["child"]) if state.get("child") is not None else None,
            essential=True,
        ),
        RecordAudit("concern.answered", f"concern:{ref}", {"by": staff.id}),
        Reply(Text("concern.answered", {"reference": ref})),
    )


def _plain_step(state: State, event: Event) -> Transition:
    """The plain-words question on a staff answer: use a plain word, send as it is, edit."""
    ctx = event.ctx
    if ctx.staff is None:
        return Transition(None, {}, passthrough=True)
    text = str(state.get("text", ""))
    if state.get("step") == "edit":
        if isinstance(event, TextReceived) and event.text.strip():
            fresh = {**state, "text": event.text.strip()}
            found = wording.flags(ctx.glossary, fresh["text"])
            if found:
                question = wording.question(found, Text("concern.edit"), Text("concern.cancel"))
                return Transition(NAME, {**fresh, "step": "plain"}, (question,))
            return _answer(fresh, ctx)
        return Transition(NAME, state, (Reply(Text("concern.type_again")),))
    if not isinstance(event, ChoiceMade):
        return Transition(None, {}, passthrough=True)
    if event.key in (wording.KEEP, wording.SEND):
        return _answer(state, ctx)
    if event.key == wording.EDIT:
        return Transition(NAME, {**state, "step": "edit"}, (Reply(Text("concern.type_again")),))
    if event.key == wording.CANCEL:
        return end(Reply(Text("concern.answer_cancelled")))
    plain = wording.accepted(ctx.glossary, text, event.key)
    if plain is None:
        return Transition(None, {}, passthrough=True)
    final = wording.final(
        Text("label.raw", {"text": plain}), Text("concern.edit"), Text("concern.cancel")
    )
    return Transition(NAME, {**state, "step": "final", "text": plain}, (final,))


def _family_writes(
    number: int, words: str, info: ConcernInfo | None, ctx: Context, photo: str | None = None
) -> Transition:
    carer = ctx.carer
    assert carer is not None
    ref = reference(number)
    if info is None or info.carer_id != carer.id:
        return end(Reply(Text("concern.unknown", {"reference": ref})))
    rating = next((r for r in RATINGS if ctx.words.said(f"concern_{r}", words)), None)
    if info.stage == "closed" and info.satisfaction is None and rating is not None and not photo:
        return _rated(info, rating, ctx)
    if answers_nothing(words, ctx.words) and not photo:
        return end(Reply(Text("concern.add_how", {"reference": ref})))
    told = with_covers(_told(info, ctx), ctx)
    params = {
        "reference": ref,
        "carer": info.carer,
        "child": info.child or Text("concern.child_unknown"),
        "message": words,
    }
    added = _with_photo(Text("concern.added_staff", params), photo)
    return end(
        Write(Note(number, "family", words, photo)),
        *(NotifyStaff(s, added, photo=photo) for s in told),
        RecordAudit("concern.added", f"concern:{ref}", {"to": list(told)}),
        Reply(Text("concern.added", {"reference": ref})),
    )


def _told(info: ConcernInfo, ctx: Context) -> tuple[int, ...]:
    """Who hears a family's addition: whoever acknowledged it, else those it went to; the
    manager once it was reopened."""
    roles: dict[str, tuple[int, ...]] = ctx.facts.get("concern_roles") or {}
    if info.stage == "reopened":
        return roles.get("manager", ()) or info.staff
    if info.acknowledged_by is not None:
        return (info.acknowledged_by,)
    return info.staff or roles.get("manager", ())


def _rated(info: ConcernInfo, rating: str, ctx: Context) -> Transition:
    ref = reference(info.number)
    effects: list[Effect] = [
        Write(Rated(info.number, rating)),
        RecordAudit("concern.rated", f"concern:{ref}", {"answer": rating}),
    ]
    if rating == "yes":
        return end(*effects, Reply(Text("concern.thanks_happy")))
    roles: dict[str, tuple[int, ...]] = ctx.facts.get("concern_roles") or {}
    managers = roles.get("manager", ()) or roles.get("dsl", ())
    params = {
        "reference": ref,
        "carer": info.carer,
        "child": info.child or Text("concern.child_unknown"),
        "answer": Text(f"concern.rating_{rating}"),
        "summary": info.summary or "",
    }
    reopened = Text("concern.reopened_staff", params)
    effects += [NotifyStaff(m, reopened) for m in with_covers(managers, ctx)]
    return end(*effects, Reply(Text("concern.reopened", {"reference": ref})))


def list_mine(ctx: Context) -> Transition:
    """CONCERNS: a member of staff's open concerns, oldest first."""
    mine: list[ConcernInfo] = list(ctx.facts.get("my_concerns") or ())
    if not mine:
        return end(Reply(Text("concern.list_none")))
    lines = tuple(
        Text(
            "concern.list_line",
            {
                "reference": c.reference,
                "child": c.child or Text("concern.child_unknown"),
                "topic": Text(f"concern.topic_{c.topic}"),
                "stage": Text(f"concern.stage_{c.stage}"),
            },
        )
        for c in mine
    )
    return end(Reply(Text("concern.list", {"lines": lines})))


# The acknowledge deadline.


def timer(state: State, fired: TimerFired, now: datetime) -> Transition:
    """Not acknowledged by its time: tell the manager (for safety, the deputy DSL or the
    manager), and again on each working day until someone acknowledges it."""
    ctx = fired.ctx
    info: ConcernInfo | None = ctx.facts.get("concern")
    keep = Transition(NAME, state) if state else Transition(None, {})
    if fired.rule == DRAFT:
        return _draft_expired(state, fired, info)
    if fired.rule != ACKNOWLEDGE or info is None or ctx.setting is None:
        return keep
    if info.acknowledged_at is not None or info.stage == "closed":
        return keep
    roles: dict[str, tuple[int, ...]] = ctx.facts.get("concern_roles") or {}
    if info.topic == "safety":
        to = roles.get("deputy_dsl", ()) or roles.get("manager", ())
    else:
        to = roles.get("manager", ())
    to = with_covers(to or roles.get("dsl", ()), ctx)
    ref = info.reference
    params = {
        "reference": ref,
        "carer": info.carer,
        "child": info.child or Text("concern.child_unknown"),
        "topic": Text(f"concern.topic_{info.topic}"),
        "urgency": Text(f"concern.urgency_{info.urgency}"),
        "message": info.words,
    }
    priority = Priority.URGENT if info.topic == "safety" else Priority.REPLY
    effects: tuple[Effect, ...] = (
        *(NotifyStaff(s, Text("concern.escalated", params), priority) for s in to),
        SetTimer(NAME, next_working_day(ctx.setting, now), ACKNOWLEDGE, {"number": info.number}),
        RecordAudit("concern.escalated", f"concern:{ref}", {"to": list(to)}),
    )
    return Transition(keep.flow, keep.state, effects)


def _draft_expired(state: State, fired: TimerFired, info: ConcernInfo | None) -> Transition:
    """A day after a concern was started: still a draft, it is closed as abandoned (the
    question, if still open, with it)."""
    if info is None or info.stage != "draft":
        return Transition(NAME, state) if state else Transition(None, {})
    mine = state.get("number") == fired.payload.get("number")
    keep = Transition(None, {}) if mine or not state else Transition(NAME, state)
    gone = (
        Write(Abandoned(info.number)),
        RecordAudit("concern.abandoned", f"concern:{info.reference}", {}),
    )
    return Transition(keep.flow, keep.state, gone)


# Facts.


def _starting(ctx: Context, inbound: Inbound) -> bool:
    # Carrying on takes a reference only when the draft has gone (closed after its day).
    return inbound.choice in (TRIGGER, RESTART, RAISE, RESUME) or (
        inbound.choice is None and ctx.words.said(TRIGGER, inbound.text)
    )


def _draft_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    """A carer's draft of the last day, when they raise a concern (or answer the offer)."""
    if ctx.carer is None or ctx.setting_id is None or inbound.choice == RESTART:
        return None
    # CONCERN or the menu entry offer it again; "raise it as a concern" starts afresh.
    if inbound.choice in (TRIGGER, RESUME) or (inbound.choice is None and _starting(ctx, inbound)):
        return (ctx.setting_id, ctx.carer.id, now - DRAFT_KEPT)
    return None


def _until_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    # Worked out, not stored: when a draft started now is closed if left.
    return (now + DRAFT_KEPT,) if ctx.carer is not None and _starting(ctx, inbound) else None


def _number_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if ctx.carer is None or ctx.setting_id is None or not _starting(ctx, inbound):
        return None
    if ctx.facts.get("concern_draft") is not None:
        return None  # offered the draft again: no new reference unless they start again
    return (ctx.setting_id,)


def _named_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if ctx.setting_id is None:
        return None
    fired = ctx.facts.get("timer")
    if fired:
        return (ctx.setting_id, int(fired["number"]))
    if inbound.choice is not None:
        rated = _rating(inbound.choice)
        if rated is not None and ctx.carer is not None:
            return (ctx.setting_id, rated[0])
        found = _pressed_number(inbound.choice)
        return (ctx.setting_id, found[1]) if found and ctx.staff is not None else None
    parsed = _parse(inbound.text, ctx)
    return (ctx.setting_id, parsed[1]) if parsed else None


def _mine_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if ctx.staff is None or ctx.setting_id is None or not ctx.words.said(LIST, inbound.text):
        return None
    return (ctx.setting_id, ctx.staff)


def _roles_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    return (ctx.setting_id,) if ctx.setting_id is not None else None


def _covers_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    return (ctx.staff,) if ctx.staff is not None and ctx.setting_id is not None else None


SPEC = FlowSpec(
    NAME,
    step=step,
    triggers=(
        Trigger(TRIGGER, begin, who="carer"),
        Trigger(LIST, list_mine, who="staff"),
    ),
    menu=(MenuEntry(TRIGGER, begin, who="carer", order=40),),
    commands=(Command(TRIGGER, carer=40), Command(LIST, staff=40)),
    facts=(
        Fact("concern_draft", "concerns", "draft_of", _draft_args),
        Fact("concern_draft_until", "", "", _until_args),
        Fact("concern_number", "concerns", "reserve_number", _number_args),
        Fact("concern_roles", "concerns", "role_holders", _roles_args, default={}),
        Fact("concern_covers", "concerns", "covers", _roles_args, default={}),
        Fact("concern", "concerns", "by_number", _named_args),
        Fact("my_concerns", "concerns", "open_for", _mine_args, default=[]),
        Fact("covers", "people", "covered_by", _covers_args, default=[]),
    ),
    recognise=recognise,
    actions=(*PRESSED, RATE),
    action=pressed,
    timer=timer,
    while_open={PhotoShared: _photo_while_open},
    photo=_photo_added,
    left_key="concern.left",
    dropped=dropped,
    records={
        Concern: ("concerns", "add"),
        Draft: ("concerns", "start_draft"),
        DraftAnswer: ("concerns", "keep_draft"),
        Abandoned: ("concerns", "abandon"),
        Acknowledged: ("concerns", "acknowledge"),
        Note: ("concerns", "note"),
        Closed: ("concerns", "close"),
        Rated: ("concerns", "rate"),
    },
)

__all__ = ["SPEC", "Concern", "acknowledge_by", "reference", "route"]
