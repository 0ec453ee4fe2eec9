"""The local channel behind the demo: a web page where you can be any carer or staff member.

Each phone on the page is on SMS or Telegram. What it sends becomes a Twilio webhook's fields or
a Telegram Update and goes through the same parsing code as the real webhooks, then the same
router, flows and outbox; replies are shown as each channel's adapter renders them.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any, TypeAlias

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.domain import Channel, Inbound, Outbound, RenderedChoice, SendResult
from bot.errors import SendError
from bot.handlers.sms import parse_inbound
from bot.handlers.sms_send import render_sms
from bot.handlers.telegram import chosen_text, parse_update, render_telegram
from bot.storage.sql import fetch_all
from bot.storage.sqlite import Database, Repos
from bot.storage.sqlite_messages import OutboxRow

MAX_TEXT = {Channel.SMS: 1600, Channel.TELEGRAM: 4096}  # Twilio's and Telegram's own limits
BOT_ID = 1000000001  # the simulated bot's own Telegram user id
NOT_ON_PHONE = ("queued", "sending")

Keyboard: TypeAlias = list[list[dict[str, Any]]]  # rows of buttons: text, key and kind


class BadRequest(ValueError):
    """A request the simulator API cannot act on; the message says why."""


class SimulatorSender:
    """Stands in for Twilio or the Telegram Bot API: accepting a message is delivering it."""

    chat_gap_s = 0.0  # no per-chat pacing: nothing leaves the machine

    def __init__(self, channel: Channel = Channel.SMS, rate_per_s: float = 50.0) -> None:
        self.channel = channel
        self.rate_per_s = rate_per_s

    async def send(self, message: Outbound) -> SendResult:
        """Deliver at once (what Telegram could not render fails here too); the page reads rows."""
        if self.channel is Channel.SMS:
            return SendResult(provider_id=f"SIM{message.outbox_id:08d}", status="delivered")
        try:
            render_telegram(message.body, message.choices)
        except ValueError as error:
            raise SendError("choices cannot be rendered", retryable=False, code="render") from error
        # Telegram's "chat:message" form; on the page a message's id is its outbox id.
        return SendResult(f"{message.address.value}:{message.outbox_id}", status="delivered")

    async def close(self) -> None:
        """Nothing to release."""


def telegram_chat_id(phone: str) -> int:
    """A simulated person's Telegram chat id (and user id): all digits of their E.164 number."""
    # E.164 has at most 15 digits and never starts with 0, so this is one-to-one, positive,
    # below 10**15 (inside Telegram's 52-bit ids) and the number is "+" followed by the id.
    digits = phone[1:] if phone.startswith("+") else ""
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 15) or digits[0] == "0":
        raise BadRequest("a person is named by an E.164 number such as +447700900101")
    return int(digits)


def telegram_address(address: str) -> str:
    """The simulated chat id an API address names: the chat id itself or the person's number."""
    return str(telegram_chat_id(address if address.startswith("+") else "+" + address))


def telegram_message(
    update_id: int, chat_id: int, first_name: str, date: datetime, content: Mapping[str, Any]
) -> dict[str, Any]:
    """A Telegram Update carrying one private-chat message from the person."""
    user = {"id": chat_id, "is_bot": False, "first_name": first_name}
    message = {
        "message_id": update_id,
        "from": user,
        "chat": {"id": chat_id, "type": "private", "first_name": first_name},
        "date": int(date.timestamp()),
        **content,
    }
    return {"update_id": update_id, "message": message}


def text_content(text: str) -> dict[str, Any]:
    """A text message's fields, with the bot_command entity Telegram adds to '/…' commands."""
    if not text.startswith("/"):
        return {"text": text}
    command = text.split()[0]
    return {
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
    }


def contact_content(chat_id: int, first_name: str) -> dict[str, Any]:
    """The fields of a message sharing the sender's own contact (its phone is the chat's number)."""
    contact = {"phone_number": f"+{chat_id}", "first_name": first_name, "user_id": chat_id}
    return {"contact": contact}


