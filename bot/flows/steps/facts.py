"""What relay, good news and daily updates ask storage for, declared once (Fact) and read
back typed. The router loads a fact only for the flows that may step for a message."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.domain.messages import Inbound
from bot.domain.people import KeyChild, ThreadInfo
from bot.flows.base import Context, Fact
from bot.flows.steps import codes
from bot.flows.steps.people import REPLY_ACTION

CODE_AT_START = re.compile(r"^\s*#([A-Za-z0-9]{2,8})\b")
ANSWER_ALL_ROLES = frozenset({"manager", "senco", "dsl"})


def _carer(ctx: Context) -> bool:
    return ctx.carer is not None and ctx.setting_id is not None


def _staff(ctx: Context) -> bool:
    return ctx.staff is not None and ctx.setting_id is not None


def typed_code(inbound: Inbound) -> str | None:
    """The thread a staff message names itself: a leading #code or a Reply button."""
    match = CODE_AT_START.match(inbound.text)
    if match:
        return match.group(1)
    if inbound.choice and inbound.choice.startswith(REPLY_ACTION):
        return inbound.choice[len(REPLY_ACTION) :]
    return None


def _code(ctx: Context, inbound: Inbound) -> str | None:
    return typed_code(inbound) or ctx.facts.get("replied_to_code")


def _key_people(ctx: Context) -> tuple[Any, ...] | None:
    if not _carer(ctx) or ctx.carer is None:
        return None
    return (sorted({c.key_person_id for c in ctx.carer.children if c.key_person_id}),)


def _fallback(ctx: Context) -> tuple[Any, ...] | None:
    """The managers, when a child of the carer has no key person."""
    if not _carer(ctx) or ctx.carer is None:
        return None
    if all(c.key_person_id is not None for c in ctx.carer.children):
        return None
    return (ctx.setting_id, "manager")


def _team(ctx: Context) -> list[int]:
    assert ctx.staff is not None
    return [ctx.staff.id, *ctx.facts.get("covers", ())]


def _recent(ctx: Context) -> tuple[Any, ...] | None:
    if not _staff(ctx) or ctx.staff is None:
        return None
    everyone = bool(ANSWER_ALL_ROLES & set(ctx.staff.roles))
    return (ctx.setting_id, None if everyone else _team(ctx))


def _actor(ctx: Context) -> str:
    return f"staff:{ctx.staff.id}" if ctx.staff is not None else ""


def _replied_to(ctx: Context, inbound: Inbound) -> tuple[Any, ...] | None:
    """Telegram's reply to a relayed message names its thread through the outbox."""
    if _staff(ctx) and inbound.reply_to and not typed_code(inbound):
        return (inbound.reply_to,)
    return None


def _named(ctx: Context, inbound: Inbound, *args: Any) -> tuple[Any, ...] | None:
    """These arguments when a staff message names a thread, else nothing to load."""
    return args if _staff(ctx) and _code(ctx, inbound) else None


# A carer's conversations: the reply code of each child's thread (a new one for a child with
# none yet), whom to tell when a child has no key person, which key persons no phone reaches,
# and the last acknowledgement the family was sent.
THREADS = Fact(
    "threads",
    "threads",
    "reply_codes",
    lambda ctx, inbound, now: (ctx.setting_id, ctx.carer) if _carer(ctx) else None,
    default={},
)
FALLBACK = Fact(
    "fallback_staff",
    "people",
    "staff_with_role",
    lambda ctx, inbound, now: _fallback(ctx),
    default=[],
)
UNREACHABLE = Fact(
    "unreachable_staff",
    "links",
    "unreachable_staff",
    lambda ctx, inbound, now: _key_people(ctx),
    default=frozenset(),
)
ACKNOWLEDGED = Fact(
    "acknowledged",
    "threads",
    "acknowledgement",
    lambda ctx, inbound, now: (ctx.carer.id,) if _carer(ctx) and ctx.carer else None,
)
CARER_FACTS = (THREADS, FALLBACK, UNREACHABLE, ACKNOWLEDGED)

