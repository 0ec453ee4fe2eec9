"""End to end: the running HTTP app, signed Twilio webhooks, and a fake Twilio API."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

from bot.admin.importer import import_families, import_staff
from bot.app import build, production_senders
from bot.web import create_app
from tests.fakes.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FakeTwilio,
    running_fake_twilio,
    serve_app,
)
from tests.harness import DATA, LAURA, TOM, RunningClock, settings_for

FROM = "+447700900999"


@asynccontextmanager
async def running_keyperson(tmp_path: Path, fake: FakeTwilio) -> AsyncIterator[str]:
    """`keyperson serve`'s app on a free loopback port; yields its public URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    public = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = settings_for(
        tmp_path,
        public_url=public,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_from_number=FROM,
        twilio_api_url=fake.url,
    )

    async def factory():  # the same wiring as `keyperson serve`, test families imported
        keyperson = await build(settings, production_senders(settings), RunningClock())
        await import_staff(keyperson.db, keyperson.setting_id, DATA / "staff.csv", "GB")
        await import_families(
            keyperson.db, keyperson.setting_id, DATA / "families.csv", "GB", now=keyperson.clock()
        )
        return keyperson

    async with serve_app(create_app(factory), lifespan="on", sock=sock):
        yield public


def signed(public: str, path: str, form: dict[str, str], token: str = AUTH_TOKEN) -> dict:
    signature = RequestValidator(token).compute_signature(public + path, form)
    return {"data": form, "headers": {"X-Twilio-Signature": signature}}


def inbound_form(sid: str, sender: str, body: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": FROM,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
    }


async def test_sms_end_to_end(tmp_path):
    async with running_fake_twilio() as fake, running_keyperson(tmp_path, fake) as public:
        async with httpx.AsyncClient(base_url=public) as http:
            health = await http.get("/healthz")
            assert health.status_code == 200 and health.json()["status"] == "ok"

            path = "/webhooks/twilio/sms"
            form = inbound_form("SM" + "a" * 32, LAURA, "Hi")
            unsigned = await http.post(path, data=form)
            assert unsigned.status_code == 403
            forged = await http.post(path, **signed(public, path, form, token="wrong"))
            assert forged.status_code == 403

            ok = await http.post(path, **signed(public, path, form))
            assert ok.status_code == 200
            assert ok.headers["content-type"].startswith("text/xml")
            assert "<Response/>" in ok.text
            again = await http.post(path, **signed(public, path, form))  # Twilio retried
            assert again.status_code == 200
            (welcome,) = await fake.wait_for(1)
            assert welcome["To"] == LAURA and "Amelia" in welcome["Body"]
            assert welcome["StatusCallback"] == public + "/webhooks/twilio/status"

            question = inbound_form("SM" + "b" * 32, LAURA, "Did Amelia nap?")
            await http.post(path, **signed(public, path, question))
            sent = await fake.wait_for(3)
            to_tom = next(m for m in sent if m["To"] == TOM)
            code = next(w for w in to_tom["Body"].split() if w.startswith("#"))

            await http.post(path, **signed(public, path, inbound_form("SM" + "c" * 32, TOM, "hi")))
            reply = inbound_form("SM" + "d" * 32, TOM, f"{code} Yes, for an hour")
            await http.post(path, **signed(public, path, reply))
            sent = await fake.wait_for(6)
            answer = [m for m in sent if m["To"] == LAURA][-1]
            assert "Yes, for an hour" in answer["Body"]

            status_path = "/webhooks/twilio/status"
            rows = _sent_rows(tmp_path)
            first_sid, last_sid = rows[0][0], rows[-1][0]
            for status, sid in (("delivered", first_sid), ("sent", first_sid)):
                callback = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID}
                response = await http.post(status_path, **signed(public, status_path, callback))
                assert response.status_code in (200, 204)
            refused = await http.post(
                status_path, data={"MessageSid": sid, "MessageStatus": "read"}
            )
            assert refused.status_code == 403
            failed = {
                "MessageSid": last_sid,
                "MessageStatus": "failed",
                "ErrorCode": "21610",
                "AccountSid": ACCOUNT_SID,
            }
            await http.post(status_path, **signed(public, status_path, failed))
    statuses = {sid: status for sid, status, _ in _sent_rows(tmp_path)}
    assert statuses[first_sid] == "delivered"  # the late "sent" did not move it back
    assert statuses[last_sid] == "failed"
    with sqlite3.connect(tmp_path / "k.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM opt_outs").fetchone()[0] == 1


def _sent_rows(tmp_path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(tmp_path / "k.db") as conn:
        return conn.execute(
            "SELECT provider_id, status, address FROM outbox WHERE provider_id IS NOT NULL "
            "ORDER BY id"
        ).fetchall()
