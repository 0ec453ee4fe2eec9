"""Starlette routes and the lifespan that starts and stops Keyperson with the server."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot import __version__
from bot.app import Keyperson
from bot.handlers.sms import SmsWebhook
from bot.handlers.telegram_web import WEBHOOK_PATH

log = logging.getLogger(__name__)


def create_app(
    factory: Callable[[], Awaitable[Keyperson]],
    extra_routes: Callable[[Keyperson], list[BaseRoute]] | None = None,
) -> Starlette:
    """A Starlette app whose lifespan builds Keyperson, serves it, and stops it cleanly."""
    holder: dict[str, Keyperson] = {}

    async def healthz(request: Request) -> JSONResponse:
        keyperson = holder.get("app")
        if keyperson is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        return JSONResponse(
            {"status": "ok", "version": __version__, "channels": sorted(keyperson.senders)}
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        keyperson = await factory()
        for route in channel_routes(keyperson) + (extra_routes(keyperson) if extra_routes else []):
            app.router.routes.append(route)
        await keyperson.start()
        holder["app"] = keyperson
        log.info("keyperson ready: setting %s", keyperson.setting_id)
        try:
            yield
        finally:
            holder.pop("app", None)
            await keyperson.stop()
            log.info("keyperson stopped")

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