# A staff member's: whom they cover for, the thread their message names (typed, a Reply
# button, or Telegram's reply to a relayed message) unless their codes are paused, the wrong
# codes they sent lately, the managers to tell of a pause, and the conversations they may answer.
COVERS = Fact(
    "covers",
    "people",
    "covered_by",
    lambda ctx, inbound, now: (ctx.staff,) if _staff(ctx) else None,
    default=[],
)
REPLIED_TO = Fact(
    "replied_to_code",
    "outbox",
    "thread_of",
    lambda ctx, inbound, now: _replied_to(ctx, inbound),
)
NAMED_CODE = Fact(
    "named_code",
    "",  # worked out from the message and the fact above, with no storage of its own
    "",
    lambda ctx, inbound, now: _named(ctx, inbound, _code(ctx, inbound)),
)
PAUSED = Fact(
    "codes_paused",
    "audit",
    "happened_since",
    lambda ctx, inbound, now: _named(ctx, inbound, codes.PAUSED, _actor(ctx), now - codes.PAUSE),
    default=False,
)
WRONG = Fact(
    "wrong_codes",
    "audit",
    "count_since",
    lambda ctx, inbound, now: _named(ctx, inbound, _actor(ctx), codes.WRONG, now - codes.WINDOW),
    default=0,
)
MANAGERS = Fact(
    "managers",
    "people",
    "staff_with_role",
    lambda ctx, inbound, now: _named(ctx, inbound, ctx.setting_id, "manager"),
    default=[],
)
NAMED = Fact(
    "named_thread",
    "threads",
    "describe",
    lambda ctx, inbound, now: (
        (ctx.setting_id, _code(ctx, inbound))
        if _staff(ctx) and _code(ctx, inbound) and not ctx.facts.get("codes_paused")
        else None
    ),
)
RECENT = Fact(
    "recent_threads",
    "threads",
    "recent",
    lambda ctx, inbound, now: _recent(ctx),
    default=[],
)
KEY_CHILDREN = Fact(
    "key_children",
    "news",
    "key_children",
    lambda ctx, inbound, now: (_team(ctx),) if _staff(ctx) else None,
    default=[],
)
STAFF_FACTS = (COVERS, REPLIED_TO, NAMED_CODE, PAUSED, WRONG, MANAGERS, NAMED, RECENT)


def with_fact(ctx: Context, name: str, value: object) -> Context:
    """The context with one fact set (a thread chosen from a list, say)."""
    return dataclasses.replace(ctx, facts={**ctx.facts, name: value})


def threads(ctx: Context) -> Mapping[int, str]:
    return ctx.facts.get("threads") or {}


def fallback_staff(ctx: Context) -> tuple[int, ...]:
    return tuple(ctx.facts.get("fallback_staff") or ())


def unreachable_staff(ctx: Context) -> frozenset[int]:
    return frozenset(ctx.facts.get("unreachable_staff") or ())


def acknowledged(ctx: Context) -> tuple[str, datetime] | None:
    found = ctx.facts.get("acknowledged")
    return (found[0], found[1]) if found else None


def covers(ctx: Context) -> tuple[int, ...]:
    return tuple(ctx.facts.get("covers") or ())


def named_code(ctx: Context) -> str | None:
    return ctx.facts.get("named_code")


def named_thread(ctx: Context) -> ThreadInfo | None:
    found = ctx.facts.get("named_thread")
    return found if isinstance(found, ThreadInfo) else None


def codes_paused(ctx: Context) -> bool:
    return bool(ctx.facts.get("codes_paused"))


def wrong_codes(ctx: Context) -> int:
    return int(ctx.facts.get("wrong_codes") or 0)


def managers(ctx: Context) -> tuple[int, ...]:
    return tuple(ctx.facts.get("managers") or ())


def recent_threads(ctx: Context) -> tuple[ThreadInfo, ...]:
    return tuple(ctx.facts.get("recent_threads") or ())


def key_children(ctx: Context) -> tuple[KeyChild, ...]:
    return tuple(ctx.facts.get("key_children") or ())
