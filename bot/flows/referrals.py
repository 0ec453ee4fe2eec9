"""Referrals: a family is asked for consent before a child is referred, and can withdraw it.

keyperson referral add / REFERRAL from the SENCo's phone ──► R-1001 kept; every carer with
    receives_information = yes who can be reached is asked, in plain words and their language:
    Yes / No / I have questions first (Telegram buttons; by SMS "R-1001 YES", "R-1001 NO",
    "R-1001 ASK"). Nobody can be told: nothing is kept, and staff are told why.
Yes ──► kept (time, channel, carer) ──► "Is there anything you would like them to know?"
    ──► their words kept word for word as their views (or "No, nothing")
No ──► kept; staff told. I have questions ──► kept; "What would you like to ask?" ──► the
    question goes to the SENCo and the key person.
MY PERMISSIONS (menu, PERMISSIONS, /permissions) ──► every referral of their children with
    where it stands ──► choosing one withdraws it ──► the SENCo, the key person (and whoever
    made it) are told at once; if it was already sent, they are asked to tell the service.
A carer's answer is theirs: each carer's consent is kept apart, and one "no" stops it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.agencies import (
    ChildOnFile,
    Reachable,
    Referral,
    ReferralAnswer,
    ReferralRow,
    ReferralSent,
    ReferralViews,
    referral_reference,
)
from bot.domain.messages import Choice, ChoiceStyle, Inbound, LocalTime, Text
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
    RecordAudit,
    Reply,
    State,
    TextReceived,
    Transition,
    Trigger,
    Write,
    end,
)
from bot.flows.steps import services, wording
from bot.flows.steps.questions import answers_nothing, leave_button, leave_option

NAME = "referrals"
PERMISSIONS = "permissions"
MAKE = "referral"  # a staff phone makes one
ANSWER_KEYS = {"referral_yes:": "yes", "referral_no:": "no", "referral_ask:": "questions"}
WITHDRAW = "withdraw:"
NOTHING = "nothing"  # "No, nothing to add" to the views question
TYPED = {"yes": "referral_yes", "no": "referral_no", "questions": "referral_ask"}

LABELS = {
    "yes": Text("referral.choice_yes"),
    "no": Text("referral.choice_no"),
    "questions": Text("referral.choice_questions"),
}
SAID = {
    "yes": Text("referral.said_yes"),
    "no": Text("referral.said_no"),
    "questions": Text("referral.said_questions"),
    "withdrawn": Text("referral.said_withdrawn"),
}
STATES = {
    "asked": Text("referral.state_asked"),
    "questions": Text("referral.state_questions"),
    "consented": Text("referral.state_consented"),
    "declined": Text("referral.state_declined"),
    "withdrawn": Text("referral.state_withdrawn"),
    "sent": Text("referral.state_sent"),
}

# A reference as typed: R-1001 YES (also r1001 yes), then an answer word.
_TYPED = re.compile(r"^\s*R-?(\d{4,7})\b[\s:,.\-]*(.*)$", re.IGNORECASE | re.DOTALL)


# Asking (the command line and the SENCo's phone).


def ask_consent(
    number: int,
    child: ChildOnFile,
    to: str,
    why: str,
    family: Sequence[Reachable],
    glossary: Any,
    staff_id: int | None = None,
) -> tuple[Effect, ...] | None:
    """Keep a referral and ask every carer who can be told for consent, in one transaction;
    None when no carer can be told (then nothing is kept)."""
    told = services.told(family)
    if not told:
        return None
    ref = referral_reference(number)
    effects: list[Effect] = [Write(Referral(number, child.id, to, why, staff_id, told))]
    for carer in services.to_tell(family):
        params = {
            "reference": ref,
            "child": child.first_name,
            "to": services.named(glossary, to, carer.language),
            "about": services.about(glossary, to, carer.language),
            "why": why,
        }
        effects.append(
            NotifyCarer(
                carer.carer_id,
                Text("referral.ask", params),
                child.id,
                essential=True,
                choices=consent_buttons(number),
            )
        )
    carers = [t.carer_id for t in told]
    effects.append(RecordAudit("referral.asked", f"referral:{ref}", {"carers": carers}))
    return tuple(effects)


def sent_notices(
    row: ReferralRow, family: Sequence[Reachable], glossary: Any
) -> tuple[Effect, ...]:
    """The family hears that the referral they agreed to has gone to the service."""
    return tuple(
        NotifyCarer(
            c.carer_id,
            Text(
                "referral.sent",
                {
                    "reference": row.reference,
                    "child": row.child,
                    "to": services.named(glossary, row.to, c.language),
                },
            ),
            row.child_id,
            essential=True,
        )
        for c in services.to_tell(family)
    )


def consent_buttons(number: int) -> tuple[Choice, ...]:
    """Yes / No / I have questions first: buttons that stay valid (SMS says the words)."""
    return tuple(
        Choice(f"{prefix}{number}", LABELS[answer], ChoiceStyle.TAP)
        for prefix, answer in ANSWER_KEYS.items()
    )


# A family's answers.


def pressed(key: str, ctx: Context) -> Transition:
    """A consent button, whenever it is pressed."""
    for prefix, answer in ANSWER_KEYS.items():
        if key.startswith(prefix) and key[len(prefix) :].isdecimal():
            return _answered(int(key[len(prefix) :]), answer, ctx)
    return end(Reply(Text("choice.stale")))


def recognise(text: str, ctx: Context) -> Transition | None:
    """ "R-1001 YES" (NO, ASK) from a carer, as the buttons do on Telegram."""
    parsed = _parse(text, ctx)
    if parsed is None:
        return None
    number, answer = parsed
    if answer is None:
        return end(Reply(Text("referral.how", {"reference": referral_reference(number)})))
    return _answered(number, answer, ctx)


def _parse(text: str, ctx: Context) -> tuple[int, str | None] | None:
    if ctx.carer is None or ctx.staff is not None:
        return None
    found = _TYPED.match(text)
    if found is None:
        return None
    said = found.group(2).strip()
    answer = next((a for a, key in TYPED.items() if ctx.words.said(key, said)), None)
    return int(found.group(1)), answer


def _mine(number: int, ctx: Context) -> ReferralRow | None:
    """The referral named, if it is about a child this carer may be told about."""
    row: ReferralRow | None = ctx.facts.get("referral")
    carer = ctx.carer
    if row is None or carer is None or row.number != number:
        return None
    if not any(c.child_id == row.child_id and c.receives_information for c in carer.children):
        return None
    return row


def _answered(number: int, answer: str, ctx: Context) -> Transition:
    carer = ctx.carer
    row = _mine(number, ctx)
    ref = referral_reference(number)
    if carer is None or row is None:
        return end(Reply(Text("referral.unknown", {"reference": ref})))
    before = row.consents().get(carer.id)
    if answer == "no" and before == "yes":
        answer = "withdrawn"  # a no after a yes takes the yes back
    if answer == before or (answer == "withdrawn" and before == "no"):
        # A button pressed twice, or the same words again: kept once, staff told once.
        again = Text("referral.already_yes" if answer == "yes" else "referral.already_no",
                     {"reference": ref, "child": row.child})  # fmt: skip
        return end(Reply(again))
    kept = Write(ReferralAnswer(number, answer, ctx.channel))
    told = _tell_staff(row, _carer(ctx, row), answer, ctx)
    audit = RecordAudit(f"referral.{answer}", f"referral:{ref}", {"channel": ctx.channel})
    # What the next question needs, kept with it: its answer is written without a reference.
    state = {
        "step": "views",
        "number": number,
        "child": row.child,
        "to": row.to,
        # How the family reads the service's name (plainly, "the …" in English).
        "to_family": services.named(ctx.glossary, row.to, carer.language),
        "carer": _carer(ctx, row),
        "staff": list(_staff(row, ctx)),
    }
    if answer == "yes":
        ask = Reply(Text("referral.ask_views"), _views_choices())
        return Transition(NAME, state, (kept, *told, audit, ask))
    if answer == "questions":
        ask = Reply(Text("referral.ask_question"), (leave_button(),))
        return Transition(NAME, {**state, "step": "question"}, (kept, *told, audit, ask))
    params = {"reference": ref, "child": row.child}
    thanks = Text("referral.thanks_withdrawn" if answer == "withdrawn" else "referral.thanks_no",
                  params)  # fmt: skip
    return end(kept, *told, audit, Reply(thanks))


def _views_choices() -> tuple[Choice, ...]:
    return (Choice(NOTHING, Text("referral.choice_nothing")),)


def _carer(ctx: Context, row: ReferralRow) -> str:
    carer = ctx.carer
    assert carer is not None
    link = next((c for c in carer.children if c.child_id == row.child_id), None)
    return f"{carer.name} ({link.relationship})" if link else carer.name


def _staff(row: ReferralRow, ctx: Context) -> tuple[int, ...]:
    """Who hears a family's answer: the SENCo(s), the key person and whoever made it; the
    managers when nobody holds those."""
    sencos: tuple[int, ...] = tuple(ctx.facts.get("referral_sencos") or ())
    people = [*sencos, row.key_person_id, row.staff_id]
    chosen = tuple(dict.fromkeys(p for p in people if p is not None))
    return chosen or tuple(ctx.facts.get("referral_managers") or ())


def _tell_staff(row: ReferralRow, carer: str, answer: str, ctx: Context) -> list[Effect]:
    params: dict[str, Any] = {
        "reference": row.reference,
        "child": row.child,
        "to": row.to,
        "carer": carer,
        "answer": SAID[answer],
    }
    key = "referral.answer_staff"
    if answer in ("no", "withdrawn") and row.sent_at is not None:
        key = "referral.withdrawn_after_sent"
        params["sent"] = LocalTime(row.sent_at.date())
    return [NotifyStaff(s, Text(key, params)) for s in _staff(row, ctx)]


def step(state: State, event: Event, now: datetime) -> Transition:
    """The questions after an answer (views, a question) and My permissions."""
    ctx = event.ctx
    where = state.get("step")
    if ctx.staff is not None and str(where).startswith("make_"):
        return _making(state, event)
    if ctx.carer is None or where not in ("views", "question", "permissions"):
        return Transition(None, {}, passthrough=True)
    if where == "permissions":
        return _withdrawing(event)
    number = int(state["number"])
    if isinstance(event, ChoiceMade):
        if event.key == NOTHING and where == "views":
            return end(Reply(Text("referral.views_none")))
        return Transition(None, {}, passthrough=True)
    words = event.text.strip()
    if answers_nothing(words, ctx.words):
        if where == "views":
            return end(Reply(Text("referral.views_none")))
        return Transition(NAME, state, (Reply(Text("referral.ask_question"), (leave_button(),)),))
    ref = referral_reference(number)
    params = {
        "reference": ref,
        "child": str(state.get("child", "")),
        "to": str(state.get("to", "")),
        "carer": str(state.get("carer", "")),
    }
    staff = tuple(int(s) for s in state.get("staff", ()))
    if where == "views":
        return end(
            Write(ReferralViews(number, words, ctx.channel)),
            *(NotifyStaff(s, Text("referral.views_staff", {**params, "message": words}))
              for s in staff),
            RecordAudit("referral.views", f"referral:{ref}", {"channel": ctx.channel}),
            Reply(Text("referral.views_kept", {"to": str(state.get("to_family", params["to"]))})),
        )  # fmt: skip
    return end(
        Write(ReferralAnswer(number, "questions", ctx.channel, words)),
        *(NotifyStaff(s, Text("referral.question_staff", {**params, "message": words}))
          for s in staff),
        RecordAudit("referral.question", f"referral:{ref}", {"channel": ctx.channel}),
        Reply(Text("referral.question_sent", {"reference": ref})),
    )  # fmt: skip


# My permissions.


def permissions(ctx: Context) -> Transition:
    """Every referral of the carer's children, where it stands; choosing one withdraws it."""
    carer = ctx.carer
    if carer is None:
        return end(Reply(Text("referral.permissions_none")))
    rows: list[ReferralRow] = list(ctx.facts.get("my_referrals") or ())
    if not rows:
        return end(Reply(Text("referral.permissions_none")))
    lines = tuple(
        Text(
            "referral.permission_line",
            {
                "reference": r.reference,
                "child": r.child,
                "to": r.to,
                "state": STATES[r.state],
            },
        )
        for r in rows
    )
    open_ = [r for r in rows if r.consents().get(carer.id) not in ("no", "withdrawn")]
    if not open_:
        return end(Reply(Text("referral.permissions", {"lines": lines})))
    choices = tuple(
        Choice(
            f"{WITHDRAW}{r.number}",
            Text("referral.choice_withdraw", {"reference": r.reference, "child": r.child}),
        )
        for r in open_
    )
    question = Reply(Text("referral.permissions_ask", {"lines": lines}), (*choices, leave_option()))
    return Transition(NAME, {"step": "permissions"}, (question,))


