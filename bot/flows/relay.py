"""Two-way relay between a carer and their child's key person, threaded by reply codes.

    carer text ─┬─ one child / one key person ──► key person gets it with #CODE; carer told
                └─ children with different key persons ──► which_child ──choice──► same
    staff "#CODE text" ──► allowed and receives_information ──► carer gets it; staff told
    staff text, no code ──► which_thread (recent threads) ──choice──► carer gets it
    Reply button / /reply ──► compose (or which_thread first) ──text──► carer gets it
A Telegram reply to a relayed message names its thread as a typed code does.
Out of staff hours the carer is told when to expect a reply and whom to call if it is urgent,
and the message waits for staff hours when the setting says so (receipts.py).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from bot.domain.messages import Choice, Priority, Text
from bot.domain.people import ChildLink, ThreadInfo
from bot.flows.base import (
    ChoiceMade,
    Command,
    Context,
    Effect,
    Event,
    FlowSpec,
    NotifyCarer,
    NotifyStaff,
    OpenThread,
    RecordAudit,
    Reply,
    State,
    TextReceived,
    Transition,
    Trigger,
    Write,
    end,
)
from bot.flows.steps import codes, wording
from bot.flows.steps import facts as known
from bot.flows.steps.language import labelled
from bot.flows.steps.people import REPLY_ACTION, from_carer_params, reply_button
from bot.flows.steps.questions import (
    answers_nothing,
    child_choices,
    leave_button,
    leave_option,
    which_children,
)
from bot.flows.steps.receipts import Acknowledged, acknowledgement, held_until, told_already
from bot.flows.steps.translation import STAFF_FACTS as TRANSLATION_FACTS
from bot.flows.steps.translation import for_key_people, to_family_later

NAME = "relay"
ANSWERING_ROLES = frozenset({"manager", "senco", "dsl"})


def compose(ctx: Context) -> Transition:
    """The Reply button was pressed: ask for the answer to the thread it names."""
    thread = known.named_thread(ctx)
    if thread is None or ctx.staff is None or not _allowed(thread, ctx):
        return end(*codes.wrong(ctx))
    return Transition(
        NAME,
        {"step": "compose", "thread": asdict(thread)},
        (Reply(Text("relay.staff_compose", _thread_params(thread)), (leave_button(),)),),
    )


def from_carer(text: str, ctx: Context, now: datetime) -> Transition:
    """Relay a carer's free text, asking first which child it is about when that matters."""
    assert ctx.carer is not None
    children = ctx.carer.children
    if len({c.key_person_id for c in children}) > 1 and len(which_children(children)) > 1:
        return _ask_which_child(text, children)
    return end(*_deliver(text, children, ctx, now))


def from_staff(text: str, ctx: Context) -> Transition:
    """Send a staff reply to the carer its code names, or ask which conversation it is for."""
    code = known.named_code(ctx)
    if code is not None:
        body = text.strip()
        typed = f"#{code}"
        if body.casefold().startswith(typed.casefold()):
            body = body[len(typed) :].strip()
        thread = known.named_thread(ctx)
        if thread is None:
            return end(*codes.wrong(ctx))
        return _checked(body, thread, ctx)
    if not known.recent_threads(ctx):
        return end(Reply(Text("relay.staff_no_threads")))
    threads = known.recent_threads(ctx)
    choices = (
        *(Choice(t.code, Text("relay.thread_label", _thread_params(t))) for t in threads),
        leave_option(),
    )
    state = {
        "step": "which_thread",
        "text": text,
        "threads": [asdict(t) for t in known.recent_threads(ctx)],
    }
    return Transition(NAME, state, (Reply(Text("relay.staff_which"), choices),))


