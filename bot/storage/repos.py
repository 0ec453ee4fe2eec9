"""The storage seam: one Protocol per repository, the `Repos` bundle a transaction gives, and
the `Store` that opens transactions. Times cross it as timezone-aware datetimes; only a
backend (today `bot/storage/sqlite/`) knows how they are stored."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from bot.domain.people import Carer, KeyChild, PersonKind, StaffMember, ThreadInfo
from bot.storage.rows import (
    ContactRow,
    DeliveryLine,
    DigestItem,
    FamiliesOnFile,
    FamilyMember,
    FamilyRow,
    InboundRow,
    Invite,
    NewOutbox,
    OutboxRow,
    Reach,
    ReachContact,
    ReminderRow,
    Route,
    StaffRow,
    Thread,
)


class SettingsRepo(Protocol):
    """The settings (nurseries) this deployment serves."""

    async def upsert(self, ref: str, name: str, profile: str, now: datetime) -> int: ...


class PeopleRepo(Protocol):
    """Staff, children, carers and contacts, as messages need them."""

    async def contact(self, channel: str, address: str) -> ContactRow | None: ...
    async def mark_linked(self, contact_id: int, now: datetime) -> None: ...
    async def set_opted_out(
        self, channel: str, address: str, opted_out: bool, now: datetime
    ) -> None: ...
    async def opted_out(self, channel: str, address: str) -> bool: ...
    async def carer(self, carer_id: int) -> Carer: ...
    async def carer_on_phone(self, carer_id: int) -> Carer: ...
    async def reached_as(self, carer_id: int) -> int | None: ...
    async def staff_member(self, staff_id: int) -> StaffMember: ...
    async def directory(self, setting_id: int) -> list[dict[str, object]]: ...
    async def staff_with_role(self, setting_id: int, role: str) -> list[int]: ...
    async def covered_by(self, staff: StaffMember) -> list[int]: ...


class ConversationsRepo(Protocol):
    """Flow state keyed by channel address."""

    async def load(self, channel: str, address: str) -> tuple[str, dict[str, Any]] | None: ...
    async def save(
        self,
        channel: str,
        address: str,
        setting_id: int | None,
        flow: str | None,
        state: dict[str, Any],
        now: datetime,
    ) -> None: ...


class ThreadsRepo(Protocol):
    """Relay threads, their reply codes and the acknowledgements carers were sent."""

    async def by_code(self, setting_id: int, code: str) -> Thread | None: ...
    async def codes_of(self, carer_id: int) -> dict[int, str]: ...
    async def open(
        self, setting_id: int, code: str, carer_id: int, child_id: int, now: datetime
    ) -> None: ...
    async def acknowledgement(self, carer_id: int) -> tuple[str, datetime] | None: ...
    async def acknowledge(self, carer_id: int, what: str | None, now: datetime) -> None: ...
    async def describe(self, setting_id: int, code: str) -> ThreadInfo | None: ...
    async def recent(
        self, setting_id: int, key_person_ids: list[int] | None, limit: int = 5
    ) -> list[ThreadInfo]: ...


class InboxRepo(Protocol):
    """Inbound messages, stored once under their (channel, external id)."""

    async def store(
        self,
        channel: str,
        external_id: str,
        address: str,
        payload: dict[str, Any],
        now: datetime,
        deferred: bool = False,
    ) -> int | None: ...
    async def unhandled(self, limit: int = 1000, after_id: int = 0) -> list[InboundRow]: ...
    async def waiting(self, limit: int, deferred: bool) -> list[InboundRow]: ...
    async def deferred_senders(self) -> list[tuple[str, str]]: ...
    async def oldest_unhandled(self) -> datetime | None: ...
    async def for_address(
        self, channel: str, address: str
    ) -> list[tuple[datetime, dict[str, Any]]]: ...
    async def mark_handled_many(self, inbound_ids: list[int], now: datetime) -> None: ...
    async def mark_handled(
        self, inbound_id: int, now: datetime, error: str | None = None
    ) -> None: ...


class OutboxRepo(Protocol):
    """Messages committed for sending, with their delivery state."""

    async def add(self, rows: list[NewOutbox], now: datetime) -> None: ...
    async def claim_due(
        self, channel: str, now: datetime, limit: int, busy: Collection[str] = ()
    ) -> list[OutboxRow]: ...
    async def next_due_at(self, channel: str) -> datetime | None: ...
    async def oldest_due(self, now: datetime) -> datetime | None: ...
    async def interrupted(
        self, channel: str, now: datetime, reconcile_at: datetime, blind: bool
    ) -> int: ...
    async def mark_sent(
        self, outbox_id: int, provider_id: str | None, status: str, now: datetime
    ) -> None: ...
    async def retry_later(
        self, outbox_id: int, when: datetime, error: str, now: datetime
    ) -> None: ...
    async def mark_final(self, outbox_id: int, status: str, error: str, now: datetime) -> None: ...
    async def mark_unknown(
        self, outbox_id: int, error: str, now: datetime, reconcile_at: datetime | None
    ) -> None: ...
    async def update_status(
        self, provider_id: str, status: str, error: str | None, now: datetime
    ) -> OutboxRow | None: ...
    async def thread_of(self, provider_id: str) -> str | None: ...
    async def for_address(
        self, channel: str, address: str, after_id: int = 0
    ) -> list[OutboxRow]: ...


class RemindersRepo(Protocol):
    """Timers as rows, and periodic work claimed once per period."""

    async def add(
        self,
        setting_id: int,
        channel: str,
        address: str,
        flow: str,
        due_at: datetime,
        rule: str,
        payload: dict[str, Any],
    ) -> None: ...
    async def due(self, now: datetime, limit: int = 500) -> list[ReminderRow]: ...
    async def mark_fired(self, reminder_id: int, now: datetime) -> None: ...
    async def claim_period(self, name: str, period: str, now: datetime) -> bool: ...
    async def cancel(
        self, channel: str, address: str, flow: str, now: datetime, rule: str | None = None
    ) -> None: ...


class AuditRepo(Protocol):
    """Who sent what to whom, and what changed."""

    async def record(
        self,
        setting_id: int | None,
        actor: str,
        action: str,
        subject: str | None,
        details: dict[str, Any],
        now: datetime,
    ) -> None: ...
    async def count_since(self, actor: str, action: str, since: datetime) -> int: ...
    async def happened_since(self, action: str, subject: str, since: datetime) -> bool: ...


class InvitesRepo(Protocol):
    """One-time codes that link a Telegram chat to a carer or staff member."""

    async def create(
        self,
        setting_id: int,
        kind: PersonKind,
        person_id: int,
        code: str,
        now: datetime,
        expires: datetime,
    ) -> None: ...
    async def valid(self, code: str, now: datetime) -> Invite | None: ...
    async def use(self, invite_id: int, address: str, now: datetime) -> bool: ...


class LinksRepo(Protocol):
    """Contacts beyond the imported numbers: linking, reachability and channel choice."""

    async def by_ref(
        self, setting_id: int, kind: PersonKind, ref: str
    ) -> tuple[int, str] | None: ...
    async def owner_of_phone(
        self, setting_id: int, phone: str
    ) -> tuple[PersonKind, int] | None: ...
    async def link(
        self,
        setting_id: int,
        channel: str,
        address: str,
        kind: PersonKind,
        person_id: int,
        now: datetime,
    ) -> None: ...
    async def set_reachable(self, channel: str, address: str, reachable: bool) -> None: ...
    async def preference(self, kind: PersonKind, person_id: int) -> str | None: ...
    async def set_preference(
        self, kind: PersonKind, person_id: int, preference: str, only_if_unset: bool = False
    ) -> None: ...
    async def route(self, kind: PersonKind, person_id: int) -> Route: ...


class NewsRepo(Protocol):
    """News about children and the summaries that carry it to families."""

    async def key_children(self, staff_ids: list[int]) -> list[KeyChild]: ...
    async def families(self, child_ids: list[int]) -> list[FamilyMember]: ...
    async def add(
        self,
        setting_id: int,
        child_id: int,
        kind: str,
        author: str,
        body: str,
        photo: str | None,
        now: datetime,
    ) -> None: ...
    async def update_mode(self, carer_id: int) -> tuple[str, str, int]: ...
    async def set_update_mode(
        self, carer_id: int, mode: str, at: str | None = None, day: int | None = None
    ) -> None: ...
    async def hold(
        self, setting_id: int, carer_id: int, child_name: str, text: str, due_at: datetime
    ) -> None: ...
    async def due(self, now: datetime, limit: int = 5000) -> list[DigestItem]: ...
    async def mark_sent(self, item_ids: list[int], now: datetime) -> None: ...
    async def quiet_families(
        self, setting_id: int, since: datetime, concerns_since: datetime
    ) -> list[dict[str, object]]: ...


class RosterRepo(Protocol):
    """Who is on file as admins change it: imports, shared phones, leavers."""

    async def upsert_staff(self, setting_id: int, row: StaffRow) -> int: ...
    async def upsert_family(self, setting_id: int, row: FamilyRow) -> int: ...
    async def hold_phone(self, setting_id: int, phone: str, carer_ids: list[int]) -> None: ...
    async def staff_refs(self, setting_id: int) -> set[str]: ...
    async def sms_holders(self) -> dict[str, tuple[int, PersonKind, str]]: ...
    async def families_on_file(self, setting_id: int) -> FamiliesOnFile: ...
    async def mark_left(
        self,
        setting_id: int,
        children: Iterable[str],
        carers: Iterable[str],
        links: Iterable[tuple[str, str]],
        now: datetime,
    ) -> int: ...


class ReportsRepo(Protocol):
    """Read-only queries behind the staff's reports."""

    async def reach(self, setting_id: int) -> tuple[list[Reach], list[ReachContact], int]: ...


