"""The local channel behind the demo: a web page where you can be any carer or staff member.

Messages typed on the page become SMS-shaped Inbound messages and go through the same router,
flows and outbox as real SMS; replies are shown exactly as the SMS adapter renders them.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.domain import Channel, Inbound, Outbound, RenderedChoice, SendResult
from bot.handlers.sms import parse_inbound
from bot.handlers.sms_send import render_sms
from bot.storage.sqlite import Database

MAX_TEXT = 1600  # Twilio's own limit for one message body


class SimulatorSender:
    """Stands in for Twilio: accepting a message is delivering it to the page."""

    channel = Channel.SMS

    def __init__(self, rate_per_s: float = 50.0) -> None:
        self.rate_per_s = rate_per_s

    async def send(self, message: Outbound) -> SendResult:
        """Deliver at once; the page reads delivered rows from the outbox."""
        return SendResult(provider_id=f"SIM{message.outbox_id:08d}", status="delivered")

    async def close(self) -> None:
        """Nothing to release."""


class SimulatorPage:
    """The /simulator page and its small JSON API."""

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
        """Everyone you can be: staff and carers with a number on file."""
        async with self.db.reading() as repos:
            people = await repos.people.directory(self.setting_id)
        return JSONResponse({"people": people})

    async def messages(self, request: Request) -> JSONResponse:
        """One phone's conversation: what it sent and what reached it, oldest first."""
        address = request.query_params.get("address", "")
        async with self.db.reading() as repos:
            sent = await repos.inbox.for_address(Channel.SMS.value, address)
            received = await repos.outbox.for_address(Channel.SMS.value, address)
        items: list[dict[str, Any]] = [{"dir": "in", "at": at, "text": text} for at, text in sent]
        for row in received:
            if row.status in ("queued", "sending"):
                continue  # not on the phone yet
            text = render_sms(row.body, [RenderedChoice(c["key"], c["label"]) for c in row.choices])
            items.append({"dir": "out", "at": row.created_at, "text": text, "status": row.status})
        items.sort(key=lambda item: str(item["at"]))
        return JSONResponse({"messages": items})

    async def send(self, request: Request) -> JSONResponse:
        """Take a message typed on the page as if the phone had sent an SMS."""
        try:
            body = await request.json()
            address = str(body["address"])
            text = str(body["text"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "send JSON with 'address' and 'text'"}, status_code=400)
        if not text.strip() or len(text) > MAX_TEXT:
            return JSONResponse(
                {"error": f"a message needs 1 to {MAX_TEXT} characters"}, status_code=400
            )
        form = {"MessageSid": f"SIM{uuid.uuid4().hex}", "From": address, "Body": text}
        inbound = parse_inbound(form, self.clock())
        assert inbound is not None
        await self.accept(inbound)
        return JSONResponse({"stored": True})
