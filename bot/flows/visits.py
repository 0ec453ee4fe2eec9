"""Visits: a professional's visit about a child, told to the family in advance, in plain words.

Staff:  VISIT (or the menu's "Record a visit") ──► which child ──► who is coming (a role from
        the list, or typed) ──► their name (or skip) ──► when ──► where (the setting, home,
        somewhere else) ──► why (the plain-words check) ──► a preview of what the family will
        get ──► send: the visit is kept (V-12) and each informed carer gets the notice.
        `keyperson visit add|move|cancel` keep the visit and set an "announce" timer, which
        sends the notice (or the move, or the cancellation) through this flow.
Family: the notice says who (the role explained from the glossary), why, when, where and what
        happens after, and is answered with a button (Telegram) or a number (SMS):
        That's fine / I have questions / I'd like to be there / Please call me; for a home
        visit: That's fine / Another time, please / I have questions / Please call me.
        Each answer is kept as that carer's; the key person (the SENCo too for a child with
        SEND, and whoever recorded it) hears it with the reference and a reply code. "I have
        questions", "I'd like to be there" and "Another time" ask for their words first; the
        last one, and "That's fine" to a home visit, change the visit's state.
Reminders: the day before at [reminders] time, to the family and the staff member (a timer;
        one that fires for a visit since moved or cancelled is dropped).
A carer with receives_information = no is never sent anything about the visit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.messages import Choice, ChoiceStyle, Inbound, LocalTime, Priority, Text
from bot.domain.time import at_local
from bot.domain.visits import (
    FamilyMember,
    NewVisit,
    VisitChild,
    VisitInfo,
    VisitTimeError,
    read_visit_time,
    visit_reference,
)
from bot.flows.base import (
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
    OpenThread,
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
from bot.flows.steps import facts as known
from bot.flows.steps import wording
from bot.flows.steps.people import reply_button
from bot.flows.steps.questions import answers_nothing, leave_button, leave_option

NAME = "visits"
TRIGGER = "visit"
ANNOUNCE = "announce"  # the timer that sends a notice, a move or a cancellation
REMIND = "remind"  # the timer the day before
ACTION = "visit:"  # an answer button: "visit:<number>:<answer>"
# The roles offered as choices, by key: the glossary explains each to families.
ROLES = {
    "salt": "speech and language therapist",
    "ep": "educational psychologist",
    "hv": "health visitor",
    "ot": "occupational therapist",
    "physio": "physiotherapist",
    "portage": "Portage worker",
    "paed": "paediatrician",
    "senco": "SENCo",
    "area_senco": "area SENCo",
    "social": "social worker",
    "early_help": "Early Help worker",
}
AT_SETTING, AT_HOME, ELSEWHERE = "setting", "home", "elsewhere"
# The answers, in the order offered (their SMS numbers), for a visit and a home visit.
ANSWERS = ("fine", "questions", "be_there", "call")
HOME_ANSWERS = ("fine", "another_time", "questions", "call")
WORDED = frozenset({"questions", "be_there", "another_time"})  # asked for their words first
SEND = "send"
_DIGIT = re.compile(r"^\s*([1-4])\s*[.)!]?\s*$")


@dataclass(frozen=True, slots=True)
class Told:
    """Carers sent a notice ("notice", "moved", "cancelled" or "reminder") about a visit."""

    number: int
    kind: str
    carers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Answered:
    """A carer's answer (the carer writing), with their words; `state` changes the visit's."""

    number: int
    answer: str
    words: str
    channel: str
    state: str | None = None


# What the family reads.


def role_label(who: str) -> str | Text:
    """A role from the list, in the reader's language; anything else as it was written."""
    folded = who.strip().casefold()
    key = next((k for k, term in ROLES.items() if term.casefold() == folded), None)
    return Text(f"visit.role_{key}") if key else who.strip()


def who_line(who: str, name: str, language: str, glossary: Any) -> Text:
    """Who is coming, with their name, and the role explained from the glossary."""
    role = role_label(who)
    named = Text("visit.who_named", {"role": role, "name": name}) if name else role
    explained = glossary.explain(who, language) if glossary is not None else None
    if explained:
        return Text("visit.who_explained", {"who": named, "explained": explained})
    return Text("visit.who", {"who": named})


