"""The simulator's channel views: real-shaped Telegram Updates in, and messages as rendered.

What a simulated Telegram user sends is built as the Update Telegram would post, so the real
parser reads it; what they receive is rendered by the real adapter's keyboard code.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeAlias

from bot.domain.messages import Channel, RenderedChoice
from bot.handlers.telegram.parse import chosen_text, render_telegram
from bot.storage.repos import InboxRepo, Repos
from bot.storage.rows import OutboxRow

BOT_ID = 1000000001  # the simulated bot's own Telegram user id

Keyboard: TypeAlias = list[list[dict[str, Any]]]  # rows of buttons: text, key and kind


class BadRequest(ValueError):
    """A request the simulator API cannot act on; the message says why."""


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


def telegram_parts(
    row: OutboxRow, pressed: str | None, arrives: str | None = None
) -> list[dict[str, Any]]:
    """One outbox row as the Telegram messages a real bot sends, after any press; a message
    held for later is marked with when it will arrive."""
    choices = [RenderedChoice.from_dict(c) for c in row.choices]
    items: list[dict[str, Any]] = []
    for text, markup in rendered(row.body, choices):
        item: dict[str, Any] = {"dir": "out", "at": at_text(row.created_at), "id": row.id}
        item.update(text=text, status=row.status, buttons=[], keyboard=None)
        item["_labels"] = {c.key: c.label for c in choices}  # names a later press; not shown
        # A held message is not on the phone yet: nothing in it can be pressed.
        data = {} if arrives else markup
        if arrives:
            item.update(status="held", arrives=arrives)
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


def at_text(moment: datetime) -> str:
    """A time as the page orders messages by it: UTC text that sorts in time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def inbound_item(at: datetime, payload: Mapping[str, Any]) -> dict[str, Any]:
    """A message the phone sent, as the page shows it."""
    kind, text, choice = payload.get("kind"), payload.get("text") or "", payload.get("choice")
    if kind == "start":
        text = "/start"
    elif kind in ("contact", "contact_other"):
        text = "[shared phone number]"
    return {"dir": "in", "at": at_text(at), "text": text, "kind": kind, "choice": choice}


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


async def sent_from(inbox: InboxRepo, channel: Channel, address: str) -> list[dict[str, Any]]:
    """Every message an address sent, oldest first, as the page shows it."""
    return [
        inbound_item(at, payload) for at, payload in await inbox.for_address(channel.value, address)
    ]


async def linked_on_telegram(repos: Repos, setting_id: int, chat: str) -> bool:
    """Whether a Telegram chat has been linked to someone on file."""
    contact = await repos.people.contact(Channel.TELEGRAM.value, chat)
    return contact is not None and contact.setting_id == setting_id and contact.linked
