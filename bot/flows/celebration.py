"""Good news from home ("wow moments"): a carer shares it and their child's key person hears it.

WOW / "share good news" ──► which child (several children) ──► write ──text──►
    key person gets it with a Reply button (and the reply code); the news is kept on the
    child's record; the carer is thanked and told who will see it.
Staff celebrations to families are daily updates of kind "celebration" (daily_update.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain.messages import Inbound, Priority, Text
from bot.domain.people import ChildLink
from bot.domain.time import after_staff_day
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
from bot.flows.steps.people import from_carer_params, reply_button
from bot.flows.steps.questions import (
    OTHER,
    answers_nothing,
    child_choices,
    leave_button,
    leave_option,
    which_children,
)
from bot.flows.steps.receipts import held_until, reached

NAME = "celebration"


@dataclass(frozen=True, slots=True)
class RecordNews:
    """Keep good news from home on the child's record (the news repository keeps it)."""

    child_id: int
    kind: str
    text: str


THANKS = "wow_thanks"  # the rule of the timer for the setting's thank-you


def begin(ctx: Context) -> Transition:
    """Ask which child the good news is about (when there are several), then for the news."""
    assert ctx.carer is not None
    answers = which_children(ctx.carer.children)
    if len(answers) == 1:
        ((key, children),) = answers.items()
        return _ask(_stored(key), children)
    choices = (*child_choices(ctx.carer.children), leave_option())
    return Transition(NAME, {"step": "child"}, (Reply(Text("wow.which_child"), choices),))


def step(state: State, event: Event, now: datetime) -> Transition:
    """Continue: the child, then the news itself."""
    ctx = event.ctx
    if ctx.carer is None:
        return Transition(None, {}, passthrough=True)
    answers = which_children(ctx.carer.children)
    if state.get("step") == "child":
        if isinstance(event, ChoiceMade) and event.key in answers:
            return _ask(_stored(event.key), answers[event.key])
        return Transition(None, {}, passthrough=True)
    if state.get("step") == "write" and isinstance(event, TextReceived):
        children = answers.get(str(state.get("child")))
        if children and answers_nothing(event.text, event.ctx.words):
            # "ok", "?" or a bare number is not good news: ask again rather than pass it on.
            return Transition(NAME, state, (Reply(Text("wow.ask_again"), (leave_button(),)),))
        if children:
            news = event.text.strip()
            return end(*_share(news, children, ctx, now), *_thank_later(children[0], ctx, now))
    return Transition(None, {}, passthrough=True)


def _stored(key: str) -> int | str:
    """How the chosen answer is kept in the state: a child's id, or OTHER."""
    return key if key == OTHER else int(key)


def _thank_later(child: ChildLink, ctx: Context, now: datetime) -> tuple[Effect, ...]:
    """If nobody answers within the staff day, the setting thanks the family next morning."""
    if ctx.setting is None or ctx.carer is None:
        return ()
    local = now.astimezone(ZoneInfo(ctx.setting.time_zone))
    due = after_staff_day(ctx.setting.staff, local)
    payload = {
        "carer_id": ctx.carer.id,
        "child_id": child.child_id,
        "child": child.first_name,
        "since": now.isoformat(),
    }
    return (SetTimer(NAME, due, THANKS, payload),)


def thank(state: State, fired: TimerFired, now: datetime) -> Transition:
    """The next staff morning: thank the family for good news nobody from the setting has
    answered (ctx.facts["answered"]), naming their child only if they may be told."""
    ctx, payload = fired.ctx, fired.payload
    carer = ctx.carer
    if ctx.facts.get("answered") or carer is None or ctx.setting is None:
        return Transition(None, state)
    child_id = int(payload["child_id"])
    params = {"child": payload["child"], "setting": ctx.setting.name}
    text = Text("wow.thanks_setting", params)
    thanks = NotifyCarer(carer.id, text, about_child=child_id, priority=Priority.NORMAL)
    return Transition(None, state, (thanks, RecordAudit("wow.thanked", f"child:{child_id}")))


def _answered(ctx: Context, inbound: Inbound, now: datetime) -> tuple[str, str, datetime] | None:
    """Whether staff answered about the child since the good news: the audit's question."""
    payload = ctx.facts.get("timer")
    if not payload:
        return None
    since = datetime.fromisoformat(str(payload["since"])).astimezone(UTC)
    return ("relay.to_carer", f"child:{payload['child_id']}", since)


def _ask(chosen: int | str, children: tuple[ChildLink, ...]) -> Transition:
    """Ask for the news; a child the carer may not be told about is never named to them."""
    child = children[0]
    named = len(children) == 1 and child.receives_information
    text = Text("wow.ask", {"child": child.first_name}) if named else Text("wow.ask_plain")
    question = Reply(text, (leave_button(),))
    return Transition(NAME, {"step": "write", "child": chosen}, (question,))


def _share(
    message: str, children: tuple[ChildLink, ...], ctx: Context, now: datetime
) -> tuple[Effect, ...]:
    carer = ctx.carer
    assert carer is not None
    effects: list[Effect] = []
    hold = held_until(ctx, now)
    for child in children:
        code = known.threads(ctx)[child.child_id]
        params = from_carer_params(child, carer, code, message)
        informed = child.receives_information
        # The same flag as every other message from this carer, and no Reply button where
        # nothing about the child may be sent back to them.
        key = "wow.to_staff" if informed else "wow.to_staff_no_info"
        answer = (reply_button(code),) if informed else ()
        recipients = (child.key_person_id,) if child.key_person_id else known.fallback_staff(ctx)
        effects += [
            OpenThread(carer.id, child.child_id, code),
            Write(RecordNews(child.child_id, "home", message)),
            *(
                NotifyStaff(s, Text(key, params), choices=answer, thread=code, not_before=hold)
                for s in recipients
            ),
            RecordAudit("wow.from_home", f"child:{child.child_id}", {"code": code}),
        ]
    return (*effects, Reply(_thanks(children, ctx)))


def _thanks(children: tuple[ChildLink, ...], ctx: Context) -> Text:
    """The thank-you, naming the child and their key person only to a carer told about them,
    and the key person only when the news truly reaches them."""
    child = children[0]
    if len(children) > 1 or not child.receives_information:
        return Text("wow.thanks_plain")
    key_person = reached(child, ctx)
    if key_person:
        return Text("wow.thanks", {"child": child.first_name, "key_person": key_person})
    return Text("wow.thanks_team", {"child": child.first_name})


# Whether staff answered about the child since the good news (for the thank-you timer).
ANSWERED = Fact("answered", "audit", "happened_since", _answered, default=False)

SPEC = FlowSpec(
    NAME,
    step=step,
    triggers=(Trigger("wow", begin, who="carer"),),
    menu=(MenuEntry("wow", begin, who="carer", order=10),),
    commands=(Command("wow", carer=30),),
    facts=(
        *known.CARER_FACTS,
        Fact("answered", "audit", "happened_since", _answered, default=False),
    ),
    timer=thank,
    records={RecordNews: ("news", "write_news")},
)