def where_text(place: str, home: bool, setting: str) -> Text:
    if home:
        return Text("visit.where_home")
    if place:
        return Text("label.raw", {"text": place})
    return Text("visit.where_setting", {"setting": setting})


def notice(info: VisitInfo, kind: str, language: str, ctx: Context) -> Text:
    """A notice (kind: notice, moved, cancelled or reminder) as one carer reads it."""
    setting = ctx.setting.name if ctx.setting else "Keyperson"
    zone = ZoneInfo(ctx.setting.time_zone) if ctx.setting else UTC
    local = info.at.astimezone(zone)
    role = role_label(info.who)
    params: dict[str, Any] = {
        "reference": info.reference,
        "setting": setting,
        "child": info.child,
        "who": who_line(info.who, info.name, language, ctx.glossary),
        "role": Text("visit.who_named", {"role": role, "name": info.name}) if info.name else role,
        "why": info.why,
        "when": LocalTime(local, with_day=True, with_date=True),
        "where": where_text(info.place, info.home, setting),
        "after": Text("visit.after_home" if info.home else "visit.after"),
        "reason": info.cancel_reason or "",
        "answers": Text("visit.answers_home" if info.home else "visit.answers"),
    }
    if kind == "cancelled":
        key = "visit.cancelled_reason" if info.cancel_reason else "visit.cancelled"
        return Text(key, params)
    if kind in ("moved", "reminder"):
        return Text(f"visit.{kind}", params)
    return Text("visit.notice", params)


def answers_of(info: VisitInfo) -> tuple[str, ...]:
    return HOME_ANSWERS if info.home else ANSWERS


def buttons(info: VisitInfo) -> tuple[Choice, ...]:
    """The answers as buttons that stay valid (SMS: the notice lists them by number)."""
    return tuple(
        Choice(f"{ACTION}{info.number}:{a}", Text(f"visit.answer_{a}"), ChoiceStyle.TAP)
        for a in answers_of(info)
    )


def announce(info: VisitInfo, kind: str, ctx: Context, now: datetime) -> tuple[Effect, ...]:
    """The notice to every informed carer (none to a carer with receives_information = no:
    the family is `info.family`), what was sent, and the reminder for the day before."""
    family = info.family
    effects: list[Effect] = [
        NotifyCarer(
            m.carer_id,
            notice(info, kind, m.language, ctx),
            info.child_id,
            essential=True,
            choices=() if kind == "cancelled" else buttons(info),
        )
        for m in family
    ]
    effects += [
        Write(Told(info.number, kind, tuple(m.carer_id for m in family))),
        RecordAudit(
            f"visit.{kind}", f"visit:{info.reference}", {"carers": [m.carer_id for m in family]}
        ),
    ]
    due = reminder_due(info.at, ctx, now)
    if kind != "cancelled" and due is not None:
        effects.append(SetTimer(NAME, due, REMIND, {"number": info.number, "at": _iso(info.at)}))
    return tuple(effects)


def reminder_due(at: datetime, ctx: Context, now: datetime) -> datetime | None:
    """The day before the visit at [reminders] time, local; None when that has passed."""
    if ctx.setting is None:
        return None
    local = at.astimezone(ZoneInfo(ctx.setting.time_zone))
    due = at_local(local - timedelta(days=1), ctx.setting.reminder_time).astimezone(UTC)
    return due if due > now else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


# Staff recording a visit from a phone.


def begin(ctx: Context) -> Transition:
    """VISIT: which child (when there are several), then who is coming."""
    children: list[VisitChild] = list(ctx.facts.get("visit_children") or ())
    number = ctx.facts.get("visit_number")
    if ctx.staff is None or number is None:
        return end(Reply(Text("visit.try_again")))
    if not children:
        return end(Reply(Text("visit.no_children")))
    listed = [[c.id, c.first_name, c.ref, [_member(m) for m in c.family]] for c in children]
    state: State = {"number": int(number), "children": listed}
    if len(children) == 1:
        return _ask(ctx, _chose(state, listed[0]), "who")
    return _ask(ctx, state, "child")


