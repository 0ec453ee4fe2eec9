"""Linking and the carrier keywords: welcome, the unknown-sender answer, STOP, START, HELP.

first text from a number on file ──► MarkLinked + welcome (names the children and key persons)
text from a number not on file   ──► generic answer: no child's or staff member's name
STOP / START / HELP              ──► SetOptOut + confirmation / help, as carriers expect
blocked / unblocked on Telegram  ──► SetReachable, audited; nothing is sent to a blocked chat
an edit, a photo or a file       ──► told politely that only new text messages are passed on
"""

from __future__ import annotations

from bot.domain.messages import Text
from bot.flows.base import (
    Command,
    Context,
    FlowSpec,
    NotPassedOn,
    PhotoShared,
    ReachChanged,
    RecordAudit,
    Reply,
    SetOptOut,
    SetReachable,
    State,
    Transition,
)
from bot.flows.steps.people import SHARE_PHONE, setting_name, welcome

TELEGRAM = "telegram"
SMS = "sms"


def unknown_sender(ctx: Context) -> Transition:
    """Answer a number or chat not on file politely, naming nobody."""
    params = {"setting": setting_name(ctx), "phone": ctx.setting.phone if ctx.setting else ""}
    if ctx.channel == TELEGRAM:
        reply = Reply(Text("unknown.telegram", params), (SHARE_PHONE,))
    else:
        reply = Reply(Text("unknown.sender", params))
    return Transition(None, {}, (reply, RecordAudit("unknown.sender")))


def reach_changed(event: ReachChanged) -> Transition:
    """Blocked: send nothing more there. Unblocked: the chat can be reached again."""
    action = "channel.unblocked" if event.reachable else "channel.blocked"
    return Transition(None, {}, (SetReachable(event.reachable), RecordAudit(action)))


def not_passed_on(flow: str | None, state: State, event: NotPassedOn) -> Transition:
    """Say that an edit or a photo is not passed on, leaving any open question open."""
    ctx = event.ctx
    if ctx.carer is None and ctx.staff is None:
        return unknown_sender(ctx)
    params = {"setting": setting_name(ctx)}
    reply = Reply(Text(f"notpassed.{event.what}", params))
    return Transition(flow, state, (reply, RecordAudit(f"not_passed_on.{event.what}")))


def opt_out(ctx: Context, still_on: tuple[str, ...] = ()) -> Transition:
    """Honour STOP on the channel it came on: record it and send only the confirmation, which
    says which channel stopped and how to stop any other channel the person still gets."""
    telegram = ctx.channel == TELEGRAM
    text = Text("optout.stopped_telegram" if telegram else "optout.stopped", _names(ctx))
    other = SMS if telegram else TELEGRAM
    if other in still_on:
        text = Text("optout.also", {"stopped": text, "still": Text(f"optout.still_{other}")})
    audit = RecordAudit(f"{ctx.channel}.stop")
    return Transition(None, {}, (SetOptOut(True), Reply(text, ignore_stop=True), audit))


def opt_in(ctx: Context) -> Transition:
    """Honour START: messages may flow again on the channel it came on."""
    key = "optout.started_telegram" if ctx.channel == TELEGRAM else "optout.started"
    audit = RecordAudit(f"{ctx.channel}.start")
    return Transition(None, {}, (SetOptOut(False), Reply(Text(key, _names(ctx))), audit))


def _names(ctx: Context) -> dict[str, str]:
    return {"setting": setting_name(ctx)}


def sms_help(ctx: Context) -> Transition:
    """Answer HELP with who we are, how to stop and whom to call."""
    phone = ctx.setting.phone if ctx.setting else ""
    text = Text("help.sms", {"setting": setting_name(ctx), "phone": phone})
    return Transition(None, {}, (Reply(text),))


def _photo(flow: str | None, state: State, event: PhotoShared) -> Transition:
    """A photo where no open flow takes one: not passed on."""
    return not_passed_on(flow, state, NotPassedOn("unsupported", event.ctx))


SPEC = FlowSpec(
    "onboarding",
    commands=(Command("help", carer=50, staff=50),),
    signals={
        ReachChanged: lambda flow, state, event: reach_changed(event),
        NotPassedOn: not_passed_on,
        PhotoShared: _photo,
    },
    on_unknown_sender=unknown_sender,
    on_welcome=welcome,
    on_help=sms_help,
    on_opt_out=opt_out,
    on_opt_in=opt_in,
)
