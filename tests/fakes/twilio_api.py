"""A small fake of Twilio's Messages API, served by uvicorn on loopback inside the test loop."""

from __future__ import annotations

import asyncio
import base64
import math
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-auth-token"
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
DEFAULT_CODES = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}


@dataclass(frozen=True, slots=True)
class Failure:
    """One scripted error answer."""

    status: int
    code: int | None
    retry_after: str | None = None


class FakeTwilio:
    """Answers POST /2010-04-01/Accounts/{sid}/Messages.json the way Twilio does, scriptably.

    `requests` holds every authenticated form posted; `messages` only those accepted (201).
    """

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.url = ""
        self.requests: list[dict[str, str]] = []
        self.messages: list[dict[str, str]] = []
        self.opted_out: set[str] = set()
        self.account_status = "active"  # what GET Accounts/{sid}.json answers
        self._failures: list[Failure] = []
        self._hangs = 0
        self._recorded = asyncio.Event()
        self._release = asyncio.Event()
        self.app = Starlette(
            routes=[
                Route("/2010-04-01/Accounts/{sid}/Messages.json", self._create, methods=["POST"]),
                Route("/2010-04-01/Accounts/{sid}.json", self._account, methods=["GET"]),
            ]
        )

    def fail_next(
        self, status: int, code: int | None = None, times: int = 1, retry_after: str | None = None
    ) -> None:
        """Make the next `times` requests fail with this HTTP status and Twilio error code."""
        code = code if code is not None else DEFAULT_CODES.get(status)
        self._failures.extend([Failure(status, code, retry_after)] * times)

    def hang_next(self) -> None:
        """Make the next request never answer (until the fake shuts down)."""
        self._hangs += 1

    async def wait_for(self, n: int, timeout: float = 5) -> list[dict[str, str]]:  # noqa: ASYNC109
        """Wait until at least `n` messages were accepted, and return them."""
        async with asyncio.timeout(timeout):
            while len(self.messages) < n:
                self._recorded.clear()
                await self._recorded.wait()
        return self.messages

    async def _account(self, request: Request) -> Response:
        """The account resource, as `keyperson serve` fetches it to check its credentials."""
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        if request.path_params["sid"] != self.account_sid:
            return _error(404, 20404, "The requested resource was not found")
        sid = self.account_sid
        return JSONResponse(
            {
                "sid": sid,
                "friendly_name": "Little Acorns test account",
                "status": self.account_status,
                "type": "Full",
                "uri": f"/2010-04-01/Accounts/{sid}.json",
            }
        )

    async def _create(self, request: Request) -> Response:
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        if request.path_params["sid"] != self.account_sid:
            return _error(404, 20404, "The requested resource was not found")
        # Parsed by hand: request.form() needs python-multipart, which the project does not use.
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        self.requests.append(form)
        if self._hangs:
            self._hangs -= 1
            await self._release.wait()
            return Response(status_code=504)
        if self._failures:
            failure = self._failures.pop(0)
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else None
            return _error(failure.status, failure.code, "Scripted failure", headers)
        problem = _missing(form)
        if problem is not None:
            return _error(400, *problem)
        if form["To"] in self.opted_out:
            return _error(400, 21610, "Attempt to send to unsubscribed recipient")
        self.messages.append(form)
        self._recorded.set()
        return JSONResponse(self._message(form), status_code=201)

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    def _message(self, form: dict[str, str]) -> dict[str, Any]:
        sid = "SM" + uuid.uuid4().hex
        now = format_datetime(datetime.now(UTC), usegmt=True)
        base = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}"
        via_service = "From" not in form
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": form["Body"],
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": str(_segments(form["Body"])),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            # Twilio answers "accepted" when a Messaging Service still has to pick the sender.
            "status": "accepted" if via_service else "queued",
            "subresource_uris": {"media": f"{base}/Media.json"},
            "to": form["To"],
            "uri": f"{base}.json",
        }


def _missing(form: dict[str, str]) -> tuple[int, str] | None:
    """Twilio's error code and message for the first required parameter missing."""
    if not form.get("To"):
        return 21604, "A 'To' phone number is required."
    if not (form.get("From") or form.get("MessagingServiceSid")):
        return 21603, "A 'From' phone number is required."
    if not form.get("Body"):
        return 21602, "Message body is required."
    return None


def _error(
    status: int, code: int | None, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A Twilio-style JSON error."""
    more_info = f"https://www.twilio.com/docs/errors/{code}" if code else None
    payload = {"code": code, "message": message, "more_info": more_info, "status": status}
    return JSONResponse(payload, status_code=status, headers=headers)


def _segments(body: str) -> int:
    """How many SMS parts a body takes: GSM-7 when every character allows it, else UCS-2."""
    single, part = (160, 153) if set(body) <= GSM_BASIC else (70, 67)
    return 1 if len(body) <= single else math.ceil(len(body) / part)


def free_port() -> int:
    """A loopback port nothing listens on (right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def serve_app(
    app: Any, lifespan: str = "off", sock: socket.socket | None = None
) -> AsyncIterator[str]:
    """Run an ASGI app with uvicorn on loopback in this loop (on `sock`, or a free port);
    yield its base URL."""
    if sock is None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan=lifespan, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.005)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@asynccontextmanager
async def running_fake_twilio(
    account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN
) -> AsyncIterator[FakeTwilio]:
    """A FakeTwilio served on loopback; `.url` is what TwilioSender takes as api_url."""
    fake = FakeTwilio(account_sid, auth_token)
    async with serve_app(fake.app) as url:
        fake.url = url
        try:
            yield fake
        finally:
            fake._release.set()  # let hung requests finish so uvicorn can shut down
