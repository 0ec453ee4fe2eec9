"""Starlette routes and the lifespan that starts and stops Keyperson with the server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot import __version__
from bot.app import Keyperson
from bot.handlers.sms.webhook import SmsWebhook
from bot.handlers.telegram.web import WEBHOOK_PATH

log = logging.getLogger(__name__)
EXIT_UNHEALTHY = 75  # EX_TEMPFAIL: a task could not recover; start a fresh process
# How long /healthz answers 503 before the server stops: long enough for a monitor or load
# balancer polling every second or two to see why the process is about to go.
UNHEALTHY_GRACE_S = 3.0


def stop_process(code: int) -> None:
    """Stop the server gracefully (as Ctrl-C would), then leave with `code`."""
    signal.raise_signal(signal.SIGTERM)


def exit_process(code: int) -> None:
    """Leave now with `code`, after everything was stopped cleanly."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def create_app(
    factory: Callable[[], Awaitable[Keyperson]],
    extra_routes: Callable[[Keyperson], list[BaseRoute]] | None = None,
    on_fatal: Callable[[int], None] = stop_process,
    on_stopped: Callable[[int], None] = exit_process,
    unhealthy_grace_s: float = UNHEALTHY_GRACE_S,
) -> Starlette:
    """A Starlette app whose lifespan builds Keyperson, serves it, and stops it cleanly.

    When a supervised task cannot recover, /healthz answers 503 (for `unhealthy_grace_s`, so
    monitors see it), then the server stops as it would on Ctrl-C and, once Keyperson has
    stopped cleanly, the process exits with EXIT_UNHEALTHY.
    """
    holder: dict[str, Keyperson] = {}
    failed: list[str] = []

    async def healthz(request: Request) -> JSONResponse:
        keyperson = holder.get("app")
        if keyperson is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        healthy, body = await keyperson.health()
        body["version"] = __version__
        return JSONResponse(body, status_code=200 if healthy else 503)

    def fatal(task: str) -> None:
        if not failed:
            failed.append(task)
            asyncio.get_running_loop().call_later(unhealthy_grace_s, on_fatal, EXIT_UNHEALTHY)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        keyperson = await factory()
        for route in channel_routes(keyperson) + (extra_routes(keyperson) if extra_routes else []):
            app.router.routes.append(route)
        keyperson.supervisor.on_fatal = fatal
        await keyperson.start()
        holder["app"] = keyperson
        log.info("keyperson ready: setting %s", keyperson.setting_id)
        try:
            yield
        finally:
            holder.pop("app", None)
            await keyperson.stop()
            log.info("keyperson stopped")
            if failed:
                log.critical("exiting with %d: %s could not recover", EXIT_UNHEALTHY, failed[0])
                on_stopped(EXIT_UNHEALTHY)

    return Starlette(routes=[Route("/healthz", healthz)], lifespan=lifespan)


def channel_routes(keyperson: Keyperson) -> list[BaseRoute]:
    """Webhook routes of the channels this deployment has configured."""
    routes: list[BaseRoute] = []
    telegram = keyperson.telegram
    if telegram is not None and telegram.public_url:
        routes.append(Route(WEBHOOK_PATH, telegram.webhook, methods=["POST"]))
    return routes + sms_routes(keyperson)


def sms_routes(keyperson: Keyperson) -> list[BaseRoute]:
    """The two Twilio webhooks, when SMS is configured."""
    settings = keyperson.settings
    if not (settings.sms_enabled and settings.public_url and settings.twilio_auth_token):
        return []
    sms = SmsWebhook(
        auth_token=settings.twilio_auth_token,
        public_url=settings.public_url,
        store=keyperson.router.accept,
        record_status=keyperson.dispatcher.status,
        clock=keyperson.clock,
    )
    return [
        Route("/webhooks/twilio/sms", sms.inbound, methods=["POST"]),
        Route("/webhooks/twilio/status", sms.status, methods=["POST"]),
    ]