def telegram_press(
    update_id: int, chat_id: int, first_name: str, pressed: Mapping[str, Any], data: str
) -> dict[str, Any]:
    """A callback_query Update: the person pressed the button `data` under the bot's message."""
    user = {"id": chat_id, "is_bot": False, "first_name": first_name}
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "Keyperson", "username": "keyperson_bot"}
    message = {"from": bot, "chat": {"id": chat_id, "type": "private", "first_name": first_name}}
    callback = {
        "id": str(update_id),
        "from": user,
        "message": {**message, **pressed},
        "chat_instance": str(chat_id),
        "data": data,
    }
    return {"update_id": update_id, "callback_query": callback}


@dataclass(frozen=True, slots=True)
class SendRequest:
    """What the page asked to send: text, a pressed button, or the person's own contact."""

    channel: Channel
    address: str
    text: str | None = None
    choice: str | None = None
    message_id: int | None = None
    contact: bool = False


def parse_send(body: Any) -> SendRequest:
    """A SendRequest from the posted JSON, or BadRequest naming what is wrong."""
    if not isinstance(body, dict) or not isinstance(body.get("address"), str):
        raise BadRequest("send a JSON object with 'address' and one of 'text', 'choice', 'contact'")
    try:
        channel = Channel(body.get("channel", "sms"))
    except ValueError:
        raise BadRequest("'channel' is 'sms' or 'telegram'") from None
    given = [k for k in ("text", "choice", "contact") if body.get(k) not in (None, False)]
    if len(given) != 1:
        raise BadRequest("send exactly one of 'text', 'choice' (with 'message_id') or 'contact'")
    if channel is Channel.SMS and given != ["text"]:
        raise BadRequest("an SMS is only text: type the option's number or word instead")
    if given == ["text"]:
        text = body["text"]
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT[channel]:
            raise BadRequest(f"a message needs 1 to {MAX_TEXT[channel]} characters")
        return SendRequest(channel, body["address"], text=text)
    if given == ["contact"]:
        if body["contact"] is not True:
            raise BadRequest("'contact' is true to share the person's own number")
        return SendRequest(channel, body["address"], contact=True)
    choice, message_id = body["choice"], body.get("message_id")
    if not isinstance(choice, str) or type(message_id) is not int or message_id < 1:
        raise BadRequest("a button press needs 'choice' (its key) and 'message_id' (an integer)")
    return SendRequest(channel, body["address"], choice=choice, message_id=message_id)


def telegram_parts(row: OutboxRow, pressed: str | None) -> list[dict[str, Any]]:
    """One outbox row as the Telegram messages a real bot sends, after any press."""
    choices = [RenderedChoice.from_dict(c) for c in row.choices]
    items: list[dict[str, Any]] = []
    for text, data in rendered(row.body, choices):
        item: dict[str, Any] = {"dir": "out", "at": row.created_at, "id": row.id}
        item.update(text=text, status=row.status, buttons=[], keyboard=None)
        item["_labels"] = {c.key: c.label for c in choices}  # names a later press; not shown
        if "inline_keyboard" in data and pressed is not None:
            item.update(text=chosen_text(text, pressed), pressed=pressed)
        elif "inline_keyboard" in data:
            item["buttons"] = _buttons(data["inline_keyboard"], "callback", choices)
        elif "keyboard" in data:
            item["keyboard"] = _buttons(data["keyboard"], "reply", choices)
            item["one_time"] = bool(data.get("one_time_keyboard"))
        item["remove_keyboard"] = bool(data.get("remove_keyboard"))
        items.append(item)
    return items


def rendered(body: str, choices: list[RenderedChoice]) -> list[tuple[str, dict[str, Any]]]:
    """The parts render_telegram makes, with their markup as JSON; just the body if it fails."""
    try:
        return [(text, markup.to_dict()) for text, markup in render_telegram(body, choices)]
    except ValueError:  # the sender failed this row the same way, so it was never sent
        return [(body, {})]


def _buttons(
    rows: list[list[dict[str, Any]]], kind: str, choices: list[RenderedChoice]
) -> Keyboard:
    """Keyboard rows for the page: each button's text, kind and the choice key it stands for."""
    by_label = {c.label: c.key for c in choices}
    return [
        [
            {
                "text": b["text"],
                "key": b.get("callback_data") or by_label.get(b["text"], ""),
                "kind": "contact" if b.get("request_contact") else kind,
            }
            for b in row
        ]
        for row in rows
    ]


