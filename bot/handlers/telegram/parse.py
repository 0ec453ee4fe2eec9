"""The Telegram edge without I/O: Update JSON to Inbound, and text with choices to messages."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from telegram import (
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ChatType

from bot.domain.messages import Channel, ChoiceStyle, Inbound, InboundKind, RenderedChoice
from bot.language.choices import carrier_word
from bot.language.splitting import split_at_breaks

log = logging.getLogger(__name__)

TELEGRAM_LIMIT = 4096  # characters of message text; Telegram counts code points, as len() does
CALLBACK_DATA_LIMIT = 64  # bytes of callback_data
ALLOWED_UPDATES: tuple[str, ...] = ("message", "edited_message", "callback_query", "my_chat_member")
PLACEHOLDER_TEXT = "·"  # Telegram refuses an empty text, and a keyboard needs a message to ride on

ReplyMarkup: TypeAlias = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

# "/name", "/name@SomeBot", then arguments; Telegram's command names are letters, digits and "_".
COMMAND = re.compile(r"/([A-Za-z0-9_]{1,64})(?:@[A-Za-z0-9_]+)?(?:\s+(.*))?", re.DOTALL)
# What a malformed update raises inside PTB's parsing: a date of 10**20 overflows, deep
# nesting recurses too far.
MALFORMED = (TypeError, KeyError, ValueError, AttributeError, OverflowError, RecursionError)
UPDATE_ID = re.compile(rb'"update_id"\s*:\s*(-?\d{1,20})')


class MalformedUpdate(ValueError):
    """An update that is not Telegram's well-formed JSON; `update_id` if one could be read."""

    def __init__(self, update_id: str | None, why: str) -> None:
        super().__init__(f"malformed update {update_id or '?'}: {why}")
        self.update_id = update_id
        self.why = why


def update_id_of(raw: bytes | Mapping[str, Any]) -> str | None:
    """The update id of a (possibly unparsable) update, for the log line that refuses it."""
    if isinstance(raw, Mapping):
        value = raw.get("update_id")
        return str(value) if type(value) is int else None
    found = UPDATE_ID.search(raw[:4096])
    return found.group(1).decode("ascii") if found else None


@dataclass(frozen=True, slots=True)
class Press:
    """A button press to acknowledge: answer the callback, edit the message to show the choice."""

    callback_id: str
    chat_id: int | None
    message_id: int | None
    text: str  # the text of the message the buttons were on ('' if unknown)
    chosen: str  # label of the pressed button in the message's inline keyboard ('' if not found)


@dataclass(frozen=True, slots=True)
class Parsed:
    """What an Update holds: an Inbound to store (or None) and a button press to acknowledge."""

    inbound: Inbound | None
    press: Press | None = None


def parse_update(data: Mapping[str, Any], now: datetime) -> Parsed:
    """Parse a Telegram Update; anything but a private chat's message, press or block is ignored.

    Raises MalformedUpdate (and nothing else) for an update that is not well formed, so the
    webhook answers 400 rather than 500.
    """
    if not isinstance(data, Mapping) or type(data.get("update_id")) is not int:
        raise MalformedUpdate(None, "no integer update_id")
    try:
        return _interpret(Update.de_json(dict(data), None), now)
    except MALFORMED as error:
        raise MalformedUpdate(update_id_of(data), type(error).__name__) from None


def _interpret(update: Update, now: datetime) -> Parsed:
    """Dispatch on the one field an Update carries."""
    external_id = str(update.update_id)
    if update.message is not None:
        return Parsed(_from_message(update.message, external_id, now))
    if update.edited_message is not None:
        return Parsed(_from_edit(update.edited_message, external_id, now))
    if update.callback_query is not None:
        return _from_callback(update.callback_query, external_id, now)
    if update.my_chat_member is not None:
        return Parsed(_from_membership(update.my_chat_member, external_id, now))
    return Parsed(None)


def _inbound(
    chat_id: int, user: User | None, external_id: str, now: datetime, **fields: Any
) -> Inbound:
    """An Inbound with the fields every Telegram update shares."""
    return Inbound(
        channel=Channel.TELEGRAM,
        address=str(chat_id),
        external_id=external_id,
        received_at=now,
        display_name=user.first_name if user is not None else None,
        # The language of the person's Telegram app, so a first answer can be in it.
        language=user.language_code if user is not None else None,
        **fields,
    )


def _from_message(message: Message, external_id: str, now: datetime) -> Inbound | None:
    """A private chat's message: a command, text, a shared contact, or something unsupported."""
    if message.chat.type != ChatType.PRIVATE:
        return None
    read = _message_kind(message)
    if read is None:
        return None
    kind, text = read
    replied = message.reply_to_message
    reply_to = f"{message.chat.id}:{replied.message_id}" if replied is not None else None
    # A photo is passed on by its file id (the largest size); Telegram keeps the file.
    media = message.photo[-1].file_id if message.photo else None
    return _inbound(
        message.chat.id,
        message.from_user,
        external_id,
        now,
        text=text,
        kind=kind,
        reply_to=reply_to,
        media=media,
    )


def _message_kind(message: Message) -> tuple[InboundKind, str] | None:
    """The kind and text of a message, or None for a service message (a pin, a new photo…)."""
    if message.contact is not None:
        user = message.from_user
        if user is None or message.contact.user_id != user.id:
            return InboundKind.CONTACT_OTHER, ""
        phone = message.contact.phone_number.strip()
        return InboundKind.CONTACT, phone if phone.startswith("+") else "+" + phone
    if message.text is not None:
        return _command(message.text) or (_typed_kind(message.text), message.text.strip())
    if message.effective_attachment is not None:
        return InboundKind.UNSUPPORTED, (message.caption or "").strip()
    return None


