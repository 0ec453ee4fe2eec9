"""Where a message goes when no conversation is open, and how an open one continues.

open question ──Not now / BACK──► left: said what was not sent, nothing else changes
              ──INFO, HELP, WOW, SETTINGS, UPDATE, REPLY, WHAT IS X──► that, as if none were open
              ──anything else──► the open flow's step (which may let it pass: a new message)
unknown sender ──► generic answer
INFO / MENU ──► information menu          (after the welcome, if this links them)
greeting from a newly linked number ──► welcome only
staff "reply" / a Reply button ──► relay compose
a button from a question already answered ──► told so; nothing else changes
other text ──► relay (carer → key person, staff → carer)
/start, a shared contact ──► linking; blocked / unblocked, edits, photos ──► onboarding
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.domain.messages import Text
from bot.flows import (
    celebration,
    daily_update,
    information,
    linking,
    onboarding,
    preferences,
    questions,
    relay,
)
from bot.flows.base import (
    ChoiceMade,
    ContactShared,
    Context,
    Effect,
    Event,
    LinkAsked,
    NotPassedOn,
    PhotoShared,
    ReachChanged,
    RecordAudit,
    Reply,
    Signal,
    State,
    TextReceived,
    Transition,
)
from bot.language.catalogs import normalise_answer

STEPS: dict[str, Callable[[State, Event, datetime], Transition]] = {
    information.NAME: information.step,
    relay.NAME: relay.step,
    linking.NAME: linking.step,
    daily_update.NAME: daily_update.step,
    celebration.NAME: celebration.step,
    preferences.NAME: preferences.step,
}
REPLY_WORDS = frozenset({"reply", "answer", "odpowiedz", "odpowiedź"})
UPDATE_WORDS = frozenset({"update", "daily update"})
WOW_WORDS = frozenset({"wow", "good news", "share good news", "celebrate", "brawo", "hurra"})
SETTINGS_WORDS = frozenset({"settings", "setting", "ustawienia"})
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
    """Step the open conversation, or begin afresh when there is none or it let the event pass.

    Not now leaves any question, and a keyword is obeyed whatever question is open.
    """
    if flow in STEPS:
        if questions.leaving(event):
            return left(flow, state, event.ctx)
        if isinstance(event, TextReceived) and interrupts(event.text, event.ctx):
            fresh = begin(event, now)
            dropped = _dropped(flow, state, event.ctx)
            return Transition(fresh.flow, fresh.state, dropped + fresh.effects)
        transition = STEPS[flow](state, event, now)
        if not transition.passthrough:
            return transition
    return begin(event, now)


def interrupts(text: str, ctx: Context) -> bool:
    """Whether a text is a keyword the sender may use at any step, rather than an answer."""
    word = normalise_answer(text)
    if word in INFO_WORDS or word in WOW_WORDS:
        return True
    if ctx.staff is not None and (word in REPLY_WORDS or word in UPDATE_WORDS):
        return True
    if ctx.carer is not None and word in SETTINGS_WORDS:
        return True
    return ctx.glossary is not None and ctx.glossary.lookup(text) is not None


def left(flow: str | None, state: State, ctx: Context) -> Transition:
    """Not now: end the open question, saying what was not sent or that nothing changed."""
    note = _dropped(flow, state, ctx)
    if not note:
        if ctx.staff is not None:
            key = "update.cancelled"
        elif flow in (preferences.NAME, linking.NAME):
            key = "left.unchanged"
        else:
            key = "left.menu"
        note = (Reply(Text(key)),)
    return Transition(None, {}, (*note, RecordAudit("question.left", None, {"flow": flow})))


def _dropped(flow: str | None, state: State, ctx: Context) -> tuple[Effect, ...]:
    """What to say when an open question is left with something written and not yet sent."""
    step = state.get("step")
    if flow == relay.NAME and step == "which_child":
        return (Reply(Text("left.not_sent")),)
    staff_text = step in ("compose", "plain") or (step == "which_thread" and state.get("text"))
    if flow == daily_update.NAME or (flow == relay.NAME and staff_text):
        return (Reply(Text("update.cancelled")),)
    return ()


def begin(event: Event, now: datetime) -> Transition:
    """Start from a message that belongs to no open conversation."""
    ctx = event.ctx
    if ctx.carer is None and ctx.staff is None:
        return onboarding.unknown_sender(ctx)
    if isinstance(event, ChoiceMade) and event.key.startswith(relay.REPLY_ACTION):
        return relay.compose(ctx) if ctx.staff is not None else stale_choice(None, {}, ctx)
    text = event.text if isinstance(event, TextReceived) else event.key
    word = normalise_answer(text)
    greeting = onboarding.welcome(ctx) if ctx.newly_linked else ()
    explained = _explained(text, ctx)
    if explained is not None:
        chosen = explained
    elif word in REPLY_WORDS and ctx.staff is not None:
        chosen = relay.from_staff("", ctx)
    elif word in UPDATE_WORDS and ctx.staff is not None:
        chosen = daily_update.begin("update", ctx)
    elif word in WOW_WORDS and ctx.staff is not None:
        chosen = daily_update.begin("celebration", ctx)
    elif word in WOW_WORDS and ctx.carer is not None:
        chosen = celebration.begin(ctx)
    elif word in SETTINGS_WORDS and information.gets_updates(ctx):
        chosen = preferences.begin(ctx)
    elif word in INFO_WORDS or (word in SETTINGS_WORDS and ctx.carer is not None):
        # A carer who gets no updates has no update settings: the menu answers instead.
        chosen = information.menu(ctx)
    elif greeting and (not word or word in GREETINGS):
        return Transition(None, {}, greeting)
    elif ctx.carer is not None:
        chosen = relay.from_carer(text, ctx, now)
    else:
        chosen = relay.from_staff(text, ctx)
    return Transition(chosen.flow, chosen.state, greeting + chosen.effects)


def help_and_menu(event: Event, flow: str | None = None, state: State | None = None) -> Transition:
    """HELP: the carrier-style help text, then the information menu for people on file."""
    ctx = event.ctx
    help_text = onboarding.sms_help(ctx)
    if ctx.carer is None and ctx.staff is None:
        return help_text
    greeting = onboarding.welcome(ctx) if ctx.newly_linked else ()
    dropped = _dropped(flow, state or {}, ctx)
    menu = information.menu(ctx)
    effects = greeting + dropped + help_text.effects + menu.effects
    return Transition(menu.flow, menu.state, effects)


def is_action(key: str) -> bool:
    """Whether a button key stays valid after its message (a Reply button), unlike answers."""
    return key.startswith(relay.REPLY_ACTION)


def stale_choice(flow: str | None, state: State, ctx: Context) -> Transition:
    """A button of a question that was already answered: say so and leave everything as it is."""
    if ctx.carer is None and ctx.staff is None:
        return onboarding.unknown_sender(ctx)
    return Transition(flow, state, (Reply(Text("choice.stale")),))


def signal(flow: str | None, state: State, event: Signal) -> Transition:
    """Linking, reachability and messages that are not passed on, whatever flow is open."""
    if isinstance(event, LinkAsked):
        return linking.asked(event)
    if isinstance(event, ContactShared):
        return linking.shared(event)
    if isinstance(event, ReachChanged):
        return onboarding.reach_changed(event)
    if isinstance(event, NotPassedOn):
        return onboarding.not_passed_on(flow, state, event)
    if isinstance(event, PhotoShared):
        if flow == daily_update.NAME and event.ctx.staff is not None:
            return daily_update.photo(state, event)
        return onboarding.not_passed_on(flow, state, NotPassedOn("unsupported", event.ctx))
    raise TypeError(f"not a signal: {type(event).__name__}")


def _explained(text: str, ctx: Context) -> Transition | None:
    """WHAT IS EHCP: the glossary's plain explanation, in the reader's language."""
    if ctx.glossary is None:
        return None
    term = ctx.glossary.lookup(text)
    if term is None:
        return None
    language = ctx.carer.language if ctx.carer is not None else "en"
    explanation = ctx.glossary.explain(term, language)
    reply = Reply(Text("glossary.answer", {"term": term, "explanation": explanation}))
    return Transition(None, {}, (reply,))