def inbound_item(at: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """A message the phone sent, as the page shows it."""
    kind, text, choice = payload.get("kind"), payload.get("text") or "", payload.get("choice")
    if kind == "start":
        text = "/start"
    elif kind in ("contact", "contact_other"):
        text = "[shared phone number]"
    return {"dir": "in", "at": at, "text": text, "kind": kind, "choice": choice}


def telegram_view(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Keyboard | None]:
    """The chat oldest first, pressed buttons named by label, and the reply keyboard shown now."""
    ordered = sorted(items, key=lambda i: str(i["at"]))
    labels: dict[str, str] = {}
    keyboard: dict[str, Any] | None = None
    for item in ordered:
        if item["dir"] == "out":
            labels.update(item.pop("_labels"))
            if item["keyboard"] or item["remove_keyboard"]:
                keyboard = item if item["keyboard"] else None
            continue
        if item["choice"]:
            item["text"] = "[pressed] " + labels.get(item["choice"], item["choice"])
        if keyboard is not None and keyboard["one_time"]:
            keyboard = None  # a one-time keyboard folds away once the person answers
    return ordered, (keyboard["keyboard"] if keyboard else None)


async def sent_from(repos: Repos, channel: Channel, address: str) -> list[dict[str, Any]]:
    """Every message an address sent, oldest first, as the page shows it."""
    rows = await fetch_all(
        repos.conn,
        "SELECT received_at, payload FROM inbound WHERE channel = ? AND address = ? ORDER BY id",
        (channel.value, address),
    )
    return [inbound_item(r[0], json.loads(r[1])) for r in rows]


async def linked_on_telegram(repos: Repos, setting_id: int, chat: str) -> bool:
    """Whether a Telegram chat has been linked to someone on file."""
    rows = await fetch_all(
        repos.conn,
        "SELECT 1 FROM contacts WHERE setting_id = ? AND channel = ? AND address = ? "
        "AND linked_at IS NOT NULL",
        (setting_id, Channel.TELEGRAM.value, chat),
    )
    return bool(rows)


class SimulatorPage:
    """The /simulator page and its small JSON API; it remembers which buttons were pressed."""

    def __init__(
        self,
        db: Database,
        setting_id: int,
        accept: Callable[[Inbound], Awaitable[bool]],
        clock: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.setting_id = setting_id
        self.accept = accept
        self.clock = clock
        self.pressed: dict[int, str] = {}  # outbox id -> label of the button pressed under it
        self._update_ids = itertools.count(time.time_ns() // 1_000_000)  # unique across restarts

    def routes(self) -> list[BaseRoute]:
        """The page and its API."""
        return [
            Route("/simulator", self.page),
            Route("/simulator/api/people", self.people),
            Route("/simulator/api/messages", self.messages),
            Route("/simulator/api/send", self.send, methods=["POST"]),
        ]

    async def page(self, request: Request) -> Response:
        """The single-page chat simulator."""
        html = resources.files("bot").joinpath("static/simulator.html").read_text("utf-8")
        return HTMLResponse(html)

    async def people(self, request: Request) -> JSONResponse:
        """Everyone you can be: staff and carers with a number on file, and their Telegram id."""
        async with self.db.reading() as repos:
            people = await repos.people.directory(self.setting_id)
        for person in people:
            person["telegram"] = str(telegram_chat_id(str(person["phone"])))
        return JSONResponse({"people": people})

    async def messages(self, request: Request) -> JSONResponse:
        """One phone's conversation on one channel: what it sent and what reached it."""
        address = request.query_params.get("address", "")
        try:
            channel = Channel(request.query_params.get("channel", "sms"))
            chat = telegram_address(address) if channel is Channel.TELEGRAM else ""
        except ValueError as error:  # BadRequest, or an unknown channel
            return _bad(error if isinstance(error, BadRequest) else "unknown channel")
        if chat:
            return JSONResponse(await self._telegram_chat(chat))
        async with self.db.reading() as repos:
            items = await sent_from(repos, channel, address)
            received = await repos.outbox.for_address(channel.value, address)
        for row in received:
            if row.status not in NOT_ON_PHONE:
                choices = [RenderedChoice.from_dict(c) for c in row.choices]
                text = render_sms(row.body, choices)
                items.append(
                    {"dir": "out", "at": row.created_at, "text": text, "status": row.status}
                )
        items.sort(key=lambda item: str(item["at"]))
        return JSONResponse({"channel": channel.value, "address": address, "messages": items})

    async def _telegram_chat(self, chat: str) -> dict[str, Any]:
        """A Telegram chat as the app shows it: messages, buttons, keyboard, and whether linked."""
        async with self.db.reading() as repos:
            items = await sent_from(repos, Channel.TELEGRAM, chat)
            received = await repos.outbox.for_address(Channel.TELEGRAM.value, chat)
            linked = await linked_on_telegram(repos, self.setting_id, chat)
        for row in received:
            if row.status not in NOT_ON_PHONE:
                items.extend(telegram_parts(row, self.pressed.get(row.id)))
        ordered, keyboard = telegram_view(items)
        return {
            "channel": Channel.TELEGRAM.value,
            "address": chat,
            "linked": linked,
            "keyboard": keyboard,
            "messages": ordered,
        }

    async def send(self, request: Request) -> JSONResponse:
        """Take what a phone sent: an SMS, or a Telegram message, button press or contact."""
        try:
            try:
                body = await request.json()
            except ValueError:  # not JSON, or not UTF-8
                raise BadRequest("the body is not JSON") from None
            wanted = parse_send(body)
            if wanted.channel is Channel.SMS:
                return JSONResponse({"stored": await self._send_sms(wanted)})
            return JSONResponse({"stored": await self._send_telegram(wanted)})
        except BadRequest as error:
            return _bad(error)

    async def _send_sms(self, wanted: SendRequest) -> bool:
        """Pass the text through the Twilio webhook's parser, as the phone's SMS would go."""
        form = {"MessageSid": f"SIM{uuid.uuid4().hex}", "From": wanted.address}
        inbound = parse_inbound({**form, "Body": wanted.text or ""}, self.clock())
        if inbound is None:
            raise BadRequest("an SMS needs the sender's number as 'address'")
        return await self.accept(inbound)

    async def _send_telegram(self, wanted: SendRequest) -> bool:
        """Build the Update Telegram would post and pass it through the webhook's parser."""
        chat = telegram_address(wanted.address)
        name = await self._first_name(chat)
        update_id, now = next(self._update_ids), self.clock()
        if wanted.choice is not None and wanted.message_id is not None:
            shown = await self._message_with_button(chat, wanted.message_id, wanted.choice)
            update = telegram_press(update_id, int(chat), name, shown, wanted.choice)
        else:
            content = contact_content(int(chat), name) if wanted.contact else None
            content = content or text_content(wanted.text or "")
            update = telegram_message(update_id, int(chat), name, now, content)
        parsed = parse_update(update, now)
        if parsed.inbound is None:
            raise BadRequest("Telegram's webhook would not pass this on")
        stored = await self.accept(parsed.inbound)
        if parsed.press is not None and parsed.press.message_id is not None:
            self.pressed[parsed.press.message_id] = parsed.press.chosen
        return stored

    async def _message_with_button(self, chat: str, message_id: int, key: str) -> dict[str, Any]:
        """The bot's message (as Telegram holds it) whose inline button `key` was pressed."""
        async with self.db.reading() as repos:
            rows = await repos.outbox.for_address(Channel.TELEGRAM.value, chat, message_id - 1)
        row = rows[0] if rows and rows[0].id == message_id else None
        if row is None or row.status in NOT_ON_PHONE:
            raise BadRequest(f"chat {chat} has no message {message_id}")
        if message_id in self.pressed:
            raise BadRequest(f"message {message_id} was answered already")
        choices = [RenderedChoice.from_dict(c) for c in row.choices]
        for text, markup in rendered(row.body, choices):
            keyboard = markup.get("inline_keyboard") or []
            if any(b.get("callback_data") == key for line in keyboard for b in line):
                date = int(datetime.fromisoformat(row.created_at).timestamp())
                return {
                    "message_id": message_id,
                    "date": date,
                    "text": text,
                    "reply_markup": markup,
                }
        raise BadRequest(f"message {message_id} has no button {key!r}")

    async def _first_name(self, chat: str) -> str:
        """The first name Telegram would show for the person whose number the chat id holds."""
        async with self.db.reading() as repos:
            people = await repos.people.directory(self.setting_id)
        name = next((str(p["name"]) for p in people if p["phone"] == f"+{chat}"), "Guest")
        return name.split()[0]


def _bad(error: Exception | str) -> JSONResponse:
    """A 400 answer naming what was wrong."""
    return JSONResponse({"error": str(error)}, status_code=400)
