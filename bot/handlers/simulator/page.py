"""The local channel behind the demo: a web page where you can be any carer or staff member.

Each phone on the page is on SMS or Telegram. What it sends becomes a Twilio webhook's fields or
a Telegram Update and goes through the same parsing code as the real webhooks, then the same
router, flows and outbox; replies are shown as each channel's adapter renders them.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from importlib import resources
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.domain.errors import SendError
from bot.domain.messages import Channel, Inbound, Outbound, RenderedChoice, SendResult
from bot.handlers.simulator.telegram import (
    BadRequest,
    at_text,
    contact_content,
    linked_on_telegram,
    rendered,
    sent_from,
    telegram_address,
    telegram_chat_id,
    telegram_message,
    telegram_parts,
    telegram_press,
    telegram_view,
    text_content,
)
from bot.handlers.sms.send import render_sms
from bot.handlers.sms.webhook import parse_inbound
from bot.handlers.telegram.parse import parse_update, render_telegram
from bot.language.bidi import direction
from bot.storage.repos import Store
from bot.storage.rows import OutboxRow

MAX_TEXT = {Channel.SMS: 1600, Channel.TELEGRAM: 4096}  # Twilio's and Telegram's own limits
NOT_ON_PHONE = ("queued", "sending", "withdrawn")  # withdrawn: a reminder no longer needed
HELD = "held"  # a queued message waiting for a later time (a family's quiet hours)


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


MAX_MINUTES = 60 * 24 * 60  # sixty days at a time


class TimeTravel(Protocol):
    """The demo's hold on its clock: forward by a span, or to the next timer; then the
    scheduler runs at once. Returns the seconds moved (None: no timer was waiting)."""

    async def forward(self, delta: timedelta) -> float: ...
    async def to_next(self) -> float | None: ...


class SimulatorPage:
    """The /simulator page and its small JSON API; it remembers which buttons were pressed."""

    def __init__(
        self,
        db: Store,
        setting_id: int,
        accept: Callable[[Inbound], Awaitable[bool]],
        clock: Callable[[], datetime],
        zone: tzinfo = UTC,
        menus: Mapping[str, Sequence[tuple[str, str]]] | None = None,
        time_travel: TimeTravel | None = None,
    ) -> None:
        self.time_travel = time_travel  # the demo's: moves its clock on, then fires what is due
        self.db = db
        # (word, label) per audience ("carer", "staff"): the buttons under each phone.
        self.menus = {who: [list(item) for item in items] for who, items in (menus or {}).items()}
        self.setting_id = setting_id
        self.accept = accept
        self.clock = clock
        self.zone = zone  # the setting's time zone, for when a held message will arrive
        self.pressed: dict[int, str] = {}  # outbox id -> label of the button pressed under it
        # Unique across restarts on one database: the clock only moves on between them.
        self._update_ids = itertools.count(int(clock().timestamp() * 1000))

    def routes(self) -> list[BaseRoute]:
        """The page and its API."""
        return [
            Route("/simulator", self.page),
            Route("/simulator/api/people", self.people),
            Route("/simulator/api/messages", self.messages),
            Route("/simulator/api/send", self.send, methods=["POST"]),
            Route("/simulator/api/clock", self.clock_now),
            Route("/simulator/api/clock", self.clock_forward, methods=["POST"]),
        ]

    async def clock_now(self, request: Request) -> JSONResponse:
        """The demo clock's time, in the setting's time zone."""
        return JSONResponse(self._clock_view())

    async def clock_forward(self, request: Request) -> JSONResponse:
        """Move the demo's clock forward ({"minutes": N}, or {"next": true} to the next
        reminder), then run the scheduler at once, so reminders due by then fire now."""
        if self.time_travel is None:
            return _bad("this clock cannot be moved")
        try:
            body = await request.json()
        except ValueError:
            return _bad("the body must be JSON")
        if not isinstance(body, dict):
            return _bad("the body must be a JSON object")
        minutes = body.get("minutes")
        moved: float | None
        if body.get("next") is True:
            moved = await self.time_travel.to_next()
        elif type(minutes) is int and 0 < minutes <= MAX_MINUTES:
            moved = await self.time_travel.forward(timedelta(minutes=minutes))
        else:
            return _bad(f"'minutes' is a whole number from 1 to {MAX_MINUTES}, or 'next' is true")
        view = self._clock_view()
        if moved is None:
            return JSONResponse({**view, "moved_minutes": 0, "waiting": False})
        return JSONResponse({**view, "moved_minutes": round(moved / 60), "waiting": True})

    def _clock_view(self) -> dict[str, Any]:
        now = self.clock().astimezone(self.zone)
        return {"now": f"{now:%a %d %b %Y %H:%M}", "movable": self.time_travel is not None}

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
        return JSONResponse({"people": people, "menus": self.menus})

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
        async with self.db.inbound.reading() as inbox:
            items = await sent_from(inbox, channel, address)
        async with self.db.reading() as repos:
            received = await repos.outbox.for_address(channel.value, address)
        for row in received:
            arrives = self.arrives(row)
            if row.status not in NOT_ON_PHONE or arrives:
                choices = [RenderedChoice.from_dict(c) for c in row.choices]
                text = render_sms(row.body, choices)
                status = HELD if arrives else row.status
                item = {"dir": "out", "at": at_text(row.created_at), "text": text, "status": status}
                items.append({**item, "arrives": arrives} if arrives else item)
        items.sort(key=lambda item: str(item["at"]))
        return JSONResponse(
            {"channel": channel.value, "address": address, "messages": with_direction(items)}
        )

    async def _telegram_chat(self, chat: str) -> dict[str, Any]:
        """A Telegram chat as the app shows it: messages, buttons, keyboard, and whether linked."""
        async with self.db.inbound.reading() as inbox:
            items = await sent_from(inbox, Channel.TELEGRAM, chat)
        async with self.db.reading() as repos:
            received = await repos.outbox.for_address(Channel.TELEGRAM.value, chat)
            linked = await linked_on_telegram(repos, self.setting_id, chat)
        for row in received:
            arrives = self.arrives(row)
            if row.status not in NOT_ON_PHONE or arrives:
                items.extend(telegram_parts(row, self.pressed.get(row.id), arrives))
        ordered, keyboard = telegram_view(with_direction(items))
        return {
            "channel": Channel.TELEGRAM.value,
            "address": chat,
            "linked": linked,
            "keyboard": keyboard,
            "messages": ordered,
        }

    def arrives(self, row: OutboxRow) -> str | None:
        """For a message held for later (a family's quiet hours): when it will arrive, as
        "today 07:30", "tomorrow 07:30" or "Mon 07:30"; None for anything else."""
        if row.status != "queued" or not row.next_attempt_at:
            return None
        now = self.clock().astimezone(self.zone)
        due = row.next_attempt_at.astimezone(self.zone)
        if due <= now:
            return None  # due now: the dispatcher is about to send it
        days = (due.date() - now.date()).days
        day = {0: "today", 1: "tomorrow"}.get(days) or due.strftime("%a")
        return f"{day} {due:%H:%M}"

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
                date = int(row.created_at.timestamp())
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


def with_direction(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each message with the direction it reads in ("rtl" for Arabic or Urdu, else "auto"), for
    the page's `dir`."""
    return [{**item, "text_dir": direction(str(item.get("text") or ""))} for item in items]


def _bad(error: Exception | str) -> JSONResponse:
    """A 400 answer naming what was wrong."""
    return JSONResponse({"error": str(error)}, status_code=400)
