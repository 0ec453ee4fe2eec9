"""Linking a Telegram chat to a person on file, by their own phone number or an invite code.

/start ────────────────────────────────► "Share my phone number" button
/start CODE, code valid ───────────────► LinkContact (code used up) + welcome + where-to question
/start CODE, unknown, used or expired ─► polite answer naming nobody + the share button
own contact, number on file ───────────► LinkContact + welcome + where-to question
own contact, number not on file ───────► polite answer naming nobody
someone else's contact ────────────────► refused politely + the share button
already linked ────────────────────────► told so, then what INFO starts
where-to question ──choice──► SetPreference (telegram / both / sms)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from bot.domain.messages import Choice, Text
from bot.domain.people import Carer, PersonKind
from bot.flows.base import (
    ChoiceMade,
    Command,
    ContactShared,
    Context,
    Event,
    FlowSpec,
    LinkAsked,
    LinkContact,
    MarkLinked,
    RecordAudit,
    Reply,
    State,
    Transition,
    Write,
)
from bot.flows.steps.people import SHARE_PHONE, welcome
from bot.flows.steps.questions import leave_option

NAME = "linking"


@dataclass(frozen=True, slots=True)
class SetPreference:
    """Record the channel the sender's person wants messages on: sms, telegram or both."""

    preference: str
    only_if_unset: bool = False


PREFERENCES = ("telegram", "both", "sms")


def asked(event: LinkAsked) -> Transition:
    """/start: link by the deep link's code, or offer the share-my-number button."""
    ctx = event.ctx
    if _linked(ctx):
        return _already(ctx)
    if not event.code:
        return Transition(None, {}, (Reply(Text("link.ask_contact", _names(ctx)), (SHARE_PHONE,)),))
    if ctx.link_to is None or ctx.invite_id is None:
        return Transition(
            None,
            {},
            (
                Reply(Text("link.bad_code", _names(ctx)), (SHARE_PHONE,)),
                RecordAudit("link.bad_code"),
            ),
        )
    return _link(ctx, "invite")


def shared(event: ContactShared) -> Transition:
    """A shared contact links the sender only when it is their own number and it is on file."""
    ctx = event.ctx
    if not event.own:
        return Transition(
            None,
            {},
            (Reply(Text("link.not_own"), (SHARE_PHONE,)), RecordAudit("link.not_own_contact")),
        )
    if _linked(ctx):
        return _already(ctx)
    if ctx.link_to is None:
        return Transition(
            None, {}, (Reply(Text("link.not_found", _names(ctx))), RecordAudit("link.not_found"))
        )
    return _link(ctx, "contact")


def step(state: State, event: Event, now: datetime) -> Transition:
    """Record the answer to the where-to question; anything else is a new message."""
    if isinstance(event, ChoiceMade) and event.key in PREFERENCES:
        return Transition(
            None,
            {},
            (
                Write(SetPreference(event.key)),
                Reply(Text(f"link.where_{event.key}")),
                RecordAudit("preference.channel", None, {"channel": event.key}),
            ),
        )
    return Transition(None, {}, passthrough=True)


def _link(ctx: Context, method: str) -> Transition:
    person = ctx.link_to
    assert person is not None
    kind = PersonKind.CARER if isinstance(person, Carer) else PersonKind.STAFF
    as_them = (
        dataclasses.replace(ctx, carer=person, newly_linked=True)
        if isinstance(person, Carer)
        else dataclasses.replace(ctx, staff=person, newly_linked=True)
    )
    # The welcome is the same as on SMS; MarkLinked is implied by LinkContact.
    greeting = tuple(e for e in welcome(as_them) if not isinstance(e, MarkLinked))
    effects = (
        LinkContact(kind, person.id, ctx.invite_id),
        *greeting,
        RecordAudit("link." + method, f"{kind.value}:{person.id}"),
    )
    if person.phone is None:
        return Transition(None, {}, effects)
    language = person.language if isinstance(person, Carer) else None
    choices = (*(Choice(p, Text(f"choice.on_{p}")) for p in PREFERENCES), leave_option())
    question = Reply(Text("link.where"), choices, language=language)
    return Transition(NAME, {}, (*effects, question))


def _linked(ctx: Context) -> bool:
    return ctx.carer is not None or ctx.staff is not None


def _already(ctx: Context) -> Transition:
    me = ctx.carer or ctx.staff
    assert me is not None
    someone_else = ctx.link_to is not None and (
        type(ctx.link_to) is not type(me) or ctx.link_to.id != me.id
    )
    key = "link.already_other" if someone_else else "link.already"
    return Transition(None, {}, (Reply(Text(key, _names(ctx))),), handover="info")


def _names(ctx: Context) -> dict[str, str]:
    setting = ctx.setting
    return {
        "setting": setting.name if setting else "Keyperson",
        "phone": setting.phone if setting else "",
    }


SPEC = FlowSpec(
    NAME,
    step=step,
    commands=(Command("start", carer=10, staff=60),),
    signals={
        LinkAsked: lambda flow, state, event: asked(event),
        ContactShared: lambda flow, state, event: shared(event),
    },
    left_key="left.unchanged",
    records={SetPreference: ("links", "write_preference")},
)
