"""After a send: reconciling unknown outcomes, and where a message goes when it finally fails.

Unknown outcomes (the request left, no answer came; or the process died mid-send):
    a channel that can look its sends up (SMS: Twilio's Messages list, by To and DateSent)
        found ──► recorded with the provider's id, never sent again
        not found ──► sent again (nothing was delivered)
        lookup fails ──► asked again later, then given up and reported
    a channel that cannot (Telegram) ──► sent again once after a delay, the duplicate risk
        accepted and recorded in the audit log; unknown twice ──► reported

A final failure of an essential message goes to the person's other reachable channels; a
carer's message that could not reach any of a staff member's phones goes to the managers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from bot.domain.errors import SendError
from bot.domain.messages import Outbound, SendResult, Text
from bot.domain.people import PersonKind
from bot.language.splitting import sms_rows
from bot.storage.repos import Repos
from bot.storage.rows import NewOutbox, OutboxRow

log = logging.getLogger(__name__)


@runtime_checkable
class FindsSent(Protocol):
    """A channel that can ask its provider which messages went to an address."""

    async def find_sent(self, message: Outbound, since: datetime) -> list[SendResult]:
        """Messages with this body sent to this address since `since`, oldest first; raises
        SendError when the provider cannot be asked."""
        ...


@dataclass(frozen=True, slots=True)
class Timing:
    """When unknown outcomes are looked at again; tests shrink these."""

    # Twilio lists a message by its sent date once it has left its queue: well within this.
    reconcile_after: timedelta = timedelta(minutes=10)
    # Telegram cannot be asked: wait long enough that a slow answer is not raced.
    blind_resend_after: timedelta = timedelta(minutes=2)
    check_again: timedelta = timedelta(minutes=5)  # after a failed lookup (doubling)
    max_checks: int = 6


DEFAULT_TIMING = Timing()


class Reconciler:
    """Decides, for each unknown send whose time has come, whether it goes again."""

    def __init__(self, timing: Timing, clock: Callable[[], datetime]) -> None:
        self.timing = timing
        self.clock = clock

    def first_check(self, sender: object, row: OutboxRow, now: datetime) -> datetime | None:
        """When an unknown send is first looked at (None: it was resent once already)."""
        if isinstance(sender, FindsSent):
            return now + self.timing.reconcile_after
        if row.resent:
            return None
        return now + self.timing.blind_resend_after

    async def settle(self, repos: Repos, sender: object, row: OutboxRow, message: Outbound) -> str:
        """Reconcile one unknown send inside the caller's transaction; say what was done."""
        now = self.clock()
        if not isinstance(sender, FindsSent):
            return await self._blind(repos, row, now)
        since = row.attempted_at or row.created_at
        try:
            candidates = await sender.find_sent(message, since)
        except Exception as error:
            reason = error.reason if isinstance(error, SendError) else type(error).__name__
            return await self._later(repos, row, now, f"lookup failed: {reason}")
        known = await repos.delivery.known_provider_ids(c.provider_id or "" for c in candidates)
        fresh = [c for c in candidates if c.provider_id and c.provider_id not in known]
        if fresh:
            first = fresh[0]
            await repos.delivery.found(row.id, first.provider_id or "", first.status, now)
            await _audit(repos, row, "outbox.reconciled", {"found": True}, now)
            return "found at the provider"
        await repos.delivery.send_again(row.id, now, blind=False)
        await _audit(repos, row, "outbox.reconciled", {"found": False}, now)
        return "not at the provider: sending again"

    async def _blind(self, repos: Repos, row: OutboxRow, now: datetime) -> str:
        if row.resent:
            reason = "unknown after a second attempt"
            await repos.delivery.check_later(row.id, None, reason, now)
            return "unknown twice: reported"
        await repos.delivery.send_again(row.id, now, blind=True)
        await _audit(repos, row, "outbox.resent_unknown", {"duplicate_risk": True}, now)
        return "sent again once: may arrive twice"

    async def _later(self, repos: Repos, row: OutboxRow, now: datetime, reason: str) -> str:
        checks = row.checks + 1
        if checks >= self.timing.max_checks:
            await repos.delivery.check_later(row.id, None, reason, now)
            await _audit(repos, row, "outbox.unreconciled", {"checks": checks}, now)
            return "could not be reconciled: reported"
        when = now + self.timing.check_again * 2 ** (checks - 1)
        await repos.delivery.check_later(row.id, when, reason, now)
        return "lookup failed: asking again later"


