"""A small fake of Twilio's Messages API, served by uvicorn on loopback inside the test loop.

It creates messages (POST Messages.json) and lists them (GET Messages.json, filtered by To,
From and DateSent as the API spec in ../shared/external/twilio/ describes, paged), and can be
told to fail, hang, or drop the connection after reading a request (with or without having
created the message), as a real network can.
"""

from __future__ import annotations

import asyncio
import base64
import math
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

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

    def __init__(
        self,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.clock = clock
        self.url = ""
        self.requests: list[dict[str, str]] = []
        self.messages: list[dict[str, str]] = []
        self.created: list[dict[str, Any]] = []  # the Message resources, as the list returns them
        self.lists: list[dict[str, str]] = []  # the query of every list request
        self.opted_out: set[str] = set()
        self.account_status = "active"  # what GET Accounts/{sid}.json answers
        self._failures: list[Failure] = []
        self._list_failures: list[Failure] = []
        self._hangs = 0
        self._drops: list[bool] = []
        self._recorded = asyncio.Event()
        self._release = asyncio.Event()
        self.app = Starlette(
            routes=[
                Route(
                    "/2010-04-01/Accounts/{sid}/Messages.json",
                    self._messages,
                    methods=["GET", "POST"],
                ),
                Route("/2010-04-01/Accounts/{sid}.json", self._account, methods=["GET"]),
            ]
        )

    def fail_next(
        self, status: int, code: int | None = None, times: int = 1, retry_after: str | None = None
    ) -> None:
        """Make the next `times` requests fail with this HTTP status and Twilio error code."""
        code = code if code is not None else DEFAULT_CODES.get(status)
        self._failures.extend([Failure(status, code, retry_after)] * times)

    def hang_next(self, times: int = 1) -> None:
        """Make the next request never answer (until the fake shuts down)."""
        self._hangs += times

    def drop_next(self, created: bool, times: int = 1) -> None:
        """Make the next create requests lose their connection mid-answer, after creating the
        message (`created`) or before: either way the sender cannot know which."""
        self._drops.extend([created] * times)

    def fail_list_next(self, status: int, times: int = 1) -> None:
        """Make the next list requests fail with this HTTP status."""
        self._list_failures.extend([Failure(status, DEFAULT_CODES.get(status))] * times)

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

    async def _messages(self, request: Request) -> Response:
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        if request.path_params["sid"] != self.account_sid:
            return _error(404, 20404, "The requested resource was not found")
        if request.method == "GET":
            return self._list(request)
        return await self._create(request)

    async def _create(self, request: Request) -> Response:
        # Parsed by hand: request.form() needs python-multipart, which the project does not use.
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        self.requests.append(form)
        if self._hangs:
            self._hangs -= 1
            await self._release.wait()
            return Response(status_code=504)
        if self._drops:
            if self._drops.pop(0) and _missing(form) is None and form["To"] not in self.opted_out:
                self._accept(form)
            return _Dropped()
        if self._failures:
            failure = self._failures.pop(0)
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else None
            return _error(failure.status, failure.code, "Scripted failure", headers)
        problem = _missing(form)
        if problem is not None:
            return _error(400, *problem)
        if form["To"] in self.opted_out:
            return _error(400, 21610, "Attempt to send to unsubscribed recipient")
        return JSONResponse(self._accept(form), status_code=201)

    def _accept(self, form: dict[str, str]) -> dict[str, Any]:
        """Create the message: listed from now on (the fake sends at once, so it has a
        date_sent), and counted in `messages`."""
        message = self._message(form)
        self.messages.append(form)
        listed = {**message, "status": "sent", "date_sent": message["date_created"]}
        self.created.append(listed)
        self._recorded.set()
        return message

    def _list(self, request: Request) -> Response:
        """GET Messages.json: newest first, filtered by To, From and DateSent, paged."""
        query = dict(request.query_params)
        self.lists.append(query)
        if self._list_failures:
            failure = self._list_failures.pop(0)
            return _error(failure.status, failure.code, "Scripted failure")
        found = [m for m in reversed(self.created) if _matches(m, query)]
        size = max(1, min(1000, int(query.get("PageSize") or 50)))
        page = max(0, int(query.get("Page") or 0))
        items = found[page * size : (page + 1) * size]
        base = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        keep = {k: v for k, v in query.items() if k not in ("Page", "PageToken", "PageSize")}

        def uri(number: int) -> str:
            params = {**keep, "PageSize": size, "Page": number}
            if number:
                params["PageToken"] = f"PA{number}"
            return f"{base}?{urlencode(params)}"

        more = (page + 1) * size < len(found)
        return JSONResponse(
            {
                "messages": items,
                "end": page * size + max(0, len(items) - 1),
                "first_page_uri": uri(0),
                "next_page_uri": uri(page + 1) if more else None,
                "previous_page_uri": uri(page - 1) if page else None,
                "page": page,
                "page_size": size,
                "start": page * size,
                "uri": uri(page),
            }
        )

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    def _message(self, form: dict[str, str]) -> dict[str, Any]:
        sid = "SM" + uuid.uuid4().hex
        now = format_datetime(self.clock().astimezone(UTC), usegmt=True)
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


class _Dropped(Response):
    """Starts a 201 answer, then loses the connection before its body."""

    def __init__(self) -> None:
        super().__init__(status_code=201)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"4096")]
        await send({"type": "http.response.start", "status": 201, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"sid": "SM', "more_body": True})
        raise ConnectionAbortedError("the fake dropped the connection on purpose")


def _matches(message: dict[str, Any], query: dict[str, str]) -> bool:
    """Whether a message passes the list filters (To, From, DateSent, DateSent<, DateSent>)."""
    if "To" in query and message["to"] != query["To"]:
        return False
    if "From" in query and message["from"] != query["From"]:
        return False
    sent = message["date_sent"]
    day = parsedate_to_datetime(sent).date().isoformat() if sent else None
    for name, keep in (
        ("DateSent", lambda d, v: d == v),
        ("DateSent<", lambda d, v: d <= v),
        ("DateSent>", lambda d, v: d >= v),
    ):
        if name in query and (day is None or not keep(day, query[name][:10])):
            return False
    return True


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


class QuickServer(uvicorn.Server):
    """uvicorn for tests: its main loop looks for `should_exit` every `tick_s` rather than every
    0.1 s, and its shutdown waits for open connections by the same tick rather than a fixed
    0.1 s pause, so that a fake stops in milliseconds (a suite starts and stops many)."""

    def __init__(self, config: uvicorn.Config, tick_s: float = 0.005) -> None:
        super().__init__(config)
        self.tick_s = tick_s

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            await asyncio.sleep(self.tick_s)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        # Idle keep-alive connections close at once; a request in flight is let finish.
        while self.server_state.connections or self.server_state.tasks:  # noqa: ASYNC110 (uvicorn has no event for it)
            await asyncio.sleep(self.tick_s)
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


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
    server = QuickServer(config)
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
    account_sid: str = ACCOUNT_SID,
    auth_token: str = AUTH_TOKEN,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> AsyncIterator[FakeTwilio]:
    """A FakeTwilio served on loopback; `.url` is what TwilioSender takes as api_url."""
    fake = FakeTwilio(account_sid, auth_token, clock)
    async with serve_app(fake.app) as url:
        fake.url = url
        try:
            yield fake
        finally:
            fake._release.set()  # let hung requests finish so uvicorn can shut down