# On Telegram only a plain request to stop is an opt-out: "cancel", "end" or "quit" typed in
# a chat mean "not this", and Telegram has no carrier that blocks the chat on those words.
TELEGRAM_OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE"})
TELEGRAM_OPT_IN_WORDS = frozenset({"START", "UNSTOP"})


def _typed_kind(text: str) -> InboundKind:
    """Opt-out, opt-in or help when a typed message is only that word, else a message."""
    word = carrier_word(text)
    if word in TELEGRAM_OPT_OUT_WORDS:
        return InboundKind.OPT_OUT
    if word in TELEGRAM_OPT_IN_WORDS:
        return InboundKind.OPT_IN
    if word == "HELP":
        return InboundKind.HELP
    return InboundKind.MESSAGE


def _command(text: str) -> tuple[InboundKind, str] | None:
    """/start (with its deep-link payload), /help, /stop, or any other command as a word."""
    match = COMMAND.fullmatch(text.strip())
    if match is None:
        return None
    name, arguments = match[1].lower(), (match[2] or "").strip()
    if name == "start":
        return InboundKind.START, arguments
    if name == "help":
        return InboundKind.HELP, ""
    if name == "stop":
        return InboundKind.OPT_OUT, ""
    return InboundKind.MESSAGE, f"{name} {arguments}".strip()


def _from_edit(message: Message, external_id: str, now: datetime) -> Inbound | None:
    """An edited message: stored so the person can be told edits are not passed on."""
    if message.chat.type != ChatType.PRIVATE:
        return None
    text = (message.text or message.caption or "").strip()
    return _inbound(
        message.chat.id, message.from_user, external_id, now, text=text, kind=InboundKind.EDITED
    )


def _from_callback(query: CallbackQuery, external_id: str, now: datetime) -> Parsed:
    """A button press: the choice to store, and the press to answer (always, or it spins)."""
    message = query.message
    answer_only = Press(query.id, None, None, "", "")
    if message is None or message.chat.type != ChatType.PRIVATE or query.data is None:
        # An inline-mode message, a group, or a game button: none of them are ours to handle.
        return Parsed(None, press=answer_only)
    inbound = _inbound(message.chat.id, query.from_user, external_id, now, choice=query.data)
    if not isinstance(message, Message) or not message.is_accessible:
        # Too old for the bot to see: the choice still counts, but its text cannot be rebuilt.
        return Parsed(inbound, press=Press(query.id, message.chat.id, None, "", ""))
    label = _label(message.reply_markup, query.data)
    press = Press(query.id, message.chat.id, message.message_id, message.text or "", label)
    return Parsed(inbound, press=press)


def _label(markup: InlineKeyboardMarkup | None, data: str) -> str:
    """The text of the first button carrying `data`, or '' if there is none."""
    rows = markup.inline_keyboard if markup is not None else ()
    for button in (button for row in rows for button in row):
        if button.callback_data == data:
            return button.text
    return ""


def _from_membership(change: ChatMemberUpdated, external_id: str, now: datetime) -> Inbound | None:
    """The person blocked the bot, or unblocked it; other membership changes are not news."""
    if change.chat.type != ChatType.PRIVATE:
        return None
    old, new = change.old_chat_member.status, change.new_chat_member.status
    if new == ChatMemberStatus.BANNED:
        kind = InboundKind.BLOCKED
    elif new == ChatMemberStatus.MEMBER and old in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
        kind = InboundKind.UNBLOCKED
    else:
        return None
    return _inbound(change.chat.id, change.from_user, external_id, now, kind=kind)


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split text into parts of at most `limit` characters at the most natural break available."""
    return split_at_breaks(text, limit)


def render_telegram(body: str, choices: Sequence[RenderedChoice]) -> list[tuple[str, ReplyMarkup]]:
    """The messages to send for a body and its choices; only the last one carries the buttons."""
    parts = split_text(body) or [PLACEHOLDER_TEXT]
    earlier: list[tuple[str, ReplyMarkup]] = [(part, ReplyKeyboardRemove()) for part in parts[:-1]]
    return [*earlier, (parts[-1], _markup(choices))]


def _markup(choices: Sequence[RenderedChoice]) -> ReplyMarkup:
    """A contact request keyboard, inline buttons, or the removal of any keyboard left showing."""
    contact = [c for c in choices if c.style is ChoiceStyle.CONTACT]
    if contact:
        # A message has one markup: a contact request cannot sit beside inline buttons.
        rows = [[KeyboardButton(c.label, request_contact=True)] for c in contact]
        return ReplyKeyboardMarkup(rows, one_time_keyboard=True, resize_keyboard=True)
    if not choices:
        return ReplyKeyboardRemove()
    for choice in choices:
        if not 0 < len(choice.key.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
            raise ValueError(f"a choice key must be 1 to {CALLBACK_DATA_LIMIT} bytes")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(c.label, callback_data=c.key)] for c in choices]
    )


def chosen_text(text: str, label: str) -> str:
    """The text a message with buttons is edited to once one of them is pressed."""
    mark = (f"✓ {label}" if label else "✓")[:TELEGRAM_LIMIT]
    room = TELEGRAM_LIMIT - len(mark) - 2  # two characters for the blank line between
    if not text.strip() or room < 2:
        return mark
    if len(text) > room:
        text = text[: room - 1].rstrip() + "…"
    return f"{text}\n\n{mark}"


__all__ = [
    "ALLOWED_UPDATES",
    "TELEGRAM_LIMIT",
    "MalformedUpdate",
    "Parsed",
    "Press",
    "ReplyMarkup",
    "chosen_text",
    "parse_update",
    "render_telegram",
    "split_text",
]