def step(state: State, event: Event, now: datetime) -> Transition:
    """Continue a which-child or which-conversation question."""
    ctx = event.ctx
    if state.get("step") == "which_child" and ctx.carer is not None:
        if isinstance(event, ChoiceMade):
            children = ctx.carer.children
            chosen = children if event.key == "all" else which_children(children).get(event.key)
            if chosen:
                return end(*_deliver(state["text"], chosen, ctx, now))
        extra = event.text if isinstance(event, TextReceived) else ""
        if answers_nothing(extra, ctx.words):
            extra = ""  # "ok" or "?" answers nothing: the question is asked again, unchanged
        return _ask_which_child(f"{state['text']}\n{extra}".strip(), ctx.carer.children)
    if state.get("step") == "which_thread" and ctx.staff is not None:
        if isinstance(event, ChoiceMade):
            for saved in state.get("threads", []):
                if saved["code"] == event.key and not state["text"].strip():
                    return compose(known.with_fact(ctx, "named_thread", ThreadInfo(**saved)))
                if saved["code"] == event.key:
                    return _checked(state["text"], ThreadInfo(**saved), ctx)
        if isinstance(event, TextReceived):
            return from_staff(event.text, ctx)
    if state.get("step") == "compose" and ctx.staff is not None:
        if isinstance(event, TextReceived) and event.text.strip():
            return _checked(event.text.strip(), ThreadInfo(**state["thread"]), ctx)
    if state.get("step") == "plain" and ctx.staff is not None:
        return _plain(state, event, ctx)
    return Transition(None, {}, passthrough=True)


def _checked(body: str, thread: ThreadInfo, ctx: Context, swapped: bool = False) -> Transition:
    """Send the answer, unless the plain-words check has something to suggest first; after a
    plain word was swapped in, the sender sees the final text before it goes."""
    found = wording.flags(ctx.glossary, body)
    if not body or not _allowed(thread, ctx) or not thread.receives_information:
        return end(*_answer(body, thread, ctx))
    if not found and not swapped:
        return end(*_answer(body, thread, ctx))
    edit, cancel = Text("relay.choice_edit"), Text("update.choice_cancel")
    ask = (
        wording.question(found, edit, cancel)
        if found
        else wording.final(_to_carer(body, thread, ctx), edit, cancel)
    )
    return Transition(NAME, {"step": "plain", "thread": asdict(thread), "text": body}, (ask,))


def _plain(state: State, event: Event, ctx: Context) -> Transition:
    thread = ThreadInfo(**state["thread"])
    if isinstance(event, ChoiceMade):
        text = wording.accepted(ctx.glossary, state["text"], event.key)
        if text is not None:
            return _checked(text, thread, ctx, swapped=True)
        if event.key in (wording.KEEP, wording.SEND):
            return end(*_answer(state["text"], thread, ctx))
        if event.key == wording.EDIT:
            return compose(known.with_fact(ctx, "named_thread", thread))
        if event.key == wording.CANCEL:
            return end(Reply(Text("update.cancelled")))
    if isinstance(event, TextReceived) and event.text.strip():
        return _checked(event.text.strip(), thread, ctx)
    return Transition(None, {}, passthrough=True)


def _ask_which_child(text: str, children: tuple[ChildLink, ...]) -> Transition:
    choices = child_choices(children)
    choices.append(Choice("all", Text("relay.choice_all")))
    choices.append(leave_option())
    return Transition(
        NAME,
        {"step": "which_child", "text": text},
        (Reply(Text("relay.which_child"), tuple(choices)),),
    )


def _deliver(
    text: str, children: tuple[ChildLink, ...], ctx: Context, now: datetime
) -> tuple[Effect, ...]:
    carer = ctx.carer
    assert carer is not None
    effects: list[Effect] = []
    hold = held_until(ctx, now)
    for child in children:
        code = known.threads(ctx)[child.child_id]
        params: dict[str, object] = {**from_carer_params(child, carer, code, text)}
        # Staff see the language it was written in when it is not the family's own.
        params["message"] = labelled(text, ctx)
        informed = child.receives_information
        key = "relay.to_staff" if informed else "relay.to_staff_no_info"
        # No Reply button where no answer about the child may be sent to this carer.
        answer = (reply_button(code),) if informed else ()
        recipients = (child.key_person_id,) if child.key_person_id else known.fallback_staff(ctx)
        effects.append(OpenThread(carer.id, child.child_id, code))
        effects.extend(
            NotifyStaff(staff_id, Text(key, params), choices=answer, thread=code, not_before=hold)
            for staff_id in recipients
        )
        effects.append(
            RecordAudit(
                "relay.to_staff", f"child:{child.child_id}", {"code": code, "to": list(recipients)}
            )
        )
    # Words the key person cannot read go to a translator as well.
    effects.extend(for_key_people(text, ctx))
    receipt, what = acknowledgement(children, ctx, now)
    if not told_already(what, ctx, now):
        effects += [Reply(receipt), Write(Acknowledged(carer.id, what))]
    return tuple(effects)


