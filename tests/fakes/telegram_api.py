"""A small fake of the Telegram Bot API that a real telegram.Bot can talk to over loopback HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from tests.fakes.twilio_api import serve_app

TOKEN = "123456:TEST-token_for-the-fake"
BOT_USER = {
    "id": 999,
    "is_bot": True,
    "first_name": "Keyperson",
    "username": "KeypersonTestBot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}
TEXT_LIMIT = 4096
UPDATES_WAIT_CAP_S = 0.2
# PTB posts a url-encoded form whose non-string values are JSON; these are the JSON ones.
JSON_FIELDS = frozenset(
    {
        "allowed_updates",
        "cache_time",
        "chat_id",
        "commands",
        "disable_notification",
        "drop_pending_updates",
        "entities",
        "limit",
        "link_preview_options",
        "max_connections",
        "message_id",
        "offset",
        "protect_content",
        "reply_markup",
        "reply_parameters",
        "scope",
        "show_alert",
        "timeout",
    }
)
TRUE_METHODS = frozenset(
    {"answercallbackquery", "deletewebhook", "setmycommands", "setwebhook", "close", "logout"}
)

Handler = Callable[[dict[str, Any]], Awaitable[Response]]


class ApiError(Exception):
    """An error answer, in the shape Telegram gives."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def response(self) -> JSONResponse:
        """The JSON error body PTB turns into its exceptions."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return JSONResponse(body, status_code=self.status)


@dataclass(slots=True)
class Failure:
    """One scripted error answer for a method, after `skip` calls of it have gone through."""

    method: str
    error: ApiError
    skip: int = 0


class FakeTelegram:
    """Answers POST /bot{token}/{method} like the Bot API; `calls` records every authorised call."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.url = ""
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.blocked_chats: set[int] = set()
        self.offsets: list[int | None] = []
        self.sent: list[dict[str, Any]] = []  # parameters of each sendMessage accepted
        self.photos: list[dict[str, Any]] = []  # parameters of each sendPhoto accepted
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._updates: list[dict[str, Any]] = []
        self._queued = asyncio.Event()
        self._failures: list[Failure] = []
        self._hangs: list[str] = []
        self._drops: list[tuple[str, bool]] = []
        self._release = asyncio.Event()
        self._next_message_id = 1
        self.app = Starlette(
            routes=[Route("/bot{token}/{method}", self._call, methods=["GET", "POST"])]
        )

    def queue_update(self, update: dict[str, Any]) -> None:
        """Make an update available to getUpdates (until an offset past it confirms it)."""
        self._updates.append(update)
        self._queued.set()

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        retry_after: int | None = None,
        *,
        after: int = 0,
    ) -> None:
        """Make the next call of `method` (after `after` more succeed) answer this error."""
        error = ApiError(status, description, retry_after)
        self._failures.append(Failure(method.lower(), error, after))

    def hang_next(self, method: str) -> None:
        """Make the next call of `method` never answer (until the fake shuts down)."""
        self._hangs.append(method.lower())

    def drop_next(self, method: str, delivered: bool) -> None:
        """Make the next call of `method` lose its connection mid-answer, after doing what it
        asks (`delivered`) or before: the caller cannot tell which."""
        self._drops.append((method.lower(), delivered))

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        """The parameters of every sendMessage the fake accepted for this chat, in order."""
        return [params for params in self.sent if params["chat_id"] == chat_id]

    def called(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call of `method`, accepted or not."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    async def _call(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return ApiError(401, "Unauthorized").response()
        method = request.path_params["method"]
        try:
            params = await _parameters(request)
        except ApiError as error:
            return error.response()
        self.calls.append((method, params))
        try:
            await self._scripted(method.lower())
            for drop in self._drops:
                if drop[0] == method.lower():
                    self._drops.remove(drop)
                    if drop[1]:
                        await self._handler(method.lower())(params)
                    return _Dropped()
            return await self._handler(method.lower())(params)
        except ApiError as error:
            return error.response()

    async def _scripted(self, method: str) -> None:
        """Hang or fail as scripted for this method."""
        if method in self._hangs:
            self._hangs.remove(method)
            await self._release.wait()
            raise ApiError(504, "Gateway Timeout")
        for failure in self._failures:
            if failure.method == method:
                if failure.skip > 0:
                    failure.skip -= 1
                    return
                self._failures.remove(failure)
                raise failure.error

    def _handler(self, method: str) -> Handler:
        handlers: dict[str, Handler] = {
            "getme": self._get_me,
            "sendmessage": self._send_message,
            "sendphoto": self._send_photo,
            "editmessagetext": self._edit_message_text,
            "getupdates": self._get_updates,
            "getwebhookinfo": self._webhook_info,
        }
        if method in TRUE_METHODS:
            return _true
        if method not in handlers:
            raise ApiError(404, "Not Found: method not found")
        return handlers[method]

    async def _get_me(self, params: dict[str, Any]) -> Response:
        return _ok(BOT_USER)

    async def _send_message(self, params: dict[str, Any]) -> Response:
        chat_id = _chat(params)
        text = _text(params)
        if chat_id in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        message_id = self._next_message_id
        self._next_message_id += 1
        message = {
            "message_id": message_id,
            "from": {k: BOT_USER[k] for k in ("id", "is_bot", "first_name", "username")},
            "chat": {"id": chat_id, "type": "private", "first_name": "Family"},
            "date": int(time.time()),
            "text": text,
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            # A Message only ever carries an inline keyboard; reply keyboards are not echoed.
            message["reply_markup"] = markup
        self.messages[(chat_id, message_id)] = message
        self.sent.append(params)
        return _ok(message)

    async def _send_photo(self, params: dict[str, Any]) -> Response:
        chat_id = _chat(params)
        if chat_id in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        message_id = self._next_message_id
        self._next_message_id += 1
        size = {
            "file_id": str(params.get("photo")),
            "file_unique_id": "u1",
            "width": 1,
            "height": 1,
        }
        message = {
            "message_id": message_id,
            "chat": {"id": chat_id, "type": "private", "first_name": "Family"},
            "date": int(time.time()),
            "photo": [size],
        }
        self.messages[(chat_id, message_id)] = message
        self.photos.append(params)
        return _ok(message)

    async def _edit_message_text(self, params: dict[str, Any]) -> Response:
        chat_id, message_id = _chat(params), params.get("message_id")
        text = _text(params)
        message = self.messages.get((chat_id, message_id)) if isinstance(message_id, int) else None
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if message["text"] == text and message.get("reply_markup") == markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        edited = {**message, "text": text, "edit_date": int(time.time())}
        edited.pop("reply_markup", None)
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            edited["reply_markup"] = markup
        self.messages[(chat_id, message["message_id"])] = edited
        return _ok(edited)

    async def _get_updates(self, params: dict[str, Any]) -> Response:
        offset = params.get("offset")
        self.offsets.append(offset)
        if isinstance(offset, int):
            # As Telegram does: an offset confirms every update before it, which is then gone.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            wait = min(float(params.get("timeout") or 0), UPDATES_WAIT_CAP_S)
            self._queued.clear()
            if wait > 0:
                try:
                    await asyncio.wait_for(self._queued.wait(), wait)
                except TimeoutError:
                    pass
        limit = int(params.get("limit") or 100)
        return _ok(self._updates[:limit])

    async def _webhook_info(self, params: dict[str, Any]) -> Response:
        info = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        info["pending_update_count"] = len(self._updates)
        return _ok(info)


class _Dropped(Response):
    """Starts a 200 answer, then loses the connection before its body."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"4096")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"ok": true, ', "more_body": True})
        raise ConnectionAbortedError("the fake dropped the connection on purpose")


def fake_telegram(token: str = TOKEN) -> FakeTelegram:
    """A FakeTelegram for this bot token; serve it with serve_fake_telegram."""
    return FakeTelegram(token)


@asynccontextmanager
async def serve_fake_telegram(fake: FakeTelegram) -> AsyncIterator[str]:
    """Serve the fake on a free loopback port; yield the base URL (a Bot takes f"{url}/bot")."""
    async with serve_app(fake.app) as url:
        fake.url = url
        try:
            yield url
        finally:
            fake._release.set()  # let hung requests finish so uvicorn can shut down


async def _parameters(request: Request) -> dict[str, Any]:
    """A call's parameters from its query string and its JSON or url-encoded body."""
    params: dict[str, Any] = {k: _value(k, v) for k, v in request.query_params.items()}
    body = await request.body()
    if not body:
        return params
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise ApiError(400, "Bad Request: parameters must be a JSON object")
        return {**params, **decoded}
    if kind == "application/x-www-form-urlencoded":
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        return {**params, **{k: _value(k, v) for k, v in pairs}}
    # PTB sends multipart only to upload files, which Keyperson never does.
    raise ApiError(400, f"Bad Request: the fake does not read {kind or 'this body'}")


def _value(name: str, raw: str) -> Any:
    """A form value: JSON for the fields PTB encodes as JSON, else the string as sent."""
    if name not in JSON_FIELDS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw  # a "@channel" chat id, say


def _chat(params: dict[str, Any]) -> int:
    chat_id = params.get("chat_id")
    if not isinstance(chat_id, int):
        raise ApiError(400, "Bad Request: chat not found")
    return chat_id


def _text(params: dict[str, Any]) -> str:
    text = params.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(text) > TEXT_LIMIT:
        raise ApiError(400, "Bad Request: message is too long")
    return text


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


async def _true(params: dict[str, Any]) -> Response:
    return _ok(True)
