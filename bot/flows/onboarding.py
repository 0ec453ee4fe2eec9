"""Linking and the carrier keywords: welcome, the unknown-sender answer, STOP, START, HELP.

first text from a number on file ──► MarkLinked + welcome (names the children and key persons)
text from a number not on file   ──► generic answer: no child's or staff member's name
STOP / START / HELP              ──► SetOptOut + confirmation / help, as carriers expect
"""

from __future__ import annotations

from bot.domain import Text
from bot.flows.base import Context, Effect, MarkLinked, RecordAudit, Reply, SetOptOut, Transition
from bot.flows.information import key_person_lines


def _setting_name(ctx: Context) -> str:
    return ctx.setting.name if ctx.setting else "Keyperson"


def welcome(ctx: Context) -> tuple[Effect, ...]:
    """Link the sender and greet them with what they need to know to start."""
    setting = _setting_name(ctx)
    if ctx.staff is not None:
        text = Text("welcome.staff", {"name": ctx.staff.name, "setting": setting})
        return (MarkLinked(), Reply(text), RecordAudit("contact.linked", f"staff:{ctx.staff.id}"))
    assert ctx.carer is not None
    informed = [c for c in ctx.carer.children if c.receives_information]
    if not informed:
        text = Text("welcome.carer_plain", {"name": ctx.carer.name, "setting": setting})
    else:
        text = Text(
            "welcome.carer",
            {
                "name": ctx.carer.name,
                "setting": setting,
                "children": tuple(c.first_name for c in informed),
                "key_people": key_person_lines(informed),
            },
        )
    return (MarkLinked(), Reply(text), RecordAudit("contact.linked", f"carer:{ctx.carer.id}"))


def unknown_sender(ctx: Context) -> Transition:
    """Answer a number not on file politely, naming nobody."""
    phone = ctx.setting.phone if ctx.setting else ""
    text = Text("unknown.sender", {"setting": _setting_name(ctx), "phone": phone})
    return Transition(None, {}, (Reply(text), RecordAudit("unknown.sender")))


def opt_out(ctx: Context) -> Transition:
    """Honour STOP: record it and send only the confirmation."""
    text = Text("optout.stopped", {"setting": _setting_name(ctx)})
    return Transition(
        None, {}, (SetOptOut(True), Reply(text, ignore_stop=True), RecordAudit("sms.stop"))
    )


def opt_in(ctx: Context) -> Transition:
    """Honour START: messages may flow again."""
    text = Text("optout.started", {"setting": _setting_name(ctx)})
    return Transition(None, {}, (SetOptOut(False), Reply(text), RecordAudit("sms.start")))


def sms_help(ctx: Context) -> Transition:
    """Answer HELP with who we are, how to stop and whom to call."""
    phone = ctx.setting.phone if ctx.setting else ""
    text = Text("help.sms", {"setting": _setting_name(ctx), "phone": phone})
    return Transition(None, {}, (Reply(text),))
