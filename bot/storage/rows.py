"""The row types repositories take and return: plain frozen data, times as aware datetimes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

# A concern as flows see it is defined with the domain (flows import no storage).
from bot.domain.concerns import FIRST_CONCERN_NUMBER as FIRST_CONCERN_NUMBER
from bot.domain.concerns import ConcernInfo as ConcernInfo
from bot.domain.people import PersonKind

CHANNEL_PREFS = ("sms", "telegram", "both")

# Delivery statuses in the order they can follow each other; a later rank never moves back.
STATUS_RANK = {
    "queued": 0,
    "sending": 1,
    "unknown": 2,
    "accepted": 2,
    "scheduled": 2,
    "sent": 3,
    "failed": 4,
    "undelivered": 4,
    "canceled": 4,
    "delivered": 5,
    "read": 6,
}


@dataclass(frozen=True, slots=True)
class ContactRow:
    """One channel address of a person, as stored."""

    id: int
    setting_id: int
    channel: str
    address: str
    person_kind: PersonKind
    person_id: int
    linked: bool
    unreachable: bool


@dataclass(frozen=True, slots=True)
class InboundRow:
    """A stored inbound message waiting to be handled, or handled already."""

    id: int
    channel: str
    external_id: str
    address: str
    payload: dict[str, Any]
    received_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One message in the outbox."""

    id: int
    setting_id: int | None
    channel: str
    address: str
    person_kind: str | None
    person_id: int | None
    priority: int
    body: str
    choices: list[dict[str, str]]
    status: str
    attempts: int
    provider_id: str | None
    created_at: datetime
    essential: bool = False
    thread: str | None = None
    photo: str | None = None
    attempted_at: datetime | None = None
    checks: int = 0
    resent: bool = False
    fallback_of: int | None = None
    next_attempt_at: datetime | None = None  # when a queued row is due (quiet hours, a retry)


@dataclass(frozen=True, slots=True)
class NewOutbox:
    """A message to put in the outbox."""

    setting_id: int | None
    channel: str
    address: str
    person_kind: str | None
    person_id: int | None
    priority: int
    body: str
    choices: list[dict[str, str]]
    ignore_stop: bool = False
    essential: bool = False  # falls back to another channel when this one cannot reach them
    thread: str | None = None  # the relay thread's reply code, for channels that reply natively
    photo: str | None = None  # a Telegram file id; channels without photos send the text alone
    not_before: datetime | None = None  # held until then (a family's quiet hours)
    fallback_of: int | None = None  # the row this one stands in for (another channel, managers)


@dataclass(frozen=True, slots=True)
class Thread:
    """A relay thread: one carer writing about one child, answered with `#code`."""

    id: int
    setting_id: int
    code: str
    carer_id: int
    child_id: int


@dataclass(frozen=True, slots=True)
class ReminderRow:
    """A timer stored as a row: due in UTC, with the local rule that made it."""

    id: int
    setting_id: int
    channel: str
    address: str
    flow: str
    due_at: datetime
    rule: str
    payload: dict[str, Any]
    # A reminder people see (`keyperson reminders`); all None for a flow's own timer.
    kind: str | None = None
    subject: str | None = None  # the event it is about, moved or cancelled with it
    about: str | None = None  # the child or event as people read it
    event_at: datetime | None = None  # never sent after this


@dataclass(frozen=True, slots=True)
class Invite:
    """A valid invite: who it links."""

    id: int
    setting_id: int
    person_kind: PersonKind
    person_id: int


@dataclass(frozen=True, slots=True)
class Route:
    """Where one person's messages may go: their channel choice and reachable addresses."""

    preference: str | None
    contacts: tuple[ContactRow, ...]  # reachable and not stopped, oldest first

    def chosen(self, essential: bool) -> tuple[ContactRow, ...]:
        """The contacts a message goes to: the chosen channel's, or any if it cannot be reached
        and the message is essential."""
        if self.preference in ("sms", "telegram"):
            chosen = tuple(c for c in self.contacts if c.channel == self.preference)
            if chosen or not essential:
                return chosen
        return self.contacts


@dataclass(frozen=True, slots=True)
class FamilyMember:
    """One carer of one child, with how they want updates."""

    carer_id: int
    carer_name: str
    language: str
    update_mode: str
    summary_time: str  # local HH:MM, not an instant
    summary_day: int
    child_id: int
    child_name: str
    receives_information: bool
    photo_consent: bool


@dataclass(frozen=True, slots=True)
class DigestItem:
    """An update waiting for a carer's summary."""

    id: int
    setting_id: int
    carer_id: int
    child_name: str
    text: str


