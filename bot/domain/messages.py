"""The channel-agnostic message model: channels, inbound and outbound messages, choices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import IntEnum, StrEnum
from typing import Any


class Channel(StrEnum):
    """A way a message travels; each has one adapter in bot/handlers."""

    SMS = "sms"
    TELEGRAM = "telegram"


class Priority(IntEnum):
    """Outbox lanes: a lower number is sent first."""

    URGENT = 0
    REPLY = 1
    NORMAL = 5
    BULK = 9


class InboundKind(StrEnum):
    """What an inbound message is, as far as the edge can tell without state."""

    MESSAGE = "message"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    START = "start"  # Telegram /start; `text` holds the deep-link payload (an invite code) or ""
    CONTACT = "contact"  # the sender shared their own phone number; `text` holds it
    CONTACT_OTHER = "contact_other"  # the sender shared someone else's contact
    BLOCKED = "blocked"  # the person blocked the bot: nothing more can be sent there
    UNBLOCKED = "unblocked"  # the person unblocked the bot
    EDITED = "edited"  # an edit of a message sent earlier; edits are not passed on
    UNSUPPORTED = "unsupported"  # a photo, file, sticker…: only text is passed on
    TIMER = "timer"  # a timer a flow set is due: `timer` says which (never from a channel)


class ChoiceStyle(StrEnum):
    """How a choice may be offered: everywhere, only as a button, or as a phone-number request."""

    OPTION = "option"  # a button on Telegram, a numbered line on SMS
    TAP = "tap"  # a button only; typed channels rely on the message text instead
    CONTACT = "contact"  # Telegram's "share my phone number" button; nothing on SMS


@dataclass(frozen=True, slots=True)
class Address:
    """Where a person is reached on one channel: an E.164 number, a Telegram chat id."""

    channel: Channel
    value: str


@dataclass(frozen=True, slots=True)
class Text:
    """A message key from locales/ with its parameters, rendered per recipient language."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Choice:
    """One option offered to a person; `label` is a message key or, for dynamic options, text."""

    key: str
    label: Text | None = None
    style: ChoiceStyle = ChoiceStyle.OPTION


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message received on any channel, after the adapter has parsed it."""

    channel: Channel
    address: str
    external_id: str
    received_at: datetime
    text: str = ""
    choice: str | None = None
    kind: InboundKind = InboundKind.MESSAGE
    display_name: str | None = None
    reply_to: str | None = None  # provider id of the message this one answers (Telegram reply)
    media: str | None = None  # a photo's Telegram file id (the caption is in `text`)
    language: str | None = None  # the sender's app language (Telegram language_code): a hint
    # A due timer, handed to the router as an event: its id, flow, rule, due and payload.
    timer: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class RenderedChoice:
    """A choice as it leaves the core: its key and its label in the recipient's language."""

    key: str
    label: str
    style: ChoiceStyle = ChoiceStyle.OPTION
    number: int | None = None  # its SMS number when kept from an earlier asking of the question

    def as_dict(self) -> dict[str, str]:
        """The stored JSON form."""
        data = {"key": self.key, "label": self.label, "style": self.style.value}
        if self.number is not None:
            data["number"] = str(self.number)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> RenderedChoice:
        """Back from the stored JSON form (rows from before styles existed are options)."""
        number = data.get("number")
        return cls(
            data["key"],
            data["label"],
            ChoiceStyle(data.get("style", "option")),
            int(number) if number is not None else None,
        )


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to send, rendered for its recipient and stored in the outbox before sending."""

    outbox_id: int
    address: Address
    body: str
    choices: tuple[RenderedChoice, ...] = ()
    priority: Priority = Priority.NORMAL
    attempts: int = 0
    recipient_kind: str | None = None  # 'carer', 'staff' or None for someone not on file
    photo: str | None = None  # a Telegram file id sent with the text where the channel can


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a channel said after accepting a message."""

    provider_id: str | None
    status: str = "sent"


@dataclass(frozen=True, slots=True)
class Weekdays:
    """A set of weekdays (0 = Monday) for a message parameter, named in the reader's language."""

    days: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LocalTime:
    """A wall-clock time or moment for a message parameter, formatted in the reader's locale."""

    value: time | datetime | date  # a date alone: its weekday, day and month
    with_day: bool = False
    with_date: bool = False  # "Tuesday 8 December 10:00": a week or more away
