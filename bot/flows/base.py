"""What flows take and give: events with their context, effects, and the Transition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.domain.messages import Choice, Priority, Text
from bot.domain.people import Carer, KeyChild, PersonKind, StaffMember, ThreadInfo
from bot.domain.setting import SettingProfile

State = dict[str, Any]


class Words(Protocol):
    """The plain-words glossary as flows use it (language.plain.Glossary): pure, loaded at start."""

    def check(self, text: str, *, to_many: bool = False) -> Sequence[Any]:
        """Flags for jargon (and, to many families, hurtful wording), by position."""
        ...

    def accept(self, text: str, flag: Any) -> str:
        """The text with one flag's words replaced by its plain alternative."""
        ...

    def lookup(self, question: str) -> str | None:
        """The term a "WHAT IS X" question asks about, if any."""
        ...

    def explain(self, term_or_variant: str, language: str) -> str | None:
        """A term's plain explanation in a language."""
        ...


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a flow may know about the sender, gathered by the router before the step."""

    setting: SettingProfile | None = None
    carer: Carer | None = None
    staff: StaffMember | None = None
    newly_linked: bool = False
    threads: Mapping[int, str] = field(default_factory=dict)  # child id -> reply code
    named_code: str | None = None  # the #code a staff text starts with, as typed
    named_thread: ThreadInfo | None = None  # the thread that code names, if any
    wrong_codes: int = 0  # wrong reply codes this staff member sent lately (bot.flows.codes)
    codes_paused: bool = False  # too many wrong codes: codes were not looked up
    managers: tuple[int, ...] = ()  # staff told when a colleague's codes are paused
    recent_threads: tuple[ThreadInfo, ...] = ()  # threads a staff member may answer
    covers: tuple[int, ...] = ()  # ids of the key persons this staff member covers for
    fallback_staff: tuple[int, ...] = ()  # who gets messages about a child with no key person
    unreachable_staff: frozenset[int] = frozenset()  # key persons with no phone or chat to reach
    acknowledged: tuple[str, datetime] | None = None  # the carer's last "it has gone to …"
    channel: str = "sms"  # the channel the sender wrote on
    link_to: Carer | StaffMember | None = None  # whom an invite code or shared number names
    invite_id: int | None = None  # the valid invite that named them, if that is how
    key_children: tuple[KeyChild, ...] = ()  # children a staff member may send updates about
    glossary: Words | None = None  # the plain-words glossary, loaded once at start


@dataclass(frozen=True, slots=True)
class TextReceived:
    """A person wrote free text (a numbered or worded answer was not recognised as a choice)."""

    text: str
    ctx: Context


@dataclass(frozen=True, slots=True)
class ChoiceMade:
    """A person picked one of the choices they were offered."""

    key: str
    ctx: Context


@dataclass(frozen=True, slots=True)
class LinkAsked:
    """A chat asked to be linked: /start, with the invite code of a deep link or without."""

    code: str | None
    ctx: Context


@dataclass(frozen=True, slots=True)
class ContactShared:
    """A chat shared a contact: its own phone number (`own`), or someone else's."""

    own: bool
    ctx: Context


@dataclass(frozen=True, slots=True)
class ReachChanged:
    """The person blocked the bot (False) or unblocked it (True)."""

    reachable: bool
    ctx: Context


@dataclass(frozen=True, slots=True)
class NotPassedOn:
    """Something was sent that is not passed on: an edit ("edited") or a photo or file."""

    what: str
    ctx: Context


@dataclass(frozen=True, slots=True)
class PhotoShared:
    """A photo arrived (a Telegram file id) with its caption, if any."""

    file_id: str
    caption: str
    ctx: Context


Event = TextReceived | ChoiceMade
Signal = LinkAsked | ContactShared | ReachChanged | NotPassedOn | PhotoShared


@dataclass(frozen=True, slots=True)
class Reply:
    """Send a message back to whoever wrote, on the channel they wrote from."""

    text: Text
    choices: tuple[Choice, ...] = ()
    priority: Priority = Priority.REPLY
    ignore_stop: bool = False  # only for the confirmation of STOP itself
    language: str | None = None  # when the reader is not yet the sender on file (linking)


