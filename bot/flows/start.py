"""Where a message goes when no conversation is open, and how an open one continues.

unknown sender ──► generic answer
INFO / MENU ──► information menu          (after the welcome, if this links them)
greeting from a newly linked number ──► welcome only
other text ──► relay (carer → key person, staff → carer)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.flows import information, onboarding, relay
from bot.flows.base import Event, State, TextReceived, Transition
from bot.i18n import normalise_answer

STEPS: dict[str, Callable[[State, Event, datetime], Transition]] = {
    information.NAME: information.step,
    relay.NAME: relay.step,
}
INFO_WORDS = frozenset({"info", "information", "menu", "informacja", "informacje", "pomoc"})
GREETINGS = frozenset(
    {
        "hi",
        "hello",
        "hey",
        "hiya",
        "good morning",
        "czesc",
        "cześć",
        "dzien dobry",
        "dzień dobry",
        "witam",
        "hej",
    }
)


def run(flow: str | None, state: State, event: Event, now: datetime) -> Transition:
    """Step the open conversation, or begin afresh when there is none or it let the event pass."""
    if flow in STEPS:
        transition = STEPS[flow](state, event, now)
        if not transition.passthrough:
            return transition
    return begin(event, now)


def begin(event: Event, now: datetime) -> Transition:
    """Start from a message that belongs to no open conversation."""
    ctx = event.ctx
    if ctx.carer is None and ctx.staff is None:
        return onboarding.unknown_sender(ctx)
    text = event.text if isinstance(event, TextReceived) else event.key
    word = normalise_answer(text)
    greeting = onboarding.welcome(ctx) if ctx.newly_linked else ()
    if word in INFO_WORDS:
        chosen = information.menu(ctx)
    elif greeting and (not word or word in GREETINGS):
        return Transition(None, {}, greeting)
    elif ctx.carer is not None:
        chosen = relay.from_carer(text, ctx, now)
    else:
        chosen = relay.from_staff(text, ctx)
    return Transition(chosen.flow, chosen.state, greeting + chosen.effects)


def help_and_menu(event: Event) -> Transition:
    """HELP: the carrier-style help text, then the information menu for people on file."""
    ctx = event.ctx
    help_text = onboarding.sms_help(ctx)
    if ctx.carer is None and ctx.staff is None:
        return help_text
    greeting = onboarding.welcome(ctx) if ctx.newly_linked else ()
    menu = information.menu(ctx)
    return Transition(menu.flow, menu.state, greeting + help_text.effects + menu.effects)