def _member(member: FamilyMember) -> list[Any]:
    return [member.carer_id, member.name, member.language]


def _chose(state: State, listed: list[Any]) -> State:
    """The child chosen, with the family their visit is told to (kept in the state as lists)."""
    return {**state, "child": listed[0], "child_name": listed[1], "family": listed[3]}


def _ask(ctx: Context, state: State, where: str, *before: Effect) -> Transition:
    if where == "child":
        choices: tuple[Choice, ...] = tuple(
            Choice(str(c[0]), Text("label.raw", {"text": c[1]})) for c in state["children"]
        )
        question = Reply(Text("visit.ask_child"), (*choices, leave_option()))
    elif where == "who":
        roles = tuple(Choice(f"role:{k}", Text(f"visit.role_{k}")) for k in ROLES)
        question = Reply(Text("visit.ask_who"), (*roles, leave_option()))
    elif where == "name":
        question = Reply(
            Text("visit.ask_name"), (Choice("no_name", Text("visit.no_name")), leave_option())
        )
    elif where == "when":
        question = Reply(Text("visit.ask_when"), (leave_button(),))
    elif where == "where":
        setting = ctx.setting.name if ctx.setting else ""
        question = Reply(
            Text("visit.ask_where"),
            (
                Choice(AT_SETTING, Text("visit.where_setting", {"setting": setting})),
                Choice(AT_HOME, Text("visit.choice_home")),
                Choice(ELSEWHERE, Text("visit.choice_elsewhere")),
                leave_option(),
            ),
        )
    elif where == "place":
        question = Reply(Text("visit.ask_place"), (leave_button(),))
    else:
        question = Reply(Text("visit.ask_why"), (leave_button(),))
    return Transition(NAME, {**state, "step": where}, (*before, question))


def _staff_step(state: State, event: Event, now: datetime) -> Transition:
    ctx = event.ctx
    where = state.get("step")
    key = event.key if isinstance(event, ChoiceMade) else None
    text = event.text.strip() if isinstance(event, TextReceived) else ""
    if where == "child":
        picked = _child(state, key or text)
        if picked is None:
            return _again(ctx, state, event)
        return _ask(ctx, _chose(state, picked), "who")
    if where == "who":
        if key and key.startswith("role:") and key[5:] in ROLES:
            return _ask(ctx, {**state, "who": ROLES[key[5:]]}, "name")
        if text and not answers_nothing(text, ctx.words):
            return _ask(ctx, {**state, "who": text}, "name")
        return _again(ctx, state, event)
    if where == "name":
        if key == "no_name":
            return _ask(ctx, {**state, "name": ""}, "when")
        if text and not answers_nothing(text, ctx.words):
            return _ask(ctx, {**state, "name": text}, "when")
        return _again(ctx, state, event)
    if where == "when":
        return _when(ctx, state, event, text, now)
    if where == "where":
        if key in (AT_SETTING, AT_HOME):
            return _ask(ctx, {**state, "place": "", "home": key == AT_HOME}, "why")
        if key == ELSEWHERE:
            return _ask(ctx, {**state, "home": False}, "place")
        return _again(ctx, state, event)
    if where == "place":
        if text and not answers_nothing(text, ctx.words):
            return _ask(ctx, {**state, "place": text}, "why")
        return _again(ctx, state, event)
    if where == "why":
        if text and not answers_nothing(text, ctx.words):
            return _checked({**state, "why": text}, ctx)
        return _again(ctx, state, event)
    if where in ("plain", "final", "edit"):
        return _plain(state, event)
    if where == "preview" and key == SEND:
        return _send(state, ctx, now)
    return _again(ctx, state, event)


def _again(ctx: Context, state: State, event: Event) -> Transition:
    """Not an answer to the question: a button of another question passes, else ask again."""
    if isinstance(event, ChoiceMade) and state.get("step") != "preview":
        return Transition(None, {}, passthrough=True)
    where = str(state.get("step"))
    if where == "preview":
        return _preview(state, ctx)
    return _ask(ctx, state, where)