def _withdrawing(event: Event) -> Transition:
    if not isinstance(event, ChoiceMade) or not event.key.startswith(WITHDRAW):
        return Transition(None, {}, passthrough=True)
    number = event.key[len(WITHDRAW) :]
    if not number.isdecimal():
        return Transition(None, {}, passthrough=True)
    return _answered(int(number), "withdrawn", event.ctx)


# Making one from a staff phone (the SENCo or a manager): REFERRAL.

MAKERS = frozenset({"senco", "manager"})
SEND = "send_referral:"


def make(ctx: Context) -> Transition:
    """REFERRAL: which child, to whom, why, the plain-words check, a preview, then the family
    is asked for consent."""
    if ctx.staff is None:
        return Transition(None, {}, passthrough=True)
    if not MAKERS & set(ctx.staff.roles):
        return end(Reply(Text("referral.only_senco")))
    children: list[ChildOnFile] = list(ctx.facts.get("referral_children") or ())
    if not children:
        return end(Reply(Text("agency.no_children")))
    question = services.which_child(children, ctx, Text("referral.which_child"))
    return Transition(NAME, {"step": "make_child"}, (question,))


def _making(state: State, event: Event) -> Transition:
    ctx = event.ctx
    where = state.get("step")
    key = event.key if isinstance(event, ChoiceMade) else None
    text = event.text.strip() if isinstance(event, TextReceived) else ""
    said = "" if answers_nothing(text, ctx.words) else text
    if where == "make_child":
        children: list[ChildOnFile] = list(ctx.facts.get("referral_children") or ())
        chosen = services.chosen_child(key, text, children)
        if chosen is not None:
            return _ask_to({**state, "child": chosen.id, "name": chosen.first_name})
        if key is not None:
            return Transition(None, {}, passthrough=True)
        question = services.which_child(children, ctx, Text("referral.which_child"))
        return Transition(NAME, state, (question,))
    if where == "make_to":
        service = services.chosen_service(key, said)
        return _ask_why({**state, "to": service}) if service else _asked_again(event, state)
    if where == "make_why":
        if not said:
            return _asked_again(event, state)
        found = wording.flags(ctx.glossary, said)
        if found:
            question = wording.question(found, Text("referral.edit"), Text("referral.cancel"))
            return Transition(NAME, {**state, "step": "make_plain", "why": said}, (question,))
        return _preview({**state, "why": said})
    if where == "make_plain" and key is not None:
        if key in (wording.KEEP, wording.SEND):
            return _preview(state)
        if key == wording.EDIT:
            return _ask_why(state)
        if key == wording.CANCEL:
            return end(Reply(Text("update.cancelled")))
        plain = wording.accepted(ctx.glossary, str(state.get("why", "")), key)
        if plain is not None:
            return _preview({**state, "why": plain})
    if where == "make_preview" and key == f"{SEND}{state.get('child')}":
        return _made(state, ctx)
    return _asked_again(event, state)