class DeliveryRepo(Protocol):
    """Unknown outcomes, fallback chains and the delivery report."""

    async def due_unknown(self, channel: str, now: datetime, limit: int) -> list[OutboxRow]: ...
    async def next_reconcile_at(self, channel: str) -> datetime | None: ...
    async def found(self, outbox_id: int, provider_id: str, status: str, now: datetime) -> None: ...
    async def send_again(self, outbox_id: int, now: datetime, blind: bool) -> None: ...
    async def check_later(
        self, outbox_id: int, when: datetime | None, error: str, now: datetime
    ) -> None: ...
    async def after_clock_jump(
        self, now: datetime, latest_retry: datetime, latest_check: datetime
    ) -> int: ...
    async def known_provider_ids(self, candidates: Iterable[str]) -> set[str]: ...
    async def chain(self, root: int) -> list[OutboxRow]: ...
    async def reached_otherwise(self, row: OutboxRow) -> bool: ...
    async def report(self, since: datetime) -> list[DeliveryLine]: ...
    async def counts(self, since: datetime) -> dict[str, int]: ...


class CapsRepo(Protocol):
    """When automatic answers last went to an address, and how busy each relay thread is."""

    async def answered_since(
        self, channel: str, address: str, key: str, since: datetime
    ) -> bool: ...
    async def answered(self, channel: str, address: str, key: str, now: datetime) -> None: ...
    async def exchange(
        self, setting_id: int, code: str, now: datetime, window_start_after: datetime
    ) -> tuple[int, datetime | None]: ...
    async def pause(self, setting_id: int, code: str, until: datetime) -> None: ...