@dataclass(frozen=True, slots=True)
class NotifyStaff:
    """Send a message to a member of staff on their linked channels."""

    staff_id: int
    text: Text
    priority: Priority = Priority.REPLY
    choices: tuple[Choice, ...] = ()
    thread: str | None = None  # the relay thread's code, so a channel's own reply finds it
    not_before: datetime | None = None  # held until then (the start of staff hours)


@dataclass(frozen=True, slots=True)
class NotifyCarer:
    """Send a message to a carer; `about_child` is checked against receives_information."""

    carer_id: int
    text: Text
    about_child: int | None
    priority: Priority = Priority.REPLY
    essential: bool = False  # reviews, visits, concern replies: fall back to SMS if need be
    # What to tell the sender once it is queued; they also hear when it will arrive if the
    # family's quiet hours hold it (every message but an urgent one waits for them to end).
    confirm: Text | None = None


@dataclass(frozen=True, slots=True)
class OpenThread:
    """Open (or touch) the relay thread for a carer and child under a reply code."""

    carer_id: int
    child_id: int
    code: str


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """Record the acknowledgement a carer was sent (`what`), or that staff answered (None)."""

    carer_id: int
    what: str | None


@dataclass(frozen=True, slots=True)
class RecordAudit:
    """Append an audit entry."""

    action: str
    subject: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MarkLinked:
    """Record that the sender's contact is now linked to their person."""


@dataclass(frozen=True, slots=True)
class SetOptOut:
    """Record STOP (True) or START (False) for the sender's address."""

    opted_out: bool


@dataclass(frozen=True, slots=True)
class LinkContact:
    """Link the sender's address to a person (and use up the invite that named them)."""

    kind: PersonKind
    person_id: int
    invite_id: int | None = None


@dataclass(frozen=True, slots=True)
class SetReachable:
    """Record whether the sender's address can be reached on its channel."""

    reachable: bool


@dataclass(frozen=True, slots=True)
class SetPreference:
    """Record the channel the sender's person wants messages on: sms, telegram or both."""

    preference: str
    only_if_unset: bool = False


@dataclass(frozen=True, slots=True)
class News:
    """What a member of staff wrote about children: quick phrases, their own words, a photo."""

    kind: str  # "update" or "celebration"
    children: tuple[int, ...]
    author: str  # the staff member's name, as families know them
    phrases: tuple[str, ...] = ()
    text: str = ""
    photo: str | None = None


@dataclass(frozen=True, slots=True)
class PreviewNews:
    """Show the sender exactly what families will get (per language, with SMS parts)."""

    news: News
    choices: tuple[Choice, ...]
    notes: tuple[Text, ...] = ()  # warnings the flow found, shown under the preview


@dataclass(frozen=True, slots=True)
class ShareNews:
    """Record news about children and deliver it to each informed carer in their update mode;
    the sender is told how many families it reaches, and when."""

    news: News


@dataclass(frozen=True, slots=True)
class RecordNews:
    """Keep something said about a child on their record (good news from home, say)."""

    child_id: int
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class SetTimer:
    """A timer row for the sender's conversation: it fires at `due` unless cancelled first."""

    flow: str
    due: datetime
    rule: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SetUpdateMode:
    """Record how the sender (a carer) wants updates: instant, evening, weekly or essentials."""

    mode: str
    at: str | None = None  # HH:MM for summaries
    day: int | None = None  # weekday for weekly summaries, 0 = Monday


Effect = (
    Acknowledged
    | Reply
    | NotifyStaff
    | NotifyCarer
    | OpenThread
    | RecordAudit
    | MarkLinked
    | SetOptOut
    | LinkContact
    | SetReachable
    | SetPreference
    | PreviewNews
    | ShareNews
    | SetUpdateMode
    | RecordNews
    | SetTimer
)


@dataclass(frozen=True, slots=True)
class Transition:
    """A flow's answer: the next state (None ends the conversation) and effects to apply."""

    flow: str | None
    state: State
    effects: tuple[Effect, ...] = ()
    passthrough: bool = False  # the flow did not take the event: start afresh with it


def end(*effects: Effect) -> Transition:
    """Finish the conversation with these effects."""
    return Transition(None, {}, effects)


class Flow(Protocol):
    """A conversation state machine; pure: no I/O, no clock, no database."""

    def __call__(self, state: State, event: Event, now: datetime) -> Transition:
        """Take one step."""
        ...