def _asked_again(event: Event, state: State) -> Transition:
    if isinstance(event, ChoiceMade):
        return Transition(None, {}, passthrough=True)  # a button of another question
    where = state.get("step")
    if where == "make_to":
        return _ask_to(state)
    if where == "make_why":
        return _ask_why(state)
    return _preview(state)


def _ask_to(state: State) -> Transition:
    question = Reply(Text("referral.ask_to"), services.service_choices())
    return Transition(NAME, {**state, "step": "make_to"}, (question,))


def _ask_why(state: State) -> Transition:
    question = Reply(Text("referral.ask_why", {"to": state["to"]}), (leave_button(),))
    return Transition(NAME, {**state, "step": "make_why"}, (question,))


def _preview(state: State) -> Transition:
    params = {"child": state["name"], "to": state["to"], "why": state["why"]}
    # The child rides on the key, so that sending loads that child's family (a fact).
    choices = (Choice(f"{SEND}{state['child']}", Text("referral.choice_send")), leave_option())
    reply = Reply(Text("referral.preview", params), choices)
    return Transition(NAME, {**state, "step": "make_preview"}, (reply,))


def _made(state: State, ctx: Context) -> Transition:
    child: ChildOnFile | None = ctx.facts.get("referral_child")
    number = ctx.facts.get("referral_number")
    family: tuple[Reachable, ...] = tuple(ctx.facts.get("referral_family") or ())
    staff = ctx.staff
    if child is None or number is None or staff is None or child.id != int(state["child"]):
        return end(Reply(Text("agency.no_children")))
    effects = ask_consent(
        int(number), child, str(state["to"]), str(state["why"]), family, ctx.glossary, staff.id
    )
    if effects is None:
        return end(Reply(Text("referral.nobody", {"child": child.first_name})))
    made = Text(
        "referral.made", {"reference": referral_reference(int(number)), "child": child.first_name}
    )
    return end(*effects, Reply(made))


