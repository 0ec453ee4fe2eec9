"""Good news from home ("wow moments"): a carer shares it and their child's key person hears it.

WOW / "share good news" ──► which child (several children) ──► write ──text──►
    key person gets it with a Reply button (and the reply code); the news is kept on the
    child's record; the carer is thanked and told who will see it.
Staff celebrations to families are daily updates of kind "celebration" (daily_update.py).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import ChildLink, Choice, Text
from bot.flows.base import (
    ChoiceMade,
    Context,
    Effect,
    Event,
    NotifyStaff,
    OpenThread,
    RecordAudit,
    RecordNews,
    Reply,
    SetTimer,
    State,
    TextReceived,
    Transition,
    end,
)
from bot.flows.questions import answers_nothing, leave_button, leave_option
from bot.flows.relay import from_carer_params, reply_button
from bot.timing import after_staff_day

NAME = "celebration"
THANKS = "wow_thanks"  # the timer for the setting's thank-you


def begin(ctx: Context) -> Transition:
    """Ask which child the good news is about (when there are several), then for the news."""
    assert ctx.carer is not None
    children = ctx.carer.children
    if len(children) == 1:
        return _ask(children[0])
    choices = (
        *(Choice(str(c.child_id), Text("label.raw", {"text": c.first_name})) for c in children),
        leave_option(),
    )
    return Transition(NAME, {"step": "child"}, (Reply(Text("wow.which_child"), choices),))


def step(state: State, event: Event, now: datetime) -> Transition:
    """Continue: the child, then the news itself."""
    ctx = event.ctx
    if ctx.carer is None:
        return Transition(None, {}, passthrough=True)
    by_id = {str(c.child_id): c for c in ctx.carer.children}
    if state.get("step") == "child":
        if isinstance(event, ChoiceMade) and event.key in by_id:
            return _ask(by_id[event.key])
        return Transition(None, {}, passthrough=True)
    if state.get("step") == "write" and isinstance(event, TextReceived):
        child = by_id.get(str(state.get("child")))
        if child is not None and answers_nothing(event.text):
            # "ok", "?" or a bare number is not good news: ask again rather than pass it on.
            return Transition(NAME, state, (Reply(Text("wow.ask_again"), (leave_button(),)),))
        if child is not None:
            return end(*_share(event.text.strip(), child, ctx), *_thank_later(child, ctx, now))
    return Transition(None, {}, passthrough=True)


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
    return (SetTimer(THANKS, due, "next staff morning unless answered", payload),)


def _ask(child: ChildLink) -> Transition:
    text = Text("wow.ask", {"child": child.first_name})
    question = Reply(text, (leave_button(),))
    return Transition(NAME, {"step": "write", "child": child.child_id}, (question,))


def _share(message: str, child: ChildLink, ctx: Context) -> tuple[Effect, ...]:
    carer = ctx.carer
    assert carer is not None
    code = ctx.threads[child.child_id]
    params = from_carer_params(child, carer, code, message)
    recipients = (child.key_person_id,) if child.key_person_id else ctx.fallback_staff
    to_staff = [
        NotifyStaff(staff, Text("wow.to_staff", params), choices=(reply_button(code),), thread=code)
        for staff in recipients
    ]
    who = child.key_person_name if child.receives_information and child.key_person_name else None
    thanks = Text("wow.thanks", {"child": child.first_name, "key_person": who or ""})
    return (
        OpenThread(carer.id, child.child_id, code),
        RecordNews(child.child_id, "home", message),
        *to_staff,
        Reply(thanks if who else Text("wow.thanks_team", {"child": child.first_name})),
        RecordAudit("wow.from_home", f"child:{child.child_id}", {"code": code}),
    )
