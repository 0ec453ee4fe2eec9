"""The languages families write in: what they write is detected (bot.language.detect), staff
see "written in Polish" where it is not the family's language (the relay reads the fact), and
a family whose messages agree on another offered language is asked once whether they would
like messages in it.

carer text ──detected (names left out)──► history: the language the last messages agree on
    two in a row in an offered language other than theirs, not asked in 30 days
        ──► SetTimer now ──fired, no other question open──► "Would you like messages in
            Polish?" in Polish: Yes / No (buttons that stay valid; numbers by SMS)
        Yes ──► their language is Polish from now on, said in Polish; No ──► kept, not asked
            again for 30 days
A stored language always wins for what Keyperson sends; detection never changes it alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.languages import (
    AGREEING_MESSAGES,
    LanguageHistory,
    LanguageSeen,
    SwitchAnswered,
    SwitchAsked,
)
from bot.domain.messages import Choice, Inbound, Text
from bot.flows.base import (
    ChoiceMade,
    Context,
    Effect,
    Event,
    Fact,
    FlowSpec,
    RecordAudit,
    Reply,
    SetTimer,
    State,
    TimerFired,
    Transition,
    Write,
)
from bot.flows.steps.language import WRITTEN_IN, detect
from bot.language.catalogs import LanguageName
from bot.language.detect import UNDETERMINED, Detection

NAME = "language"
HISTORY = "language_history"
OPEN = "open_conversation"  # for a due suggestion: the question open now, if any
RULE = "suggest"
ACTION = "language:"  # button keys: "language:yes:pl", "language:no:pl"
# A question open when the suggestion is due: it waits, so that it never takes that
# question's numbers; asked later, or dropped after a day of open questions.
WAIT = timedelta(minutes=10)
GIVE_UP_AFTER = timedelta(days=1)


def watch(text: str, ctx: Context, now: datetime) -> tuple[Effect, ...]:
    """Keep what the carer's messages agree on; ask about a switch after two in a row."""
    carer, setting = ctx.carer, ctx.setting
    found: Detection | None = ctx.facts.get(WRITTEN_IN)
    if carer is None or setting is None or found is None or not found.determined:
        return ()
    history: LanguageHistory = ctx.facts.get(HISTORY) or LanguageHistory()
    count = history.seen_count + 1 if history.seen_language == found.code else 1
    effects: list[Effect] = [Write(LanguageSeen(carer.id, found.code, count))]
    other = found.code != carer.language and found.code in setting.languages
    if other and count >= AGREEING_MESSAGES and history.may_ask(now):
        effects += [
            Write(SwitchAsked(carer.id, found.code)),
            SetTimer(NAME, now, RULE, {"language": found.code, "first_due": now.isoformat()}),
        ]
    return tuple(effects)


def timer(state: State, fired: TimerFired, now: datetime) -> Transition:
    """The suggestion is due: ask it, in the language found, unless a question is open."""
    ctx, language = fired.ctx, str(fired.payload.get("language", ""))
    carer = ctx.carer
    if fired.rule != RULE or carer is None or not language or carer.language == language:
        return Transition(None, {})
    opened = ctx.facts.get(OPEN)
    if opened is not None and opened[0] is not None:
        first = datetime.fromisoformat(str(fired.payload.get("first_due", now.isoformat())))
        if now - first >= GIVE_UP_AFTER:
            return Transition(None, {})
        return Transition(None, {}, (SetTimer(NAME, now + WAIT, RULE, dict(fired.payload)),))
    params = {"language": LanguageName(language)}
    choices = (
        Choice(f"{ACTION}yes:{language}", Text("language.choice_yes")),
        Choice(f"{ACTION}no:{language}", Text("language.choice_no")),
    )
    return Transition(
        NAME,
        {"step": "asked", "language": language},
        (
            Reply(Text("language.suggest", params), choices, language=language),
            RecordAudit("language.suggested", f"carer:{carer.id}", {"language": language}),
        ),
    )


def answered(key: str, ctx: Context) -> Transition:
    """Yes or No to the suggestion (a button, or its number by SMS), whenever it comes."""
    carer = ctx.carer
    _, answer, language = [*key.split(":"), "", ""][:3]
    if carer is None or answer not in ("yes", "no") or not language:
        return Transition(None, {}, (Reply(Text("choice.stale")),))
    accepted = answer == "yes"
    if accepted:
        reply = Reply(
            Text("language.switched", {"language": LanguageName(language)}), language=language
        )
    else:
        reply = Reply(
            Text("language.kept", {"language": LanguageName(carer.language)}), language=language
        )
    return Transition(
        None,
        {},
        (
            Write(SwitchAnswered(carer.id, language, accepted)),
            reply,
            RecordAudit(
                "language.answered", f"carer:{carer.id}", {"language": language, "yes": accepted}
            ),
        ),
    )


def step(state: State, event: Event, now: datetime) -> Transition:
    """The question is open: a Yes or No answers it; anything else is a new message."""
    if isinstance(event, ChoiceMade) and event.key.startswith(ACTION):
        return answered(event.key, event.ctx)
    return Transition(None, {}, passthrough=True)


def _history_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[int] | None:
    found: Detection | None = ctx.facts.get(WRITTEN_IN)
    if ctx.carer is None or found is None or not found.determined:
        return None
    return (ctx.carer.id,)


def _open_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[str, str] | None:
    if "timer" not in ctx.facts:
        return None
    return (inbound.channel.value, inbound.address)


FACTS = (
    Fact(WRITTEN_IN, "", "", lambda ctx, inbound, now: (detect(ctx, inbound),), UNDETERMINED),
    Fact(HISTORY, "languages", "history", _history_args),
    Fact(OPEN, "conversations", "load", _open_args),
)

SPEC = FlowSpec(
    NAME,
    step=step,
    facts=FACTS,
    watch=watch,
    timer=timer,
    actions=(ACTION,),
    action=answered,
    records={
        LanguageSeen: ("languages", "seen"),
        SwitchAsked: ("languages", "asked"),
        SwitchAnswered: ("languages", "answered"),
    },
)

__all__ = ["SPEC"]