# Facts.


def _number(ctx: Context, inbound: Inbound) -> int | None:
    choice = inbound.choice
    if choice is not None:
        for prefix in (*ANSWER_KEYS, WITHDRAW):
            if choice.startswith(prefix) and choice[len(prefix) :].isdecimal():
                return int(choice[len(prefix) :])
        return None
    parsed = _parse(inbound.text, ctx)
    return parsed[0] if parsed else None


def _referral_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if ctx.carer is None or ctx.setting_id is None:
        return None
    number = _number(ctx, inbound)
    if number is None:
        return None
    return (ctx.setting_id, number)


def _roles_args(role: str) -> Any:
    def args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
        if ctx.carer is None or ctx.setting_id is None:
            return None
        return (ctx.setting_id, role)

    return args


def _mine_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if ctx.carer is None:
        return None
    starting = inbound.choice == PERMISSIONS or (
        inbound.choice is None and ctx.words.said(PERMISSIONS, inbound.text)
    )
    return (ctx.carer.id,) if starting else None


def _children_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if ctx.staff is None or ctx.setting_id is None:
        return None
    return (ctx.setting_id,)


def _sending(ctx: Context, inbound: Inbound) -> int | None:
    choice = inbound.choice or ""
    if ctx.staff is None or not choice.startswith(SEND) or not choice[len(SEND) :].isdecimal():
        return None
    return int(choice[len(SEND) :])


