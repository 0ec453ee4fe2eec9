"""Sending through the Telegram Bot API, with every failure classified as a SendError."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Sequence
from datetime import timedelta

import httpx
import telegram
from telegram import BotCommand, BotCommandScopeChat
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.domain.errors import SendError
from bot.domain.messages import Channel, Outbound, SendResult
from bot.handlers.telegram.parse import Press, ReplyMarkup, chosen_text, render_telegram

log = logging.getLogger(__name__)

# Bad Request descriptions meaning nobody is at the other end (any more).
GONE = ("chat not found", "user is deactivated", "user not found", "peer_id_invalid")
NOT_MODIFIED = "message is not modified"
# Failures before the request was written: Telegram cannot have it, so sending again is safe.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
# Failures after the request was written: Telegram may have the message.
MAYBE_SENT = (httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout)
PRUNE_AT = 4096  # chats remembered for pacing before those long quiet are forgotten


class TelegramSender:
    """The Sender for Telegram: one ready telegram.Bot, paced per chat, staff commands per chat."""

    channel = Channel.TELEGRAM

    def __init__(
        self,
        bot: telegram.Bot,
        *,
        rate_per_s: float = 30.0,
        chat_gap_s: float = 1.0,
        staff_commands: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.bot = bot
        self.rate_per_s = rate_per_s
        self.chat_gap_s = chat_gap_s
        self.staff_commands = tuple(staff_commands)
        self._commands_set: set[int] = set()
        self._next_slot: dict[int, float] = {}

    async def send(self, message: Outbound) -> SendResult:
        """Send the message (several, if long) and return the last one's "chat:message" id."""
        chat_id = _chat_id(message)
        try:
            parts = render_telegram(message.body, message.choices)
        except ValueError as error:
            raise SendError("choices cannot be rendered", retryable=False, code="render") from error
        if message.recipient_kind == "staff":
            await self._ensure_staff_commands(chat_id)
        message_id = 0
        if message.photo:
            # The photo first, by the file id Telegram already holds; then the words under it.
            try:
                await self._wait_for_chat(chat_id)
                await self.bot.send_photo(chat_id=chat_id, photo=message.photo)
            except TelegramError as error:
                raise classify(error) from error
        for index, (text, markup) in enumerate(parts):
            try:
                message_id = await self._send_part(chat_id, text, markup)
            except TelegramError as error:
                raise _part_failed(classify(error), index + bool(message.photo)) from error
        log.info("outbox %s sent to telegram in %d part(s)", message.outbox_id, len(parts))
        return SendResult(provider_id=f"{chat_id}:{message_id}", status="sent")

    async def _send_part(self, chat_id: int, text: str, markup: ReplyMarkup) -> int:
        """Send one message once the chat's gap has passed; return its message id."""
        await self._wait_for_chat(chat_id)
        sent = await self.bot.send_message(chat_id=chat_id, text=text, reply_markup=markup)
        return sent.message_id

    async def _wait_for_chat(self, chat_id: int) -> None:
        """Keep sends to one chat `chat_gap_s` apart, as Telegram asks (about one a second)."""
        if self.chat_gap_s <= 0:
            return
        now = asyncio.get_running_loop().time()
        if len(self._next_slot) >= PRUNE_AT:
            self._next_slot = {c: t for c, t in self._next_slot.items() if t > now}
        # The slot is taken before sleeping, so concurrent sends to a chat queue up in order.
        start = max(now, self._next_slot.get(chat_id, now))
        self._next_slot[chat_id] = start + self.chat_gap_s
        if start > now:
            await asyncio.sleep(start - now)

    async def _ensure_staff_commands(self, chat_id: int) -> None:
        """Show the staff command menu in a staff member's chat, once per chat per process."""
        if not self.staff_commands or chat_id in self._commands_set:
            return
        self._commands_set.add(chat_id)
        try:
            await self.set_commands(self.staff_commands, chat_id=chat_id)
        except SendError as error:
            # The menu is a convenience: the message still goes, the menu is tried next time.
            self._commands_set.discard(chat_id)
            log.warning("staff commands for chat %s not set (%s)", chat_id, error.code)

    async def set_commands(
        self,
        commands: Sequence[tuple[str, str]],
        language: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Set the command menu for everyone, a language, or one chat; raises SendError."""
        scope = BotCommandScopeChat(chat_id) if chat_id is not None else None
        menu = [BotCommand(name, description) for name, description in commands]
        try:
            await self.bot.set_my_commands(menu, scope=scope, language_code=language)
        except TelegramError as error:
            raise classify(error) from error

    async def acknowledge(self, press: Press) -> None:
        """Stop the pressed button's spinner and show the choice under the message; never raises."""
        try:
            await self.bot.answer_callback_query(press.callback_id)
        except TelegramError as error:
            log.warning("callback %s not answered (%s)", press.callback_id, _name(error))
        if not (press.chat_id and press.message_id):
            return
        text = chosen_text(press.text, press.chosen)
        try:
            # No reply_markup: the edit removes the buttons, so a choice cannot be pressed twice.
            await self.bot.edit_message_text(
                text=text, chat_id=press.chat_id, message_id=press.message_id
            )
        except BadRequest as error:
            if NOT_MODIFIED not in error.message.lower():
                log.warning("message %s not edited (%s)", press.message_id, _name(error))
        except TelegramError as error:
            log.warning("message %s not edited (%s)", press.message_id, _name(error))

    async def close(self) -> None:
        """Nothing to release: whoever built the Bot initialised it and shuts it down."""


def _chat_id(message: Outbound) -> int:
    """The numeric chat id a Telegram address holds."""
    value = message.address.value
    # int() would also take "+447700900123": a phone number is not a chat id.
    if not (value.isascii() and value.removeprefix("-").isdigit()):
        raise SendError(
            "address is not a chat id", retryable=False, code="address", unreachable=True
        )
    return int(value)


def _part_failed(error: SendError, index: int) -> SendError:
    """A failed part; after the first, earlier parts were delivered, so nothing may be resent."""
    if index == 0:
        return error
    # Resending would repeat the parts the family already has; the dispatcher records the
    # outcome as unknown instead, which is what it is for the message as a whole.
    return SendError(
        "sent in part",
        retryable=False,
        unknown=True,
        code=error.code,
        unreachable=error.unreachable,
    )


def classify(error: BaseException) -> SendError:
    """A SendError saying whether a Telegram failure may be retried, and what it means."""
    if isinstance(error, RetryAfter):
        return SendError(
            "telegram flood control", retryable=True, code="429", retry_after=_seconds(error)
        )
    if isinstance(error, Forbidden):
        return SendError("bot blocked or removed", retryable=False, code="403", unreachable=True)
    if isinstance(error, BadRequest):
        gone = any(words in error.message.lower() for words in GONE)
        reason = "chat not found" if gone else "telegram refused the request"
        return SendError(reason, retryable=False, code="400", unreachable=gone)
    if isinstance(error, NetworkError):
        return _network(error)
    if isinstance(error, TelegramError):
        return SendError("telegram error", retryable=False, code=type(error).__name__)
    # Not Telegram's: something broke around the request, which may or may not have gone.
    return SendError("unexpected error", retryable=False, unknown=True, code=type(error).__name__)


def _network(error: NetworkError) -> SendError:
    """A timeout or transport failure, by whether the request can have reached Telegram."""
    cause = error.__cause__ or error.__context__
    if isinstance(cause, NOT_SENT):
        return SendError("could not reach telegram", retryable=True, code="network")
    if isinstance(error, TimedOut) or isinstance(cause, MAYBE_SENT):
        # The request left and no answer came: Telegram may have delivered it.
        return SendError("no answer from telegram", retryable=False, unknown=True, code="timeout")
    # A 5xx answer, or a transport error before anything was written.
    return SendError("telegram unavailable", retryable=True, code="network")


def _seconds(error: RetryAfter) -> float:
    """RetryAfter's wait in seconds, whether PTB gives an int or a timedelta."""
    with warnings.catch_warnings():
        # PTB 22 warns on every read while the attribute moves from int to timedelta.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def _name(error: BaseException) -> str:
    """An error's class name: Telegram's descriptions can quote message text, so they stay out."""
    return type(error).__name__


__all__ = ["TelegramSender", "classify"]
