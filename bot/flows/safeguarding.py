"""Safeguarding, whatever the flow: a family's words that suggest a child may be at risk of
harm reach the DSL at once, as well as wherever they were going.

any text a carer sends (watched: a relay, good news, an answer to a question, a caption)
    ──signs (bot/data/safeguarding.toml)──► the DSL(s) and deputy DSL(s) at once, on the
    urgent lane, with the family's words, the carer's children and a reference S-1001; a
    record kept; an audit entry. The family is told nothing; the message goes on as it was.
    ──15 minutes, not acknowledged──► the deputy DSL(s) and the managers, as essential
ACK S-1001 (from a DSL, deputy DSL, manager, or anyone told) ──► acknowledged; the others
    told who is dealing with it; a late timer then sends nothing
Nothing here is ever sent to a carer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.domain.messages import Inbound, InboundKind, Priority, Text
from bot.domain.people import ChildLink
from bot.flows.base import (
    Context,
    Effect,
    Fact,
    FlowSpec,
    NotifyStaff,
    RecordAudit,
    Reply,
    SetTimer,
    State,
    TimerFired,
    Transition,
    Write,
    end,
)
from bot.language.safeguarding import shipped_signs

NAME = "safeguarding"
RULE = "unacknowledged"
ESCALATE_AFTER = timedelta(minutes=15)
ACK_WORD = "safeguarding_ack"  # trigger.safeguarding_ack: ACK in the catalogs
LEADS = ("dsl", "deputy_dsl")
MAY_ACKNOWLEDGE = frozenset({"dsl", "deputy_dsl", "manager"})
SIGNS, NUMBER, DSLS, DEPUTIES, MANAGERS, RECORD = (
    "safeguarding_signs",
    "safeguarding_number",
    "safeguarding_dsls",
    "safeguarding_deputies",
    "safeguarding_managers",
    "safeguarding_record",
)
# "ACK S-1001": a word, then a reference (its dash and case as typed).
_ACK = re.compile(r"^\s*(?P<word>[^\W\d_]+)\s+S\s*-?\s*(?P<number>\d{1,9})\s*[.!]*\s*$", re.I)


class Kept(Protocol):
    """A safeguarding record as storage gives it back (the `find` fact)."""

    number: int
    carer: str
    relationship: str
    children: tuple[str, ...]
    signs: tuple[str, ...]
    words: str
    told: tuple[int, ...]
    acknowledged_at: datetime | None
    acknowledged_by: str | None

    @property
    def reference(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Raised:
    """A safeguarding record, as kept (Write)."""

    number: int
    carer_id: int
    children: tuple[int, ...]
    signs: tuple[str, ...]
    words: str
    told: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """The staff member writing is dealing with it."""

    number: int


@dataclass(frozen=True, slots=True)
class Escalated:
    """Sent on to the deputy DSL or managers: no one acknowledged it in time."""

    number: int


def reference(number: int) -> str:
    """The reference people read out: S- and digits."""
    return f"S-{number}"


def watch(text: str, ctx: Context, now: datetime) -> tuple[Effect, ...]:
    """A carer's words with signs of harm: tell the leads at once, keep it, set the timer."""
    carer = ctx.carer
    signs: tuple[str, ...] = tuple(ctx.facts.get(SIGNS) or ())
    number = ctx.facts.get(NUMBER)
    if carer is None or not signs or number is None:
        return ()
    told = _leads(ctx)
    ref = reference(int(number))
    children = tuple(c.child_id for c in carer.children)
    params = _params(ref, carer.name, carer.children, signs, text)
    informed = all(c.receives_information for c in carer.children)
    key = "safeguarding.alert" if informed else "safeguarding.alert_no_info"
    return (
        Write(Raised(int(number), carer.id, children, signs, text, told)),
        *(NotifyStaff(s, Text(key, params), Priority.URGENT) for s in told),
        RecordAudit(
            "safeguarding.raised",
            f"carer:{carer.id}",
            {"reference": ref, "signs": list(signs), "children": list(children), "to": list(told)},
        ),
        SetTimer(NAME, now + ESCALATE_AFTER, RULE, {"number": int(number)}),
    )


def _leads(ctx: Context) -> tuple[int, ...]:
    """The DSLs and deputy DSLs; the managers when the setting has neither on file."""
    leads = [*ctx.facts.get(DSLS, ()), *ctx.facts.get(DEPUTIES, ())]
    return tuple(dict.fromkeys(leads or ctx.facts.get(MANAGERS, ())))


def _params(
    ref: str, carer: str, children: tuple[ChildLink, ...] | tuple[str, ...], signs: Any, words: str
) -> dict[str, object]:
    names = tuple(c if isinstance(c, str) else c.first_name for c in children)
    relationship = next((c.relationship for c in children if not isinstance(c, str)), "")
    return {
        "reference": ref,
        "carer": carer,
        "relationship": relationship,
        "children": names,
        "signs": tuple(Text(f"safeguarding.sign_{s}") for s in signs),
        "message": words,
    }


