"""The subject of a concern: the DSL names a carer the concern is about (a safeguarding
concern about a parent, say), and from then on Keyperson sends that carer no updates on it.

By SMS or Telegram:  SUBJECT C-1042 <carer ref or name> ──► marked; the DSL is told
On Telegram:         "Who is it about?" under a safety concern ──► a button per carer of the
                     child (and whoever raised it) ──► marked
Also `keyperson concern subject C-1042 --carer P-…` (bot/commands/concern.py).
Only a DSL or deputy DSL may mark it. The concerns flow reads the mark (ConcernInfo.
subject_carer_id) and tells that carer nothing more: looking at it, answers, closed, rating.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.concerns import ConcernInfo
from bot.domain.messages import Choice, ChoiceStyle, Inbound, Text
from bot.flows.base import Context, Fact, FlowSpec, RecordAudit, Reply, Transition, Write, end

NAME = "concern_subject"
WORD = "concern_subject"  # trigger.concern_subject: SUBJECT in the catalogs
PRESS = "concern_subject:"  # "concern_subject:<number>" (who?) or "…:<number>:<carer id>"
LEADS = frozenset({"dsl", "deputy_dsl"})
CONCERN, CARERS = "subject_concern", "subject_carers"
_TYPED = re.compile(r"^\s*(\S+)\s+C-?(\d{4,7})\b[\s:,.\-]*(.*)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Subject:
    """A carer named as the subject of a concern (Write)."""

    number: int
    carer_id: int


def _typed(text: str, ctx: Context) -> tuple[int, str] | None:
    found = _TYPED.match(text)
    if ctx.staff is None or found is None or not ctx.words.said(WORD, found.group(1)):
        return None
    return int(found.group(2)), found.group(3).strip()


def _pressed(key: str) -> tuple[int, int | None] | None:
    parts = key.removeprefix(PRESS).split(":")
    if not key.startswith(PRESS) or not all(p.isdecimal() for p in parts) or len(parts) > 2:
        return None
    return int(parts[0]), int(parts[1]) if len(parts) == 2 else None


def recognise(text: str, ctx: Context) -> Transition | None:
    """SUBJECT C-1042 <carer ref or name>, from staff."""
    typed = _typed(text, ctx)
    if typed is None:
        return None
    number, who = typed
    carers: list[tuple[int, str, str]] = list(ctx.facts.get(CARERS) or ())
    refused = _refused(number, ctx)
    if refused is not None:
        return refused
    if not who:
        return _which(number, carers)
    wanted = who.casefold()
    found = [c for c in carers if wanted in (c[1].casefold(), c[2].casefold())]
    found = found or [c for c in carers if c[2].casefold().split()[:1] == [wanted]]
    if len(found) != 1:
        return _which(number, carers)
    return _mark(number, found[0], ctx)


def pressed(key: str, ctx: Context) -> Transition:
    """Who is it about? (a button per carer), or one of those buttons."""
    found = _pressed(key)
    if found is None or ctx.staff is None:
        return end(Reply(Text("choice.stale")))
    number, carer_id = found
    refused = _refused(number, ctx)
    if refused is not None:
        return refused
    carers: list[tuple[int, str, str]] = list(ctx.facts.get(CARERS) or ())
    chosen = [c for c in carers if c[0] == carer_id]
    if carer_id is None or not chosen:
        return _which(number, carers, buttons=True)
    return _mark(number, chosen[0], ctx)


def _refused(number: int, ctx: Context) -> Transition | None:
    ref = f"C-{number}"
    info: ConcernInfo | None = ctx.facts.get(CONCERN)
    if info is None:
        return end(Reply(Text("concern.unknown", {"reference": ref})))
    if ctx.staff is None or not LEADS & set(ctx.staff.roles):
        return end(Reply(Text("concern.subject_not_yours", {"reference": ref})))
    return None


def _which(number: int, carers: list[tuple[int, str, str]], buttons: bool = False) -> Transition:
    """Whom it can be: each carer by name and reference (buttons on Telegram)."""
    ref = f"C-{number}"
    names = tuple(Text("concern.subject_line", {"name": c[2], "ref": c[1]}) for c in carers)
    choices = tuple(
        Choice(f"{PRESS}{number}:{c[0]}", Text("label.raw", {"text": c[2]}), ChoiceStyle.TAP)
        for c in carers
    )
    text = Text("concern.subject_which", {"reference": ref, "lines": names})
    return end(Reply(text, choices if buttons else ()))


def _mark(number: int, carer: tuple[int, str, str], ctx: Context) -> Transition:
    assert ctx.staff is not None
    ref = f"C-{number}"
    return end(
        Write(Subject(number, carer[0])),
        RecordAudit("concern.subject", f"concern:{ref}", {"by": ctx.staff.id, "carer": carer[0]}),
        Reply(Text("concern.subject_marked", {"reference": ref, "name": carer[2]})),
    )


def _number(ctx: Context, inbound: Inbound) -> int | None:
    if ctx.staff is None:
        return None
    if inbound.choice is not None:
        found = _pressed(inbound.choice)
        return found[0] if found else None
    typed = _typed(inbound.text, ctx)
    return typed[0] if typed else None


def _concern_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    number = _number(ctx, inbound)
    return (ctx.setting_id, number) if number is not None and ctx.setting_id else None


SPEC = FlowSpec(
    NAME,
    facts=(
        Fact(CONCERN, "concerns", "by_number", _concern_args),
        Fact(CARERS, "concerns", "carers_of", _concern_args, default=[]),
    ),
    recognise=recognise,
    actions=(PRESS,),
    action=pressed,
    records={Subject: ("concerns", "mark_subject")},
)

__all__ = ["SPEC", "Subject"]
