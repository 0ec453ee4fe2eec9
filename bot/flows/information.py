"""The information menu: who the key person is, whom to talk to, policies, concerns, hours.

INFO / MENU ──► menu (5 topics) ──choice──► answer, conversation ends
            and, for carers, "share good news" and "settings"; for staff, "daily update"
                                 ──those──► the celebration, preferences or daily update flow
                                 ──other text──► passthrough (treated as a new message)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.messages import Choice, Text, Weekdays
from bot.domain.people import ChildLink
from bot.flows import celebration, daily_update, preferences
from bot.flows.base import ChoiceMade, Context, Event, Reply, State, Transition
from bot.flows.questions import leave_option

NAME = "information"
TOPICS = ("key_person", "important", "policies", "concerns", "hours")
CARER_ACTIONS = ("wow", "settings")
STAFF_ACTIONS = ("update",)


def menu(ctx: Context) -> Transition:
    """Offer the information topics, and what the reader can start from here."""
    actions: tuple[str, ...] = (
        STAFF_ACTIONS if ctx.staff is not None else CARER_ACTIONS if ctx.carer else ()
    )
    if not gets_updates(ctx):
        # Update settings are for carers who get updates, never for one who may not be told.
        actions = tuple(a for a in actions if a != "settings")
    choices = tuple(Choice(key, Text(f"info.choice.{key}")) for key in (*TOPICS, *actions))
    return Transition(NAME, {}, (Reply(Text("info.menu"), (*choices, leave_option())),))


def step(state: State, event: Event, now: datetime) -> Transition:
    """Answer the chosen topic or start the chosen flow; anything else is a new message."""
    if not isinstance(event, ChoiceMade):
        return Transition(None, {}, passthrough=True)
    ctx = event.ctx
    if event.key == "wow" and ctx.carer is not None:
        return celebration.begin(ctx)
    if event.key == "settings" and gets_updates(ctx):
        return preferences.begin(ctx)
    if event.key == "update" and ctx.staff is not None:
        return daily_update.begin("update", ctx)
    if event.key not in TOPICS:
        return Transition(None, {}, passthrough=True)
    return Transition(None, {}, (Reply(answer(event.key, ctx)),))


def gets_updates(ctx: Context) -> bool:
    """Whether the sender is a carer told about at least one child (and so gets updates)."""
    return ctx.carer is not None and any(c.receives_information for c in ctx.carer.children)


def answer(topic: str, ctx: Context) -> Text:
    """The answer to one topic, from setting.toml and the sender's children."""
    setting = ctx.setting
    assert setting is not None
    if topic == "key_person":
        return _key_people(ctx)
    # The setting's own words, in the reader's language where setting.toml gives them.
    language = ctx.carer.language if ctx.carer is not None else None
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


def key_person_lines(children: Sequence[ChildLink]) -> tuple[Text, ...]:
    """One line per child naming their key person."""
    return tuple(
        Text("info.key_person", {"child": c.first_name, "key_person": c.key_person_name})
        if c.key_person_name
        else Text("info.no_key_person", {"child": c.first_name})
        for c in children
    )