@dataclass(frozen=True, slots=True)
class DeliveryLine:
    """One send in the delivery report: who it was for and what became of it."""

    id: int
    created_at: datetime
    updated_at: datetime
    channel: str
    person_kind: str | None
    person_name: str | None
    status: str
    error: str | None
    reconcile_at: datetime | None


@dataclass(frozen=True, slots=True)
class Reach:
    """One person as the contacts report shows them."""

    kind: PersonKind
    id: int
    ref: str
    name: str
    preference: str | None  # 'sms', 'telegram', 'both', or None: never chosen
    update_mode: str | None  # carers only
    summary_time: str | None
    summary_day: int | None
    reached_as: int  # whose contacts reach them: their own id, or the carer their phone is under
    not_told: str  # children they must not be told about, comma-separated
    has_phone: bool
    told: bool = True  # whether they may be told about any child (staff: always)


@dataclass(frozen=True, slots=True)
class ReachContact:
    """One contact (channel address) with its state and its last message each way."""

    kind: PersonKind
    person_id: int
    channel: str
    linked: bool
    unreachable: bool
    stopped: bool
    last_in: datetime | None
    last_out: datetime | None


@dataclass(frozen=True, slots=True)
class StaffRow:
    """A staff member as imported."""

    ref: str
    name: str
    roles: tuple[str, ...]
    phone: str | None
    languages: tuple[str, ...]
    cover_ref: str | None
    rooms: tuple[str, ...] = ()  # the rooms they work in, as families.csv names them


@dataclass(frozen=True, slots=True)
class FamilyRow:
    """One row of families.csv: one carer of one child."""

    child_ref: str
    child_first_name: str
    child_last_name: str
    date_of_birth: str
    room: str
    key_person_ref: str
    send_status: str
    carer_ref: str
    carer_name: str
    relationship: str
    phone: str | None
    language: str
    receives_information: bool
    photo_consent: bool = False


@dataclass(frozen=True, slots=True)
class FamiliesOnFile:
    """The children, carers and links of a setting that have not left, with names to show."""

    children: dict[str, str]  # child_ref -> "First Last"
    carers: dict[str, str]  # carer_ref -> name
    links: dict[tuple[str, str], str]  # (child_ref, carer_ref) -> "mum of Amelia"


@dataclass(frozen=True, slots=True)
class Writer:
    """Who keeps a record a flow made (Write), and when: the setting, the audit actor, and the
    person at the address that wrote (a record "about the sender" is about them)."""

    setting_id: int | None
    actor: str
    person_kind: PersonKind | None
    person_id: int | None
    now: datetime


# An absence whose family did not know how long stays on the day's list this many days after
# its first day (counting that day), so it is not forgotten and not listed for ever.
OPEN_DAYS = 7


class AbsenceRecord(Protocol):
    """What a flow hands over to keep (bot.flows.absence.Absence)."""

    @property
    def child_id(self) -> int: ...

    @property
    def reason(self) -> str: ...

    @property
    def first_day(self) -> date: ...

    @property
    def last_day(self) -> date | None: ...


@dataclass(frozen=True, slots=True)
class AbsenceRow:
    """One absence on a day's list, with the names to show."""

    child: str  # "First Last"
    room: str
    reason: str
    first_day: date
    last_day: date | None
    reported_by: str  # "Laura Hughes (mum)", or the audit actor when the carer is not on file
    reported_at: datetime


class SafeguardingRecord(Protocol):
    """A safeguarding message a flow hands over to keep (bot.flows.safeguarding.Raised)."""

    @property
    def number(self) -> int: ...

    @property
    def carer_id(self) -> int: ...

    @property
    def children(self) -> tuple[int, ...]: ...

    @property
    def signs(self) -> tuple[str, ...]: ...

    @property
    def words(self) -> str: ...

    @property
    def told(self) -> tuple[int, ...]: ...


class SafeguardingStage(Protocol):
    """A step in a safeguarding record's life (Acknowledged, Escalated): which one, and who."""

    @property
    def number(self) -> int: ...


@dataclass(frozen=True, slots=True)
class SafeguardingRow:
    """One safeguarding record, with the names the DSL and the escalation message show."""

    number: int
    carer: str
    relationship: str
    children: tuple[str, ...]  # first names
    signs: tuple[str, ...]
    words: str
    told: tuple[int, ...]
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None  # the staff member's name
    escalated_at: datetime | None

    @property
    def reference(self) -> str:
        return f"S-{self.number}"
