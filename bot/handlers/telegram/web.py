"""The Telegram channel's life: the PTB Application in the lifespan, its webhook, or long polling.

Webhook mode (a public URL is set): setWebhook with the secret; POST /webhooks/telegram checks
the secret in constant time, stores the update under its update_id, then answers 200.
Polling mode (no public URL): getUpdates in a loop; each update is stored before the next call's
offset confirms it to Telegram, so an update is never confirmed before it is safe on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot.config import DEFAULT_TELEGRAM_API_URL
from bot.domain.errors import ConfigError
from bot.domain.messages import Inbound
from bot.engine.backoff import Unreachable, until_reachable
from bot.engine.supervisor import Supervisor, describe
from bot.handlers.http import read_body
from bot.handlers.telegram.parse import (
    ALLOWED_UPDATES,
    MalformedUpdate,
    Parsed,
    Press,
    parse_update,
    update_id_of,
)
from bot.handlers.telegram.send import TelegramSender

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/webhooks/telegram"
MAX_BODY = 1024 * 1024  # an update is a few kB; Telegram never sends files in the update itself
POLL_TIMEOUT_S = 25  # long polling: Telegram holds the request open until updates arrive
POLL_RETRY_S = 5.0  # after a failed getUpdates or a failed store
T = TypeVar("T")
POLLER = "telegram.poller"


def build_application(token: str, api_url: str, timeout_s: float | None = None) -> Application:
    """A PTB Application without an Updater: updates arrive through our webhook or poller.

    `timeout_s` replaces PTB's read, write and connect timeouts (tests make them short)."""
    api = api_url.rstrip("/")
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .updater(None)
    )
    if timeout_s is not None:
        builder = (
            builder.read_timeout(timeout_s).write_timeout(timeout_s).connect_timeout(timeout_s)
        )
    return builder.build()


async def reached(call: Callable[[], Awaitable[T]], api_url: str | None = None) -> T:
    """Make one Bot API call at start-up: a refused token is a ConfigError, a network failure
    (or a 5xx) Unreachable, so start-up says either in one line, never in a traceback."""
    where = "" if api_url is None else f" at {api_url}"
    asked = "" if api_url in (None, DEFAULT_TELEGRAM_API_URL) else f" (asked{where})"
    try:
        return await call()
    except InvalidToken:
        raise ConfigError(
            f"TELEGRAM_BOT_TOKEN: Telegram refused this token{asked}; copy it again from "
            "@BotFather (/mybots, your bot, API Token), or make a new one there"
        ) from None
    except NetworkError as error:  # TimedOut is one, and so are 5xx answers
        raise Unreachable(f"cannot reach Telegram{where} ({_kind(error)})") from None
    except TelegramError as error:
        raise ConfigError(
            f"TELEGRAM_BOT_TOKEN: Telegram refused the call ({_kind(error)})"
        ) from None


def _kind(error: BaseException) -> str:
    """The kind of a failure, never its text: a library's message can hold the URL and token."""
    cause = error.__cause__ or error.__context__
    name = type(error).__name__
    return f"{name} from {type(cause).__name__}" if cause is not None else name


