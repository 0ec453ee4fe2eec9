"""What flows take and give: events with their context, effects, and the Transition."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from bot.domain.messages import Choice, Inbound, Priority, Text
from bot.domain.people import Carer, PersonKind, StaffMember
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


class Keywords(Protocol):
    """The words that mean something wherever they are typed (trigger.* in the catalogs),
    in every language the catalogs hold; a new language needs no code."""

    def said(self, key: str, text: str) -> bool:
        """Whether `text`, as a whole answer, is one of the words for `key`."""
        ...

    def mentions(self, key: str, text: str) -> bool:
        """Whether `text` holds one of the words or phrases for `key` anywhere."""
        ...

    def keys(self) -> frozenset[str]:
        """Every key some catalog gives words for."""
        ...


def _shipped_keywords() -> Keywords:
    # The catalogs shipped with the program, loaded once; the app passes its own.
    from bot.language.keywords import shipped_keywords

    return shipped_keywords()


@dataclass(frozen=True, slots=True)
class Offer:
    """Something the information menu offers this reader, declared by the flow that owns it."""

    key: str
    label: Text


@dataclass(frozen=True, slots=True)
class Context:
    """Who is writing, and the facts the flows that may step declared (Fact). Nothing else:
    a flow asks for what it needs in its spec and reads it from `facts`."""

    setting: SettingProfile | None = None
    carer: Carer | None = None
    staff: StaffMember | None = None
    newly_linked: bool = False
    channel: str = "sms"  # the channel the sender wrote on
    setting_id: int | None = None  # the setting the sender belongs to (or wrote to)
    link_to: Carer | StaffMember | None = None  # whom an invite code or shared number names
    invite_id: int | None = None  # the valid invite that named them, if that is how
    glossary: Words | None = None  # the plain-words glossary, loaded once at start
    words: Keywords = field(default_factory=_shipped_keywords)
    offers: tuple[Offer, ...] = ()  # what the information menu offers this reader
    facts: Mapping[str, Any] = field(default_factory=dict)  # facts a flow declared (Fact)


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
LEAVE = "not_now"  # the key of the choice that leaves any question ("Not now")


def leaving(event: Event) -> bool:
    """Whether the person chose Not now, or typed words that mean it (trigger.leave)."""
    if isinstance(event, TextReceived):
        return event.ctx.words.said("leave", event.text)
    return event.key == LEAVE


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
    # Every channel they have at once, not only the one they chose (an unanswered safeguarding
    # message, escalated): it must not wait for them to look at one app.
    every_channel: bool = False
    photo: str | None = None  # a Telegram file id sent with the words where the channel can


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
    # A question put to the carer (buttons on Telegram, numbered on SMS). Where no question
    # of theirs is open, their conversation becomes `opens` (flow, state), so a typed number
    # finds these choices; the keys should also be a flow's actions, valid whatever is open.
    # Choices in ChoiceStyle.TAP (a consent question's Yes / No) stay valid after the message
    # as buttons; a typed channel relies on the message's words for them instead.
    choices: tuple[Choice, ...] = ()
    opens: tuple[str, State] | None = None


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
class SetTimer:
    """A timer for the sender: at `due`, unless cancelled first, the flow named `flow` (the
    one setting it) gets a TimerFired with this rule and payload, as an event."""

    flow: str
    due: datetime
    rule: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    # For someone other than the sender: their (channel, address); the event reaches the flow
    # under their lock, as their own message would.
    to: tuple[str, str] | None = None
    # A reminder people see (`keyperson reminders`): its kind, the event it is about (its
    # reminders are cancelled together when it moves), as people read it, and when it is; a
    # reminder found due after its event, or long after its time, is recorded as missed.
    kind: str | None = None
    subject: str | None = None
    about: str | None = None
    event_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CancelTimer:
    """Cancel the sender's timers of this flow and rule that have not fired yet."""

    flow: str
    rule: str


@dataclass(frozen=True, slots=True)
class Write:
    """Keep a record a flow made (an absence, say): the repository its spec names for the
    record's type stores it, with the setting, the writer and the time."""

    record: Any


@dataclass(frozen=True, slots=True)
class OpenThread:
    """Open (or touch) the relay thread for a carer and child under a reply code; the engine
    also watches threads for loops between auto-replies (engine/caps.py)."""

    carer_id: int
    child_id: int
    code: str


# The closed set of effects the engine applies. A capability's own records travel in Write and
# are kept by the repository its spec names (FlowSpec.records).
Effect = (
    Reply
    | NotifyStaff
    | NotifyCarer
    | RecordAudit
    | OpenThread
    | MarkLinked
    | SetOptOut
    | LinkContact
    | SetReachable
    | PreviewNews
    | ShareNews
    | SetTimer
    | CancelTimer
    | Write
)


@dataclass(frozen=True, slots=True)
class Transition:
    """A flow's answer: the next state (None ends the conversation) and effects to apply."""

    flow: str | None
    state: State
    effects: tuple[Effect, ...] = ()
    passthrough: bool = False  # the flow did not take the event: start afresh with it
    # Start what a trigger or menu entry of that key starts, after these effects (a menu
    # choice that belongs to another flow; "already linked, here is the menu").
    handover: str | None = None
    # Pass these words on as a message after all (to whoever takes free text: the relay), as
    # when a question asked "is this to say X is off today?" and the answer was no.
    forward: str | None = None