async def fall_back(
    repos: Repos, row: OutboxRow, now: datetime, render: Callable[[Text, str], str]
) -> None:
    """Queue a finally failed essential message where it can still reach someone."""
    stamp = now
    root = row.fallback_of or row.id
    chain = await repos.delivery.chain(root)
    original = chain[0] if chain else row
    if await repos.delivery.reached_otherwise(original):
        return  # the same message reached them on another channel already
    tried = {(r.channel, r.address) for r in chain}
    if row.person_kind is None or row.person_id is None:
        await _audit(repos, row, "outbox.undeliverable", {"to": []}, now)
        return
    same_person = (row.person_kind, row.person_id) == (original.person_kind, original.person_id)
    rows: list[NewOutbox] = []
    action = "outbox.undeliverable"
    if same_person:
        route = await repos.links.route(PersonKind(row.person_kind), row.person_id)
        rows = [_copy(original, c.channel, c.address, root) for c in route.contacts
                if (c.channel, c.address) not in tried]  # fmt: skip
        action = "outbox.fallback"
        if not rows and row.person_kind == PersonKind.STAFF.value and original.thread:
            rows = await _to_managers(repos, original, tried, root, render)
            action = "outbox.to_managers"
    if rows:
        # A Telegram message can be longer than one SMS body: it goes in marked parts.
        await repos.outbox.add([part for new in rows for part in sms_rows(new)], stamp)
    else:
        action = "outbox.undeliverable"
    to = sorted({f"{r.person_kind}:{r.person_id}:{r.channel}" for r in rows})
    await _audit(repos, row, action, {"to": to}, now)
    log.warning("outbox %s finally failed: %s (%d row(s))", row.id, action, len(rows))


async def _to_managers(
    repos: Repos,
    original: OutboxRow,
    tried: set[tuple[str, str]],
    root: int,
    render: Callable[[Text, str], str],
) -> list[NewOutbox]:
    """A carer's message no phone of its staff member took, for each manager to see."""
    assert original.person_id is not None and original.setting_id is not None
    staff = await repos.people.staff_member(original.person_id)
    text = Text(
        "delivery.to_managers",
        {"staff": staff.name, "message": Text("label.raw", {"text": original.body})},
    )
    rows: list[NewOutbox] = []
    for manager in await repos.people.staff_with_role(original.setting_id, "manager"):
        if manager == original.person_id:
            continue
        body = render(text, (await repos.people.staff_member(manager)).language)
        route = await repos.links.route(PersonKind.STAFF, manager)
        for contact in route.chosen(True):
            if (contact.channel, contact.address) in tried:
                continue
            copy = _copy(original, contact.channel, contact.address, root)
            rows.append(_with(copy, person_id=manager, body=body))
    return rows


def _copy(row: OutboxRow, channel: str, address: str, root: int) -> NewOutbox:
    return NewOutbox(
        setting_id=row.setting_id,
        channel=channel,
        address=address,
        person_kind=row.person_kind,
        person_id=row.person_id,
        priority=row.priority,
        body=row.body,
        choices=row.choices,
        essential=True,
        thread=row.thread,
        photo=row.photo,
        fallback_of=root,
    )


def _with(row: NewOutbox, *, person_id: int, body: str) -> NewOutbox:
    return replace(row, person_id=person_id, body=body)


async def _audit(
    repos: Repos, row: OutboxRow, action: str, details: dict[str, object], now: datetime
) -> None:
    subject = f"{row.person_kind}:{row.person_id}" if row.person_kind else None
    await repos.audit.record(
        row.setting_id, "system", action, subject, {"outbox": row.id, **details}, now
    )
