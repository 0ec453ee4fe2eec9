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
from datetime import datetime
from typing import Any

from bot.domain.agencies import (
    Referral,
    ReferralAnswer,
    ReferralRow,
    ReferralSent,
    ReferralViews,
    referral_reference,
)
from bot.domain.messages import Choice, Inbound, LocalTime, Text
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
    RecordAudit,
    Reply,
    State,
    Transition,
    Trigger,
    Write,
    end,
)
from bot.flows.steps import services
from bot.flows.steps.questions import answers_nothing, leave_button, leave_option
from bot.flows.steps.referring import ANSWER_KEYS, FLOW, SEND, make, making

NAME = FLOW
PERMISSIONS = "permissions"
MAKE = "referral"  # a staff phone makes one
WITHDRAW = "withdraw:"
NOTHING = "nothing"  # "No, nothing to add" to the views question
TYPED = {"yes": "referral_yes", "no": "referral_no", "questions": "referral_ask"}

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
        return making(state, event)
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

__all__ = ["SPEC"]