def _answer(body: str, thread: ThreadInfo, ctx: Context) -> tuple[Effect, ...]:
    staff = ctx.staff
    assert staff is not None
    params = _thread_params(thread)
    if not _allowed(thread, ctx):
        return codes.wrong(ctx)
    if not body:
        return (Reply(Text("relay.staff_empty", params)),)
    if not thread.receives_information:
        return (
            Reply(Text("relay.staff_no_info", params)),
            RecordAudit("relay.blocked_no_info", f"child:{thread.child_id}", {"code": thread.code}),
        )
    message = _to_carer(body, thread, ctx)
    # In another language, with the setting asking for it: a translator's words go instead.
    sending = to_family_later(body, thread, ctx) or (
        # An answer to a family's message is essential: it falls back to SMS if Telegram fails.
        NotifyCarer(
            thread.carer_id,
            message,
            about_child=thread.child_id,
            priority=Priority.REPLY,
            essential=True,
            confirm=Text("relay.staff_sent", params),
        ),
    )
    return (
        *sending,
        OpenThread(thread.carer_id, thread.child_id, thread.code),
        # Staff have answered: the family's next message is acknowledged afresh.
        Write(Acknowledged(thread.carer_id, None)),
        RecordAudit("relay.to_carer", f"child:{thread.child_id}", {"code": thread.code}),
    )


def _to_carer(body: str, thread: ThreadInfo, ctx: Context) -> Text:
    assert ctx.staff is not None
    return Text(
        "relay.to_carer", {"staff": ctx.staff.name, "child": thread.child_name, "message": body}
    )


def _allowed(thread: ThreadInfo, ctx: Context) -> bool:
    staff = ctx.staff
    assert staff is not None
    return thread.key_person_id in (staff.id, *known.covers(ctx)) or bool(
        ANSWERING_ROLES & set(staff.roles)
    )


def _thread_params(thread: ThreadInfo) -> dict[str, str]:
    return {
        "code": f"#{thread.code}",
        "child": thread.child_name,
        "carer": thread.carer_name,
        "relationship": thread.relationship,
    }


def message(text: str, ctx: Context, now: datetime) -> Transition:
    """Free text nobody else took: a carer's goes to the key person, a staff member's to the
    family its code names."""
    if ctx.carer is not None:
        return from_carer(text, ctx, now)
    return from_staff(text, ctx)


def _reply_pressed(key: str, ctx: Context) -> Transition:
    """A Reply button under a relayed message: compose the answer (staff only)."""
    if ctx.staff is None:
        return Transition(None, {}, (Reply(Text("choice.stale")),))
    return compose(ctx)


def _dropped(state: State, ctx: Context) -> tuple[Effect, ...]:
    """What leaving says: a family's message not sent, or a staff answer not sent."""
    step = state.get("step")
    if step == "which_child":
        return (Reply(Text("left.not_sent")),)
    if step in ("compose", "plain") or (step == "which_thread" and state.get("text")):
        return (Reply(Text("update.cancelled")),)
    return ()


SPEC = FlowSpec(
    NAME,
    step=step,
    triggers=(Trigger("reply", lambda ctx: from_staff("", ctx), who="staff"),),
    commands=(Command("reply", staff=30),),
    facts=(*known.CARER_FACTS, *known.STAFF_FACTS, *TRANSLATION_FACTS),
    dropped=_dropped,
    actions=(REPLY_ACTION,),
    action=_reply_pressed,
    message=message,
    records={Acknowledged: ("threads", "write_acknowledged")},
)