class Repos(Protocol):
    """Every repository, bound to one transaction (or one read) so that it spans all of them."""

    @property
    def settings(self) -> SettingsRepo: ...
    @property
    def people(self) -> PeopleRepo: ...
    @property
    def conversations(self) -> ConversationsRepo: ...
    @property
    def threads(self) -> ThreadsRepo: ...
    @property
    def inbox(self) -> InboxRepo: ...
    @property
    def outbox(self) -> OutboxRepo: ...
    @property
    def reminders(self) -> RemindersRepo: ...
    @property
    def audit(self) -> AuditRepo: ...
    @property
    def links(self) -> LinksRepo: ...
    @property
    def invites(self) -> InvitesRepo: ...
    @property
    def news(self) -> NewsRepo: ...
    @property
    def roster(self) -> RosterRepo: ...
    @property
    def reports(self) -> ReportsRepo: ...
    @property
    def delivery(self) -> DeliveryRepo: ...
    @property
    def caps(self) -> CapsRepo: ...


class Transaction(Repos, Protocol):
    """The repositories of one open transaction, and savepoints within it."""

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """A nested savepoint: if the block raises, its writes are undone and the error goes
        on; the outer transaction keeps everything written before it."""
        ...


class Store(Protocol):
    """A storage backend: transactions for changes, reads, and a connection for health."""

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """One transaction, committed when the block ends and rolled back if it raises."""
        ...

    def reading(self) -> AbstractAsyncContextManager[Repos]:
        """Repositories for reads that need no transaction of their own."""
        ...

    async def snapshot(self) -> Repos:
        """Repositories on a separate read-only connection, never queued behind writes."""
        ...

    def is_failure(self, error: BaseException) -> bool:
        """Whether an error is the storage's own (locked, full, I/O), not the data's."""
        ...

    def is_error(self, error: BaseException) -> bool:
        """Whether an error was raised by the storage at all (its words then hold no data)."""
        ...

    async def close(self) -> None:
        """Close every connection; safe to call twice."""
        ...