def _child(state: State, answer: str) -> list[Any] | None:
    """The child an answer names: its choice, first name or ref."""
    folded = answer.strip().casefold()
    for listed in state.get("children", []):
        child_id, first_name, ref = listed[:3]
        if folded in (str(child_id), str(first_name).casefold(), str(ref).casefold()):
            return list(listed)
    return None


def _when(ctx: Context, state: State, event: Event, text: str, now: datetime) -> Transition:
    if not text:
        return _again(ctx, state, event)
    zone = ctx.setting.time_zone if ctx.setting else "Europe/London"
    try:
        at = read_visit_time(text, zone, now)
    except VisitTimeError as error:
        problem = Reply(Text(f"visit.time_{error.kind}", {"text": text}))
        return _ask(ctx, state, "when", problem)
    return _ask(ctx, {**state, "at": _iso(at)}, "where")


def _checked(state: State, ctx: Context) -> Transition:
    """The plain-words check on the why, then the preview."""
    found = wording.flags(ctx.glossary, str(state["why"]))
    if found:
        question = wording.question(found, Text("visit.edit_why"), Text("visit.not_send"))
        return Transition(NAME, {**state, "step": "plain"}, (question,))
    return _preview(state, ctx)


def _plain(state: State, event: Event) -> Transition:
    """Use a plain word, keep it as it is, or write the why again."""
    ctx = event.ctx
    why = str(state.get("why", ""))
    if state.get("step") == "edit":
        if isinstance(event, TextReceived) and not answers_nothing(event.text, ctx.words):
            return _checked({**state, "why": event.text.strip()}, ctx)
        return Transition(NAME, state, (Reply(Text("visit.ask_why"), (leave_button(),)),))
    if not isinstance(event, ChoiceMade):
        return Transition(None, {}, passthrough=True)
    if event.key in (wording.KEEP, wording.SEND):
        return _preview(state, ctx)
    if event.key == wording.EDIT:
        reply = Reply(Text("visit.ask_why"), (leave_button(),))
        return Transition(NAME, {**state, "step": "edit"}, (reply,))
    if event.key == wording.CANCEL:
        return end(Reply(Text("visit.left")))
    plain = wording.accepted(ctx.glossary, why, event.key)
    if plain is None:
        return Transition(None, {}, passthrough=True)
    final = wording.final(
        Text("label.raw", {"text": plain}), Text("visit.edit_why"), Text("visit.not_send")
    )
    return Transition(NAME, {**state, "step": "final", "why": plain}, (final,))


def _draft(state: State, ctx: Context) -> VisitInfo:
    """The visit as it stands in the staff member's question, to show or to send."""
    staff = ctx.staff
    at = datetime.fromisoformat(str(state["at"]))
    return VisitInfo(
        id=0,
        setting_id=ctx.setting_id or 0,
        number=int(state["number"]),
        child_id=int(state["child"]),
        child=str(state["child_name"]),
        child_full=str(state["child_name"]),
        child_ref="",
        send=False,
        key_person_id=None,
        key_person=None,
        who=str(state["who"]),
        name=str(state.get("name", "")),
        at=at,
        why=str(state["why"]),
        place=str(state.get("place", "")),
        home=bool(state.get("home")),
        state="planned",
        recorded_by=staff.id if staff else None,
        recorded_at=at,
        cancel_reason=None,
        family=tuple(FamilyMember(int(m[0]), str(m[1]), str(m[2])) for m in state["family"]),
    )


def _preview(state: State, ctx: Context) -> Transition:
    """What the family will get, in the staff member's language, before it goes."""
    staff = ctx.staff
    assert staff is not None
    draft = _draft(state, ctx)
    explained = ctx.glossary is not None and ctx.glossary.explain(draft.who, "en") is not None
    notes: tuple[Effect, ...] = ()
    if not explained:
        notes += (Reply(Text("visit.role_not_explained", {"who": draft.who})),)
    if not draft.family:
        notes += (Reply(Text("visit.nobody_told", {"child": draft.child})),)
    shown = Text(
        "visit.preview",
        {
            "notice": notice(draft, "notice", staff.language, ctx),
            "to": tuple(m.name for m in draft.family) or "-",
        },
    )
    choices = (Choice(SEND, Text("visit.send")), leave_option())
    return Transition(NAME, {**state, "step": "preview"}, (*notes, Reply(shown, choices)))