def _child_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    child = _sending(ctx, inbound)
    return (child,) if child is not None else None


def _number_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if _sending(ctx, inbound) is None or ctx.setting_id is None:
        return None
    return (ctx.setting_id,)


SPEC = FlowSpec(
    NAME,
    step=step,
    triggers=(
        Trigger(PERMISSIONS, permissions, who="carer"),
        Trigger(MAKE, make, who="staff"),
    ),
    menu=(MenuEntry(PERMISSIONS, permissions, who="carer", order=70),),
    commands=(Command(PERMISSIONS, carer=45), Command(MAKE, staff=46)),
    facts=(
        Fact("referral_children", "agencies", "children", _children_args, default=[]),
        Fact("referral_child", "agencies", "child_by_id", _child_args),
        Fact("referral_family", "agencies", "family", _child_args, default=()),
        Fact("referral_number", "agencies", "reserve_referral", _number_args),
        Fact("referral", "agencies", "referral", _referral_args),
        Fact("referral_sencos", "agencies", "role_holders", _roles_args("senco"), default=()),
        Fact("referral_managers", "agencies", "role_holders", _roles_args("manager"), default=()),
        Fact("my_referrals", "agencies", "for_carer", _mine_args, default=[]),
    ),
    recognise=recognise,
    actions=tuple(ANSWER_KEYS),
    action=pressed,
    left_key="referral.left",
    records={
        Referral: ("agencies", "add_referral"),
        ReferralAnswer: ("agencies", "answer"),
        ReferralViews: ("agencies", "views"),
        ReferralSent: ("agencies", "mark_sent"),
    },
)

__all__ = ["SPEC", "ask_consent", "consent_buttons", "sent_notices"]