def timer(state: State, fired: TimerFired, now: datetime) -> Transition:
    """15 minutes on: if no one has acknowledged it, the deputy DSLs and managers hear, on
    every channel they may be reached (essential); acknowledged, nothing is sent."""
    record: Kept | None = fired.ctx.facts.get(RECORD)
    if fired.rule != RULE or record is None or record.acknowledged_at is not None:
        return Transition(None, {})
    escalate = [*fired.ctx.facts.get(DEPUTIES, ()), *fired.ctx.facts.get(MANAGERS, ())]
    to = tuple(dict.fromkeys(escalate or record.told))
    params = {
        **_params(record.reference, record.carer, record.children, record.signs, record.words),
        "relationship": record.relationship,
        "minutes": int(ESCALATE_AFTER.total_seconds() // 60),
    }
    return end(
        Write(Escalated(record.number)),
        *(
            NotifyStaff(
                s, Text("safeguarding.escalated", params), Priority.URGENT, every_channel=True
            )
            for s in to
        ),
        RecordAudit("safeguarding.escalated", f"safeguarding:{record.reference}", {"to": list(to)}),
    )


def asked_number(text: str, ctx: Context) -> int | None:
    """The reference number an ACK names ("ACK S-1001"), for staff; else None."""
    match = _ACK.match(text)
    if ctx.staff is None or match is None or not ctx.words.said(ACK_WORD, match["word"]):
        return None
    return int(match["number"])


def recognise(text: str, ctx: Context) -> Transition | None:
    """ACK S-1001 from staff: acknowledge it, and tell the others who is dealing with it."""
    number = asked_number(text, ctx)
    staff = ctx.staff
    if number is None or staff is None:
        return None
    ref = reference(number)
    record: Kept | None = ctx.facts.get(RECORD)
    if record is None or record.number != number:
        return end(Reply(Text("safeguarding.ack_unknown", {"reference": ref})))
    if not (MAY_ACKNOWLEDGE & set(staff.roles)) and staff.id not in record.told:
        return end(Reply(Text("safeguarding.ack_not_yours", {"reference": ref})))
    if record.acknowledged_at is not None:
        by = record.acknowledged_by or ""
        return end(Reply(Text("safeguarding.ack_already", {"reference": ref, "name": by})))
    others = (s for s in record.told if s != staff.id)
    told = Text("safeguarding.ack_by", {"reference": ref, "name": staff.name})
    return end(
        Write(Acknowledged(number)),
        Reply(Text("safeguarding.ack_thanks", {"reference": ref})),
        *(NotifyStaff(s, told, Priority.URGENT) for s in others),
        RecordAudit("safeguarding.acknowledged", f"safeguarding:{ref}"),
    )


# Facts: loaded for a carer's text only when it holds signs; for an ACK; for the timer.


def _carer_text(ctx: Context, inbound: Inbound) -> bool:
    return (
        ctx.carer is not None
        and ctx.setting_id is not None
        and inbound.kind
        in (
            InboundKind.MESSAGE,
            InboundKind.UNSUPPORTED,  # a photo's caption
        )
    )


def _signs(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if not _carer_text(ctx, inbound):
        return None
    return (shipped_signs().kinds(inbound.text),)


def _if_signs(ctx: Context, *args: Any) -> tuple[Any, ...] | None:
    return args if ctx.facts.get(SIGNS) else None


def _timer_number(ctx: Context, inbound: Inbound) -> int | None:
    if inbound.kind is not InboundKind.TIMER:
        return None
    number = (ctx.facts.get("timer") or {}).get("number")
    return int(number) if number is not None else None


def _record(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    number = _timer_number(ctx, inbound)
    if number is None:
        number = asked_number(inbound.text, ctx)
    return (ctx.setting_id, number) if number is not None and ctx.setting_id else None


def _escalation(ctx: Context, inbound: Inbound, role: str) -> tuple[Any, ...] | None:
    if _timer_number(ctx, inbound) is not None:
        return (ctx.setting_id, role)
    return _if_signs(ctx, ctx.setting_id, role)


FACTS = (
    Fact(SIGNS, "", "", _signs, default=()),
    Fact(NUMBER, "safeguarding", "reserve", lambda ctx, i, now: _if_signs(ctx, ctx.setting_id)),
    Fact(
        DSLS,
        "people",
        "staff_with_role",
        lambda ctx, i, now: _if_signs(ctx, ctx.setting_id, "dsl"),
        default=(),
    ),
    Fact(
        DEPUTIES,
        "people",
        "staff_with_role",
        lambda ctx, i, now: _escalation(ctx, i, "deputy_dsl"),
        default=(),
    ),
    Fact(
        MANAGERS,
        "people",
        "staff_with_role",
        lambda ctx, i, now: _escalation(ctx, i, "manager"),
        default=(),
    ),
    Fact(RECORD, "safeguarding", "find", _record),
)

SPEC = FlowSpec(
    NAME,
    facts=FACTS,
    watch=watch,
    recognise=recognise,
    timer=timer,
    records={
        Raised: ("safeguarding", "add"),
        Acknowledged: ("safeguarding", "acknowledge"),
        Escalated: ("safeguarding", "escalate"),
    },
)

__all__ = ["SPEC", "Acknowledged", "Escalated", "Raised", "reference"]