def end(*effects: Effect) -> Transition:
    """Finish the conversation with these effects."""
    return Transition(None, {}, effects)


class Flow(Protocol):
    """A conversation state machine; pure: no I/O, no clock, no database."""

    def __call__(self, state: State, event: Event, now: datetime) -> Transition:
        """Take one step."""
        ...


Audience = Literal["carer", "staff", "anyone"]
Start = Callable[[Context], Transition]
Step = Callable[[State, Event, datetime], Transition]


@dataclass(frozen=True, slots=True)
class Trigger:
    """Words that start a flow: the catalogs' `trigger.<key>` lists them, `|`-separated, in
    each language. `anywhere`: obeyed in the middle of any question, as well as between."""

    key: str
    start: Start
    who: Audience = "anyone"
    when: Callable[[Context], bool] | None = None
    anywhere: bool = True


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """A choice the information menu offers (label `info.choice.<key>`), starting a flow."""

    key: str
    start: Start
    who: Audience
    when: Callable[[Context], bool] | None = None
    order: int = 50


@dataclass(frozen=True, slots=True)
class Command:
    """A Telegram menu command (described by `command.<name>`) at its place in the carers' and
    the staff's menus (None: not in that menu). Typed, it is read as the word it is."""

    name: str
    carer: int | None = None
    staff: int | None = None


@dataclass(frozen=True, slots=True)
class Fact:
    """Something a flow needs from storage, loaded only when that flow steps: the router calls
    `repository.method(*args(ctx, inbound, now))` and the flow reads the answer as
    `ctx.facts[name]`. Facts load in the order declared, so `args` may read the ones before;
    an empty `repository` keeps `args(...)[0]` itself (worked out, not stored). For a due
    timer, `ctx.facts["timer"]` holds the timer's payload when `args` runs."""

    name: str
    repository: str
    method: str
    # None: nothing to load for this sender (the fact is `default`).
    args: Callable[[Context, Inbound, datetime], tuple[Any, ...] | None]
    default: Any = None


@dataclass(frozen=True, slots=True)
class TimerFired:
    """A timer the flow set (SetTimer) is due: handled like a message, under the person's
    lock, in one transaction."""

    rule: str
    payload: Mapping[str, Any]
    due: datetime
    ctx: Context


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """Work a capability does on a schedule (a weekly list, a morning reminder). `due` says,
    from the last run (None: never) and now in the setting's time zone, whether to run; the
    scheduler runs each job once per due moment per setting, across restarts."""

    name: str
    due: Callable[[datetime | None, datetime], bool]


SignalStep = Callable[[str | None, State, Any], Transition]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per flow
class FlowSpec:
    """What a capability declares about itself; the registry builds dispatch, menus, command
    lists and timers from these. Exactly one spec fills each conversation role (the `on_*`
    fields and `message`).

    `watch` sees every text a carer sends (a message, an answer typed to a question, a photo's
    caption), whatever flow takes it; its effects are added to that flow's transition, which
    it never changes. Any capability may watch; its facts are loaded for every such text.
    """

    name: str
    step: Step | None = None
    triggers: tuple[Trigger, ...] = ()
    menu: tuple[MenuEntry, ...] = ()
    commands: tuple[Command, ...] = ()
    facts: tuple[Fact, ...] = ()
    # Signals (linking, reachability, edits, photos): whoever handles the type, and what the
    # open flow does with one first (the daily update takes a photo).
    signals: Mapping[type, SignalStep] = field(default_factory=dict)
    while_open: Mapping[type, Callable[[State, Any], Transition]] = field(default_factory=dict)
    # Leaving the question: what was not sent, and the reply when there was nothing.
    dropped: Callable[[State, Context], tuple[Effect, ...]] | None = None
    left_key: str = "left.menu"
    # Button keys (by prefix) that stay valid after their message, and what they start.
    actions: tuple[str, ...] = ()
    action: Callable[[str, Context], Transition] | None = None
    # A free-form recogniser ("WHAT IS EHCP") tried before trigger words.
    recognise: Callable[[str, Context], Transition | None] | None = None
    timer: Callable[[State, TimerFired, datetime], Transition] | None = None
    # A photo this flow takes whatever is open, by its caption (C-1042 … with a photo), after
    # the open flow's own `while_open` and before the photo's holder; None: not this one.
    photo: Callable[[PhotoShared], Transition | None] | None = None
    watch: Callable[[str, Context, datetime], tuple[Effect, ...]] | None = None
    jobs: tuple[PeriodicJob, ...] = ()
    # Where Write(record) goes, by the record's type: (repository, method); the method takes
    # (setting_id, actor, record, now).
    records: Mapping[type, tuple[str, str]] = field(default_factory=dict)
    # Conversation roles.
    message: Callable[[str, Context, datetime], Transition] | None = None  # free text
    on_unknown_sender: Start | None = None
    on_welcome: Callable[[Context], tuple[Effect, ...]] | None = None
    on_help: Start | None = None
    on_menu: Start | None = None
    on_opt_out: Callable[[Context, tuple[str, ...]], Transition] | None = None
    on_opt_in: Start | None = None