def _send(state: State, ctx: Context, now: datetime) -> Transition:
    """Keep the visit and tell the family at once (the carers the visits repository gave with
    the child: receives_information = yes only)."""
    draft = _draft(state, ctx)
    record = NewVisit(
        draft.number, draft.child_id, draft.who, draft.name, draft.at, draft.why,
        draft.place, draft.home, draft.recorded_by,
    )  # fmt: skip
    return end(
        Write(record),
        RecordAudit("visit.recorded", f"visit:{draft.reference}", {"child": draft.child_id}),
        *announce(draft, "notice", ctx, now),
        Reply(Text("visit.recorded", {"reference": draft.reference, "child": draft.child})),
    )


# The family's answers.


def pressed(key: str, ctx: Context) -> Transition:
    """An answer button under a notice."""
    parts = key[len(ACTION) :].split(":")
    info: VisitInfo | None = ctx.facts.get("visit")
    if len(parts) != 2 or info is None or ctx.carer is None:
        return end(Reply(Text("choice.stale")))
    return answer(info, parts[1], ctx)


def recognise(text: str, ctx: Context) -> Transition | None:
    """A number 1-4 from a carer with a visit notice they have not answered (SMS)."""
    if ctx.carer is None or ctx.staff is not None or _DIGIT.match(text) is None:
        return None
    if "visit_awaiting" not in ctx.facts:
        return Transition(NAME, {})  # may be one: the facts say (they load for this flow)
    info: VisitInfo | None = ctx.facts.get("visit_awaiting")
    if info is None:
        return None
    found = _DIGIT.match(text)
    assert found is not None
    return answer(info, answers_of(info)[int(found.group(1)) - 1], ctx)


def answer(info: VisitInfo, chosen: str, ctx: Context) -> Transition:
    """Keep a carer's answer as theirs and tell staff; some answers ask for their words."""
    carer = ctx.carer
    assert carer is not None
    if carer.id not in {m.carer_id for m in info.family} or chosen not in answers_of(info):
        return end(Reply(Text("choice.stale")))
    if info.state == "cancelled":
        return end(Reply(Text("visit.already_cancelled", {"reference": info.reference})))
    state_change = _state_for(info, chosen)
    kept = Write(Answered(info.number, chosen, "", ctx.channel, state_change))
    audit = RecordAudit("visit.answered", f"visit:{info.reference}", {"answer": chosen})
    if chosen in WORDED:
        state = {
            "step": "words",
            "number": info.number,
            "answer": chosen,
            "child": info.child_id,
            "child_name": info.child,
            "staff": list(_staff_to_tell(info, ctx)),
            "at": _iso(info.at),
        }
        ask = Reply(Text(f"visit.ask_{chosen}"), (leave_button(),))
        return Transition(NAME, state, (kept, audit, ask))
    to = _staff_to_tell(info, ctx)
    told = _tell_staff(info.number, info.child_id, info.child, chosen, "", to, ctx)
    thanks = Text(f"visit.thanks_{chosen}", {"reference": info.reference})
    return end(kept, audit, *told, Reply(thanks))


def _state_for(info: VisitInfo, chosen: str) -> str | None:
    """A home visit's state follows the family's answer."""
    if not info.home:
        return None
    return {"fine": "confirmed", "another_time": "change_asked"}.get(chosen)


def _staff_to_tell(info: VisitInfo, ctx: Context) -> tuple[int, ...]:
    """The key person, the SENCo for a child with SEND, and whoever recorded the visit; the
    managers when none of them is on file."""
    sencos = tuple(ctx.facts.get("visit_sencos") or ()) if info.send else ()
    chosen = [*([info.key_person_id] if info.key_person_id else []), *sencos]
    chosen += [info.recorded_by] if info.recorded_by else []
    chosen = chosen or list(ctx.facts.get("visit_managers") or ())
    return tuple(dict.fromkeys(chosen))


