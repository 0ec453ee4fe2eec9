"""Effects that write rows but send nothing: audit, links, opt-outs, timers, flows' records.

Applied inside the caller's transaction, like everything in effects.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.flows.base import (
    CancelTimer,
    Effect,
    MarkLinked,
    OpenThread,
    RecordAudit,
    SetOptOut,
    SetReachable,
    SetTimer,
    Write,
)
from bot.storage.repos import Repos
from bot.storage.rows import ContactRow, Writer


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an inbound message came from: address, who is on file there, the language they read."""

    channel: str
    address: str
    setting_id: int | None
    contact: ContactRow | None
    language: str

    @property
    def actor(self) -> str:
        """The audit actor for this sender."""
        if self.contact is None:
            return "system" if self.channel == "system" else "unknown"
        return f"{self.contact.person_kind.value}:{self.contact.person_id}"


async def record(
    repos: Repos,
    sender: Origin,
    effect: Effect,
    stamp: datetime,
    writer: Callable[[object], tuple[str, str]] | None = None,
) -> None:
    """Write one effect that changes rows but sends nothing. A flow's own records (Write) go
    to the repository its spec names for their type: the core knows no feature's records."""
    if isinstance(effect, Write):
        if writer is None:
            raise LookupError(f"no writer for {type(effect.record).__name__}")
        repository, method = writer(effect.record)
        contact = sender.contact
        by = Writer(
            sender.setting_id,
            sender.actor,
            contact.person_kind if contact else None,
            contact.person_id if contact else None,
            stamp,
        )
        await getattr(getattr(repos, repository), method)(effect.record, by)
    elif isinstance(effect, OpenThread):
        assert sender.setting_id is not None
        await repos.threads.open(
            sender.setting_id, effect.code, effect.carer_id, effect.child_id, stamp
        )
    elif isinstance(effect, RecordAudit):
        await repos.audit.record(
            sender.setting_id,
            sender.actor,
            effect.action,
            effect.subject,
            dict(effect.details),
            stamp,
        )
    elif isinstance(effect, MarkLinked) and sender.contact is not None:
        await repos.people.mark_linked(sender.contact.id, stamp)
    elif isinstance(effect, SetOptOut):
        await repos.people.set_opted_out(sender.channel, sender.address, effect.opted_out, stamp)
    elif isinstance(effect, SetReachable):
        await repos.links.set_reachable(sender.channel, sender.address, effect.reachable)
    elif isinstance(effect, SetTimer) and sender.setting_id is not None:
        channel, address = effect.to or (sender.channel, sender.address)
        await repos.reminders.add(
            sender.setting_id,
            channel,
            address,
            effect.flow,
            effect.due,
            effect.rule,
            dict(effect.payload),
            kind=effect.kind,
            subject=effect.subject,
            about=effect.about,
            event_at=effect.event_at,
        )
    elif isinstance(effect, CancelTimer):
        await repos.reminders.cancel(
            sender.channel, sender.address, effect.flow, stamp, rule=effect.rule
        )
