"""The bare baseline for bench/inbound.py: Starlette + signature check + one SQLite transaction.

Run as `python bench/baseline_app.py DB PORT TOKEN PUBLIC_URL`; it answers each signed webhook
after inserting one row in its own BEGIN IMMEDIATE transaction (WAL, synchronous=FULL).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import aiosqlite
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def make_app(db_path: str, token: str, public_url: str) -> Starlette:
    """The baseline app."""
    validator = RequestValidator(token)
    state: dict[str, aiosqlite.Connection] = {}
    lock = asyncio.Lock()

    async def sms(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        url = public_url + request.url.path
        if not validator.validate(url, form, request.headers.get("X-Twilio-Signature", "")):
            return Response("forbidden", status_code=403)
        conn = state["db"]
        async with lock:
            await conn.execute("BEGIN IMMEDIATE")
            await conn.execute(
                "INSERT OR IGNORE INTO inbound (sid, sender, body) VALUES (?, ?, ?)",
                (form["MessageSid"], form["From"], form.get("Body", "")),
            )
            await conn.execute("COMMIT")
        return Response(TWIML, media_type="text/xml")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        conn = await aiosqlite.connect(db_path, isolation_level=None)
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=FULL")
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS inbound (sid TEXT PRIMARY KEY, sender TEXT, body TEXT)"
        )
        state["db"] = conn
        yield
        await conn.close()

    return Starlette(
        routes=[Route("/webhooks/twilio/sms", sms, methods=["POST"])], lifespan=lifespan
    )


if __name__ == "__main__":
    db, port, token, public = sys.argv[1:5]
    uvicorn.run(
        make_app(db, token, public),
        host="127.0.0.1",
        port=int(port),
        log_level="warning",
        access_log=False,
    )