def _tell_staff(
    number: int,
    child_id: int,
    child: str,
    chosen: str,
    words: str,
    staff: tuple[int, ...],
    ctx: Context,
) -> tuple[Effect, ...]:
    """The answer to the staff, with the reference and a reply code to answer the family."""
    carer = ctx.carer
    assert carer is not None
    codes = known.threads(ctx) if ctx.facts.get("threads") else {}
    code = codes.get(child_id)
    link = next((c for c in carer.children if c.child_id == child_id), None)
    lines = (
        *((Text("visit.their_words", {"words": words}),) if words else ()),
        *((Text("visit.reply_with", {"code": f"#{code}"}),) if code else ()),
    )
    params = {
        "reference": visit_reference(number),
        "child": child,
        "carer": f"{carer.name} ({link.relationship})" if link else carer.name,
        "answer": Text(f"visit.answer_{chosen}"),
        "lines": lines or "",
    }
    effects: list[Effect] = []
    if code:
        effects.append(OpenThread(carer.id, child_id, code))
    effects += [
        NotifyStaff(
            s,
            Text("visit.answer_staff", params),
            Priority.REPLY,
            choices=(reply_button(code),) if code else (),
            thread=code,
        )
        for s in staff
    ]
    return tuple(effects)


def _carer_step(state: State, event: Event) -> Transition:
    """The family's words after "I have questions", "I'd like to be there", "Another time"."""
    ctx = event.ctx
    if not isinstance(event, TextReceived) or answers_nothing(event.text, ctx.words):
        if isinstance(event, ChoiceMade):
            return Transition(None, {}, passthrough=True)
        return Transition(NAME, state, (Reply(Text(f"visit.ask_{state['answer']}"),
                                              (leave_button(),)),))  # fmt: skip
    words = event.text.strip()
    number, chosen = int(state["number"]), str(state["answer"])
    told = _tell_staff(
        number, int(state["child"]), str(state["child_name"]), chosen, words,
        tuple(int(s) for s in state["staff"]), ctx,
    )  # fmt: skip
    return end(
        Write(Answered(number, chosen, words, ctx.channel)),
        *told,
        Reply(Text("visit.words_sent", {"reference": visit_reference(number)})),
    )


def dropped(state: State, ctx: Context) -> tuple[Effect, ...]:
    """Leaving: a family's answer still reaches staff, without words; staff lose the draft."""
    if state.get("step") != "words" or ctx.carer is None:
        return ()
    number, chosen = int(state["number"]), str(state["answer"])
    told = _tell_staff(
        number, int(state["child"]), str(state["child_name"]), chosen, "",
        tuple(int(s) for s in state["staff"]), ctx,
    )  # fmt: skip
    return (*told, Reply(Text("visit.words_skipped", {"reference": visit_reference(number)})))


def step(state: State, event: Event, now: datetime) -> Transition:
    """A member of staff recording a visit, or a family's words after their answer."""
    if state.get("step") == "words" and event.ctx.carer is not None:
        return _carer_step(state, event)
    if event.ctx.staff is None or not state.get("step"):
        return Transition(None, {}, passthrough=True)
    return _staff_step(state, event, now)


# Timers: the notice (from the command line, or sent from a phone), and the reminder.


def timer(state: State, fired: TimerFired, now: datetime) -> Transition:
    """Announce a visit (its notice, move or cancellation), or remind the day before."""
    ctx = fired.ctx
    info: VisitInfo | None = ctx.facts.get("visit")
    keep = Transition(NAME, state) if state else Transition(None, {})
    if info is None:
        return keep
    if fired.rule == ANNOUNCE:
        kind = str(fired.payload.get("kind", "notice"))
        effects = announce(info, kind, ctx, now)
        return Transition(keep.flow, keep.state, effects)
    if fired.rule != REMIND or info.state == "cancelled" or info.at <= now:
        return keep
    if str(fired.payload.get("at")) != _iso(info.at):
        return keep  # moved since: the new time has its own reminder
    return Transition(keep.flow, keep.state, announce_reminder(info, ctx))


