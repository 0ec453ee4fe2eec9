"""Outside agencies: a family is told, in plain words and their language, whenever the setting
is in touch with an outside agency about their child, at once, or before it happens.

keyperson agency add / AGENCY from a staff phone ──► the child's carers with
    receives_information = yes who can be reached are sent the notice (who, what, when; the
    service explained from the glossary) ──► the contact is kept with whom it was told to,
    in the same transaction. Nobody can be told: nothing is kept as shared, and staff are told.
AGENCY on a phone: which child ──► which agency ──► what ──► done or not yet ──► preview
    (the plain-words check first) ──► sent; Not now leaves at every step.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.domain.agencies import AgencyContact, ChildOnFile, Reachable
from bot.domain.messages import Choice, Inbound, Text
from bot.flows.base import (
    ChoiceMade,
    Command,
    Context,
    Effect,
    Event,
    Fact,
    FlowSpec,
    NotifyCarer,
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

NAME = "agencies"
TRIGGER = "agency"
DONE, PLANNED = "done", "planned"
SEND = "send_notice:"
# The family's notice: (planned, with a day) → its message.
NOTICES = {
    (False, False): Text("agency.told"),
    (False, True): Text("agency.told_on"),
    (True, False): Text("agency.planned"),
    (True, True): Text("agency.planned_on"),
}


def tell_family(
    child: ChildOnFile,
    agency: str,
    what: str,
    when: date | None,
    planned: bool,
    family: Sequence[Reachable],
    glossary: Any,
) -> tuple[Effect, ...] | None:
    """Keep an agency contact and tell every carer who can be told, in one transaction; None
    when nobody can be told (then nothing is kept as shared)."""
    told = services.told(family)
    if not told:
        return None
    notice = NOTICES[(planned, when is not None)]
    effects: list[Effect] = [Write(AgencyContact(child.id, agency, what, when, planned, told))]
    for carer in services.to_tell(family):
        params: dict[str, Any] = {
            "child": child.first_name,
            "agency": services.named(glossary, agency, carer.language),
            "what": what,
            "about": services.about(glossary, agency, carer.language),
            "day": services.on_day(when),
        }
        text = Text(notice.key, params)
        effects.append(NotifyCarer(carer.carer_id, text, child.id, essential=True))
    details = {"carers": [t.carer_id for t in told], "planned": planned}
    effects.append(RecordAudit("agency.told", f"child:{child.id}", details))
    return tuple(effects)


# The staff phone: AGENCY.


def begin(ctx: Context) -> Transition:
    """AGENCY: which child (their key children offered; any child by name)."""
    children: list[ChildOnFile] = list(ctx.facts.get("agency_children") or ())
    if ctx.staff is None or not children:
        return end(Reply(Text("agency.no_children")))
    question = services.which_child(children, ctx, Text("agency.which_child"))
    return Transition(NAME, {"step": "child"}, (question,))


def step(state: State, event: Event, now: datetime) -> Transition:
    """One answer on a staff phone."""
    ctx = event.ctx
    where = state.get("step")
    if ctx.staff is None or where is None:
        return Transition(None, {}, passthrough=True)
    if where in ("plain", "final", "edit"):
        return _plain(state, event)
    text = event.text.strip() if isinstance(event, TextReceived) else ""
    key = event.key if isinstance(event, ChoiceMade) else None
    if where == "child":
        children: list[ChildOnFile] = list(ctx.facts.get("agency_children") or ())
        chosen = services.chosen_child(key, text, children)
        if chosen is not None:
            return _ask_agency({**state, "child": chosen.id, "name": chosen.first_name})
        if isinstance(event, ChoiceMade):
            return Transition(None, {}, passthrough=True)
        question = services.which_child(children, ctx, Text("agency.which_child"))
        return Transition(NAME, state, (question,))
    if where == "agency":
        said = "" if answers_nothing(text, ctx.words) else text
        service = services.chosen_service(key, said)
        if service is not None:
            return _ask_what({**state, "agency": service})
        return _again(event, state)
    if where == "what":
        if text and not answers_nothing(text, ctx.words):
            return _ask_done({**state, "what": text})
        return _again(event, state)
    if where == "done" and key in (DONE, PLANNED):
        state = {**state, "planned": key == PLANNED}
        found = wording.flags(ctx.glossary, str(state["what"]))
        if found:
            question = wording.question(found, Text("agency.edit"), Text("agency.cancel"))
            return Transition(NAME, {**state, "step": "plain"}, (question,))
        return _preview(state)
    if where == "preview" and key == f"{SEND}{state.get('child')}":
        return _send(state, ctx)
    return _again(event, state)


def _again(event: Event, state: State) -> Transition:
    """The question of this step, asked again (a button of another question: passed on)."""
    if isinstance(event, ChoiceMade):
        return Transition(None, {}, passthrough=True)
    where = state.get("step")
    if where == "agency":
        return _ask_agency(state)
    if where == "what":
        return _ask_what(state)
    if where == "done":
        return _ask_done(state)
    return _preview(state)


def _ask_agency(state: State) -> Transition:
    question = Reply(Text("agency.ask_agency"), services.service_choices())
    return Transition(NAME, {**state, "step": "agency"}, (question,))


def _ask_what(state: State, where: str = "what") -> Transition:
    question = Reply(Text("agency.ask_what", {"agency": state["agency"]}), (leave_button(),))
    return Transition(NAME, {**state, "step": where}, (question,))


def _ask_done(state: State) -> Transition:
    choices = (
        Choice(DONE, Text("agency.choice_done")),
        Choice(PLANNED, Text("agency.choice_planned")),
        leave_option(),
    )
    return Transition(NAME, {**state, "step": "done"}, (Reply(Text("agency.ask_done"), choices),))


def _preview(state: State) -> Transition:
    params = {"child": state["name"], "agency": state["agency"], "what": state["what"]}
    key = "agency.preview_planned" if state.get("planned") else "agency.preview_done"
    # The child rides on the key, so that sending loads that child's family (a fact).
    choices = (Choice(f"{SEND}{state['child']}", Text("agency.choice_send")), leave_option())
    return Transition(NAME, {**state, "step": "preview"}, (Reply(Text(key, params), choices),))


def _plain(state: State, event: Event) -> Transition:
    """The plain-words question on what the family will read."""
    ctx = event.ctx
    text = str(state.get("what", ""))
    if state.get("step") == "edit":
        if isinstance(event, TextReceived) and event.text.strip():
            return _preview({**state, "what": event.text.strip()})
        return _ask_what({**state, "step": "edit"}, "edit")
    if not isinstance(event, ChoiceMade):
        return Transition(None, {}, passthrough=True)
    if event.key in (wording.KEEP, wording.SEND):
        return _preview(state)
    if event.key == wording.EDIT:
        return _ask_what(state, "edit")
    if event.key == wording.CANCEL:
        return end(Reply(Text("agency.left")))
    plain = wording.accepted(ctx.glossary, text, event.key)
    if plain is None:
        return Transition(None, {}, passthrough=True)
    return _preview({**state, "what": plain})


def _send(state: State, ctx: Context) -> Transition:
    child: ChildOnFile | None = ctx.facts.get("agency_child")
    family: tuple[Reachable, ...] = tuple(ctx.facts.get("agency_family") or ())
    if child is None or child.id != int(state["child"]):
        return end(Reply(Text("agency.no_children")))
    effects = tell_family(
        child,
        str(state["agency"]),
        str(state["what"]),
        None,
        bool(state.get("planned")),
        family,
        ctx.glossary,
    )
    if effects is None:
        return end(Reply(Text("agency.nobody", {"child": child.first_name})))
    return end(*effects, Reply(Text("agency.sent", {"child": child.first_name})))


# Facts.


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


def _family_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    child = _sending(ctx, inbound)
    return (child,) if child is not None else None


SPEC = FlowSpec(
    NAME,
    step=step,
    triggers=(Trigger(TRIGGER, begin, who="staff"),),
    commands=(Command(TRIGGER, staff=45),),
    facts=(
        Fact("agency_children", "agencies", "children", _children_args, default=[]),
        Fact("agency_child", "agencies", "child_by_id", _child_args),
        Fact("agency_family", "agencies", "family", _family_args, default=()),
    ),
    left_key="agency.left",
    records={AgencyContact: ("agencies", "add_contact")},
)

__all__ = ["SPEC", "tell_family"]