class TelegramChannel:
    """Starts and stops the bot, takes updates in (webhook or polling) and stores them."""

    def __init__(
        self,
        application: Application,
        sender: TelegramSender,
        *,
        public_url: str | None,
        secret: str | None,
        commands: Mapping[str | None, Sequence[tuple[str, str]]] = {},
    ) -> None:
        if public_url and not secret:
            raise ValueError("a Telegram webhook needs a secret token")
        self.application = application
        self.sender = sender
        self.store: Callable[[Inbound], Awaitable[bool]] | None = None
        self.clock: Callable[[], datetime] | None = None
        self.public_url = public_url
        self.secret = secret or ""
        self.commands = dict(commands)
        self._poller: asyncio.Task[None] | None = None
        self._acks: set[asyncio.Task[None]] = set()
        self.supervisor = Supervisor()

    def bind(
        self,
        store: Callable[[Inbound], Awaitable[bool]],
        clock: Callable[[], datetime],
        supervisor: Supervisor | None = None,
    ) -> None:
        """Give the channel the router's store, which exists only once the core is wired."""
        self.store = store
        self.clock = clock
        self.supervisor = supervisor or self.supervisor

    @property
    def username(self) -> str:
        """The bot's @username, known once started."""
        return str(self.application.bot.username)

    async def start(self) -> None:
        """Initialise the bot (getMe), register commands, then set the webhook or start polling;
        while Telegram cannot be reached, say so in one line and try again with backoff."""
        await until_reachable(lambda: reached(self.application.initialize))
        await self.application.start()
        await self._register_commands()
        bot = self.application.bot
        if self.public_url:
            url = self.public_url.rstrip("/") + WEBHOOK_PATH
            await until_reachable(
                lambda: reached(
                    lambda: bot.set_webhook(
                        url=url, secret_token=self.secret, allowed_updates=list(ALLOWED_UPDATES)
                    )
                )
            )
            log.info("telegram webhook set for @%s", bot.username)
        else:
            # A webhook left from an earlier deployment would make getUpdates fail.
            await until_reachable(lambda: reached(bot.delete_webhook))
            self._poller = self.supervisor.spawn(POLLER, self._poll)
            log.info("telegram polling started for @%s", bot.username)

    async def stop(self) -> None:
        """Stop polling, let button acknowledgements finish, and shut the bot down."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        if self._acks:
            await asyncio.wait(self._acks, timeout=2.0)
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def _register_commands(self) -> None:
        for language, commands in self.commands.items():
            try:
                await self.sender.set_commands(commands, language=language)
            except Exception as error:  # the menu is a convenience; the bot works without it
                log.warning("telegram commands for %s not set (%s)", language, type(error).__name__)

    async def webhook(self, request: Request) -> Response:
        """POST /webhooks/telegram: refuse without the secret; store, then acknowledge."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode("utf-8"), self.secret.encode("utf-8")):
            log.warning("telegram webhook: missing or wrong secret token")
            return PlainTextResponse("forbidden", status_code=403)
        body = await read_body(request, MAX_BODY)
        try:
            data = parse_json(body)
            await self.take(data)
        except MalformedUpdate as error:
            log.warning("telegram update %s refused: %s", error.update_id or "?", error.why)
            return PlainTextResponse("bad request", status_code=400)
        except Exception as error:
            # Not stored, so not acknowledged: Telegram delivers the update again later.
            update_id = update_id_of(body or b"")
            why = describe(error)
            log.error("telegram update %s not stored (%s): answering 503", update_id, why)
            return PlainTextResponse("try again later", status_code=503)
        return Response(status_code=200)

    async def take(self, data: Mapping[str, Any]) -> Parsed:
        """Store one update (raising if storing fails) and acknowledge its button press."""
        if self.store is None or self.clock is None:
            raise RuntimeError("the Telegram channel is not bound to a router")
        parsed = parse_update(data, self.clock())
        if parsed.inbound is not None:
            fresh = await self.store(parsed.inbound)
            log.info(
                "telegram update %s %s",
                parsed.inbound.external_id,
                "stored" if fresh else "duplicate",
            )
        if parsed.press is not None:
            self._acknowledge(parsed.press)
        return parsed

    def _acknowledge(self, press: Press) -> None:
        # In the background: the update is already safe, and Telegram waits for our answer.
        task = asyncio.create_task(self.sender.acknowledge(press))
        self._acks.add(task)
        task.add_done_callback(self._acks.discard)

    async def _poll(self) -> None:
        """Ask for updates and store each before the next request's offset confirms it.

        Telegram being unreachable is waited out (it is not ours to fix by restarting); a
        failure to store is retried with backoff, and counts towards giving up.
        """
        offset: int | None = None
        bot = self.application.bot
        while True:
            try:
                updates = await bot.get_updates(
                    offset=offset,
                    timeout=POLL_TIMEOUT_S,
                    allowed_updates=list(ALLOWED_UPDATES),
                    read_timeout=POLL_TIMEOUT_S + 10,
                )
            except TelegramError as error:
                log.warning("telegram getUpdates failed (%s)", type(error).__name__)
                await asyncio.sleep(POLL_RETRY_S)
                continue
            except Exception as error:
                # An answer PTB could not read: tried again with backoff, and counted.
                await self.supervisor.failed(POLLER, error, f"getUpdates offset {offset}")
                continue
            offset = await self._take_all(updates, offset)

    async def _take_all(self, updates: Sequence[Any], offset: int | None) -> int | None:
        """Store updates in order; return the offset that confirms those stored."""
        for update in updates:
            try:
                await self.take(update.to_dict())
            except MalformedUpdate as error:
                log.warning("telegram update %s skipped: %s", update.update_id, error.why)
            except Exception as error:
                # Not stored: the offset stays, so Telegram offers this update again.
                await self.supervisor.failed(POLLER, error, f"update {update.update_id}")
                return offset
            offset = update.update_id + 1
        self.supervisor.ok(POLLER)
        return offset


def parse_json(body: bytes | None) -> dict[str, Any]:
    """The update JSON object; MalformedUpdate if the body is not one, too large, or nested
    too deeply to read."""
    if body is None:
        raise MalformedUpdate(None, "body too large")
    try:
        data = json.loads(body)
    except RecursionError:
        raise MalformedUpdate(update_id_of(body), "nested too deeply") from None
    except (UnicodeDecodeError, ValueError):
        raise MalformedUpdate(update_id_of(body), "not JSON") from None
    if not isinstance(data, dict):
        raise MalformedUpdate(None, "not a JSON object")
    return data
