"""The information menu: who the key person is, whom to talk to, policies, concerns, hours.

INFO / MENU ──► menu (5 topics) ──choice──► answer, conversation ends
            and what other flows offer this reader (their MenuEntry: good news, settings,
            the daily update…)   ──those──► handed over to that flow
                                 ──other text──► passthrough (treated as a new message)
WHAT IS EHCP ──► the glossary's plain explanation
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.messages import Choice, Text, Weekdays
from bot.flows.base import (
    ChoiceMade,
    Command,
    Context,
    Event,
    FlowSpec,
    Reply,
    State,
    Transition,
    Trigger,
)
from bot.flows.steps.people import key_person_lines
from bot.flows.steps.questions import leave_option

NAME = "information"
TOPICS = ("key_person", "important", "policies", "concerns", "hours")


def menu(ctx: Context) -> Transition:
    """Offer the information topics, and what other flows offer this reader (ctx.offers)."""
    topics = tuple(Choice(key, Text(f"info.choice.{key}")) for key in TOPICS)
    offers = tuple(Choice(offer.key, offer.label) for offer in ctx.offers)
    return Transition(NAME, {}, (Reply(Text("info.menu"), (*topics, *offers, leave_option())),))


def step(state: State, event: Event, now: datetime) -> Transition:
    """Answer the chosen topic; an offer starts its own flow; anything else is a new message."""
    if not isinstance(event, ChoiceMade):
        return Transition(None, {}, passthrough=True)
    if any(offer.key == event.key for offer in event.ctx.offers):
        return Transition(None, {}, handover=event.key)
    if event.key not in TOPICS:
        return Transition(None, {}, passthrough=True)
    return Transition(None, {}, (Reply(answer(event.key, event.ctx)),))


def explain(text: str, ctx: Context) -> Transition | None:
    """WHAT IS EHCP: the glossary's plain explanation, in the reader's language."""
    if ctx.glossary is None:
        return None
    term = ctx.glossary.lookup(text)
    if term is None:
        return None
    reader = ctx.carer or ctx.staff
    language = reader.language if reader is not None else "en"
    explanation = ctx.glossary.explain(term, language)
    reply = Reply(Text("glossary.answer", {"term": term, "explanation": explanation}))
    return Transition(None, {}, (reply,))


def answer(topic: str, ctx: Context) -> Text:
    """The answer to one topic, from setting.toml and the sender's children."""
    setting = ctx.setting
    assert setting is not None
    if topic == "key_person":
        return _key_people(ctx)
    # The setting's own words, in the reader's language where setting.toml gives them.
    reader = ctx.carer or ctx.staff
    language = reader.language if reader is not None else None
    contact = setting.text("important_contact", language)
    if topic == "important":
        return Text("info.important", {"contact": contact, "phone": setting.phone})
    if topic == "policies":
        return Text("info.policies", {"url": setting.policies_url})
    if topic == "concerns":
        steps = setting.text("concern_steps", language)
        params = {"hours": setting.concern_ack_hours, "steps": steps, "contact": contact}
        return Text("info.concerns", params)
    return Text(
        "info.hours",
        {
            "days": Weekdays(setting.opening_days),
            "opening": _span(setting.opening.range.start, setting.opening.range.end),
            "staff_hours": _span(setting.staff.range.start, setting.staff.range.end),
        },
    )


def _span(start: object, end: object) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"


def _key_people(ctx: Context) -> Text:
    if ctx.staff is not None:
        return Text("info.staff_self", {"name": ctx.staff.name})
    assert ctx.carer is not None
    informed = [c for c in ctx.carer.children if c.receives_information]
    if not informed:
        return Text("info.ask_setting", {"phone": ctx.setting.phone if ctx.setting else ""})
    return Text("info.lines", {"lines": key_person_lines(informed)})


SPEC = FlowSpec(
    NAME,
    step=step,
    triggers=(Trigger("info", menu),),
    commands=(Command("info", carer=20, staff=40),),
    recognise=explain,
    on_menu=menu,
)
