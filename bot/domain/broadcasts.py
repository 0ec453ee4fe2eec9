"""Broadcasts: a manager's words to all families or a segment, with an optional "please
reply 1 to say you have seen this" and a reminder, or marked urgent (a closure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.messages import Priority, Text

PREFIX = "B-"
_REFERENCE = re.compile(r"^\s*B-?(\d{1,9})\s*$", re.IGNORECASE)
MAX_TEXT = 1000  # characters of staff words: a broadcast is a notice, not a newsletter
DEFAULT_REMINDER_HOURS = 24
# Bulk waits behind every reply, concern and safeguarding message; an urgent broadcast (a
# closure) goes before ordinary bulk but still behind those.
BULK = Priority.BULK
URGENT_BULK = Priority.NORMAL


class BroadcastError(ValueError):
    """A broadcast that cannot go; `key` names the catalog message saying why."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params


@dataclass(frozen=True, slots=True)
class BroadcastRequest:
    """What a manager asked to send (by the CLI or from their phone)."""

    text: str
    audience: str | None = None  # as written; None is every family
    confirm: bool = False
    urgent: bool = False
    sent_by: str = "cli"  # 'staff:<id>' from a phone

    @property
    def essential(self) -> bool:
        """Urgent broadcasts are essential: another channel when the chosen one fails."""
        return self.urgent

    @property
    def priority(self) -> Priority:
        """The outbox lane it waits in."""
        return URGENT_BULK if self.urgent else BULK


def checked_text(text: str | None) -> str:
    """The staff's words, trimmed; raises BroadcastError when empty or too long."""
    words = (text or "").strip()
    if not words:
        raise BroadcastError("broadcast.empty")
    if len(words) > MAX_TEXT:
        raise BroadcastError("broadcast.too_long", limit=MAX_TEXT, length=len(words))
    return words


def reference(number: int) -> str:
    """How people read a broadcast's number: B-3."""
    return f"{PREFIX}{number}"


def number_of(text: str) -> int | None:
    """The number in a typed reference (B-3, b3), or None."""
    match = _REFERENCE.match(text)
    return int(match.group(1)) if match else None


def message(setting: str, request: BroadcastRequest, reminder: bool = False) -> Text:
    """What a family reads: the staff's words as written, inside the catalog's wrapper."""
    if reminder:
        key = "broadcast.reminder"
    elif request.urgent:
        key = "broadcast.urgent_confirm" if request.confirm else "broadcast.urgent"
    else:
        key = "broadcast.confirm" if request.confirm else "broadcast.message"
    return Text(key, {"setting": setting, "text": Text("label.raw", {"text": request.text})})


def remind_at(queued: datetime, hours: int) -> datetime:
    """When those who have not confirmed are reminded."""
    return queued + timedelta(hours=hours)


@dataclass(frozen=True, slots=True)
class BroadcastCounts:
    """Where a broadcast stands, for `keyperson report broadcast` and the sender."""

    number: int
    audience: str
    created_at: datetime
    sent_by: str
    confirm: bool
    urgent: bool
    families: int
    carers: int
    opted_out: int
    unreachable: int
    no_information: int
    delivered: int = 0  # messages (one per phone or chat) the provider says arrived
    sent: int = 0  # accepted by the provider, no receipt (yet)
    waiting: int = 0  # queued, held for quiet hours, or being retried
    failed: int = 0
    stopped_since: int = 0  # withheld because the number texted STOP after it was queued
    confirmed: int = 0
    to_confirm: int = 0  # recipients asked to confirm
    reminded: int = 0  # reminders sent
    reminders_waiting: int = 0
    remind_at: datetime | None = None
    queued: bool = True


@dataclass(frozen=True, slots=True)
class Confirmation:
    """A family said they have seen these broadcasts (a record a flow writes)."""

    broadcast_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Requested:
    """A broadcast asked for from a phone, waiting for the server to queue it."""

    id: int
    setting_id: int
    number: int
    request: BroadcastRequest
    created_at: datetime


def reach_text(families: int, carers: int, not_reached: Mapping[str, int]) -> Text:
    """Who a broadcast reaches and who will not, and why, in the catalogs' words."""
    missed = sum(not_reached.values())
    why: Text | str = ""
    if missed:
        why = Text(
            "broadcast.missed",
            {
                "count": missed,
                "opted_out": not_reached.get("opted_out", 0),
                "unreachable": not_reached.get("unreachable", 0),
                "no_information": not_reached.get("no_information", 0),
            },
        )
    return Text("broadcast.reach", {"count": families, "carers": carers, "missed": why})
