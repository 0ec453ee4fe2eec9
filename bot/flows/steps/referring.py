"""Asking a family for consent to a referral, and making one from a staff phone: the parts of
referrals (bot/flows/referrals.py) that start one, shared by the command line and REFERRAL.

REFERRAL (the SENCo or a manager) ──► which child ──► to whom ──► why ──► the plain-words check
    ──► a preview ──► Ask the family ──► ask_consent: the referral kept and every carer who may
    be told asked, in one transaction (none: nothing kept, and the sender told why).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.agencies import ChildOnFile, Reachable, Referral, ReferralRow, referral_reference
from bot.domain.messages import Choice, ChoiceStyle, Text
from bot.flows.base import (
    ChoiceMade,
    Context,
    Effect,
    Event,
    NotifyCarer,
    RecordAudit,
    Reply,
    State,
    TextReceived,
    Transition,
    Write,
    end,
)
from bot.flows.steps import services, wording
from bot.flows.steps.questions import answers_nothing, leave_button, leave_option

FLOW = "referrals"  # the capability these steps belong to
ANSWER_KEYS = {"referral_yes:": "yes", "referral_no:": "no", "referral_ask:": "questions"}
LABELS = {
    "yes": Text("referral.choice_yes"),
    "no": Text("referral.choice_no"),
    "questions": Text("referral.choice_questions"),
}

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
    return Transition(FLOW, {"step": "make_child"}, (question,))


def making(state: State, event: Event) -> Transition:
    """One answer to REFERRAL's questions on a staff phone."""
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
        return Transition(FLOW, state, (question,))
    if where == "make_to":
        service = services.chosen_service(key, said)
        return _ask_why({**state, "to": service}) if service else _asked_again(event, state)
    if where == "make_why":
        if not said:
            return _asked_again(event, state)
        found = wording.flags(ctx.glossary, said)
        if found:
            question = wording.question(found, Text("referral.edit"), Text("referral.cancel"))
            return Transition(FLOW, {**state, "step": "make_plain", "why": said}, (question,))
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
    return Transition(FLOW, {**state, "step": "make_to"}, (question,))


def _ask_why(state: State) -> Transition:
    question = Reply(Text("referral.ask_why", {"to": state["to"]}), (leave_button(),))
    return Transition(FLOW, {**state, "step": "make_why"}, (question,))


def _preview(state: State) -> Transition:
    params = {"child": state["name"], "to": state["to"], "why": state["why"]}
    # The child rides on the key, so that sending loads that child's family (a fact).
    choices = (Choice(f"{SEND}{state['child']}", Text("referral.choice_send")), leave_option())
    reply = Reply(Text("referral.preview", params), choices)
    return Transition(FLOW, {**state, "step": "make_preview"}, (reply,))


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