def announce_reminder(info: VisitInfo, ctx: Context) -> tuple[Effect, ...]:
    """The reminder to each informed carer and to the member of staff (whoever recorded it,
    else the key person)."""
    effects: list[Effect] = [
        NotifyCarer(m.carer_id, notice(info, "reminder", m.language, ctx), info.child_id,
                    essential=True, choices=buttons(info))
        for m in info.family
    ]  # fmt: skip
    staff = info.recorded_by or info.key_person_id
    if staff is not None:
        zone = ZoneInfo(ctx.setting.time_zone) if ctx.setting else UTC
        params = {
            "reference": info.reference,
            "child": info.child,
            "who": role_label(info.who),
            "when": LocalTime(info.at.astimezone(zone), with_day=True, with_date=True),
            "answers": _answers_line(info),
        }
        effects.append(NotifyStaff(staff, Text("visit.reminder_staff", params)))
    effects += [
        Write(Told(info.number, "reminder", tuple(m.carer_id for m in info.family))),
        RecordAudit("visit.reminded", f"visit:{info.reference}", {}),
    ]
    return tuple(effects)


def _answers_line(info: VisitInfo) -> Text | tuple[Text, ...]:
    latest = info.latest_answers()
    if not latest:
        return Text("visit.no_answers")
    return tuple(
        Text("visit.answer_line", {"carer": a.carer, "answer": Text(f"visit.answer_{a.answer}")})
        for a in latest.values()
    )


# Facts.


def _starting(ctx: Context, inbound: Inbound) -> bool:
    return ctx.staff is not None and (
        inbound.choice == TRIGGER
        or (inbound.choice is None and ctx.words.said(TRIGGER, inbound.text))
    )


def _start_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    return (ctx.setting_id,) if ctx.setting_id is not None and _starting(ctx, inbound) else None


def _children_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if ctx.setting_id is None or not _starting(ctx, inbound):
        return None
    return (ctx.setting_id, ctx.staff)


def _visit_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if ctx.setting_id is None:
        return None
    fired = ctx.facts.get("timer")
    if fired:
        return (ctx.setting_id, int(fired["number"]))
    choice = inbound.choice or ""
    parts = choice[len(ACTION) :].split(":")
    if choice.startswith(ACTION) and parts[0].isdecimal():
        return (ctx.setting_id, int(parts[0]))
    return None


def _awaiting_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if ctx.carer is None or ctx.setting_id is None or inbound.choice is not None:
        return None
    if _DIGIT.match(inbound.text) is None:
        return None
    return (ctx.setting_id, ctx.carer.id, now)


def _carer_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    return (ctx.setting_id,) if ctx.carer is not None and ctx.setting_id is not None else None


def _role(role: str) -> Any:
    def args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
        if ctx.setting_id is None or (ctx.carer is None and not ctx.facts.get("timer")):
            return None
        return (ctx.setting_id, role)

    return args


SPEC = FlowSpec(
    NAME,
    step=step,
    triggers=(Trigger(TRIGGER, begin, who="staff"),),
    menu=(MenuEntry(TRIGGER, begin, who="staff", order=60),),
    commands=(Command(TRIGGER, staff=45),),
    facts=(
        Fact("visit_number", "visits", "reserve_number", _start_args),
        Fact("visit_children", "visits", "children_for", _children_args, default=[]),
        Fact("visit", "visits", "by_number", _visit_args),
        Fact("visit_awaiting", "visits", "awaiting", _awaiting_args),
        Fact("visit_sencos", "people", "staff_with_role", _role("senco"), default=[]),
        Fact("visit_managers", "people", "staff_with_role", _role("manager"), default=[]),
        known.THREADS,
    ),
    recognise=recognise,
    actions=(ACTION,),
    action=pressed,
    timer=timer,
    dropped=dropped,
    left_key="visit.left",
    records={
        NewVisit: ("visits", "add"),
        Told: ("visits", "told"),
        Answered: ("visits", "answer"),
    },
)

__all__ = ["SPEC", "Answered", "Told", "announce", "notice", "reminder_due"]
