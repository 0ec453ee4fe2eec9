"""X-Twilio-Signature checks: the SDK's vectors, and the webhooks refusing what is not Twilio's."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.datastructures import ImmutableMultiDict
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from bot.domain.messages import Inbound, InboundKind
from bot.handlers.sms.webhook import EMPTY_TWIML, SmsWebhook, signature_valid, webhook_url

EXTERNAL = Path(__file__).resolve().parents[3] / "shared" / "external" / "twilio"
assert EXTERNAL.is_dir(), f"missing {EXTERNAL}: the shared folder must sit beside the repo"
VECTORS = json.loads((EXTERNAL / "signature-vectors.json").read_text("utf-8"))["vectors"]
EXAMPLES = json.loads((EXTERNAL / "webhook-examples.json").read_text("utf-8"))
INBOUND = EXAMPLES["inbound_message_webhook"]["examples"]
STATUS = EXAMPLES["status_callback"]["examples"]
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
PUBLIC_URL = "https://example.com"
TOKEN = "12345"


def vector_params(vector: dict[str, Any]) -> Any:
    """A vector's posted fields (a multi-dict when names repeat) or its JSON body."""
    if vector["kind"] == "json_body":
        return vector["body"]
    if isinstance(vector["params"], list):
        return ImmutableMultiDict([tuple(pair) for pair in vector["params"]])
    return vector["params"]


def by_id(items: list[dict[str, Any]]) -> list[Any]:
    return [pytest.param(item, id=item["id"]) for item in items]


@pytest.mark.parametrize("vector", by_id(VECTORS))
def test_every_vector_gives_the_recorded_python_result(vector: dict[str, Any]) -> None:
    recorded = vector["twilio_python_validate_result"]
    expected = recorded if isinstance(recorded, bool) else False
    assert recorded in (True, False, "raises TypeError")
    got = signature_valid(
        vector["auth_token"], vector["url"], vector_params(vector), vector["signature"]
    )
    assert got is expected


def test_raw_apostrophe_in_url_is_rejected_but_its_escaped_form_accepted() -> None:
    raw, escaped = (v for v in VECTORS if "Body=It" in v["url"])
    assert "'" in raw["url"] and "%27" in escaped["url"]
    assert raw["signature"] == escaped["signature"]
    assert not signature_valid(TOKEN, raw["url"], raw["params"], raw["signature"])
    assert signature_valid(TOKEN, escaped["url"], escaped["params"], escaped["signature"])


def test_json_body_without_body_hash_is_false_not_an_exception() -> None:
    (vector,) = (v for v in VECTORS if v["twilio_python_validate_result"] == "raises TypeError")
    with pytest.raises(TypeError):
        RequestValidator(TOKEN).validate(vector["url"], vector["body"], vector["signature"])
    assert signature_valid(TOKEN, vector["url"], vector["body"], vector["signature"]) is False


@pytest.mark.parametrize("signature", [None, ""])
def test_missing_signature_is_invalid(signature: str | None) -> None:
    vector = VECTORS[0]
    assert not signature_valid(TOKEN, vector["url"], vector["params"], signature)


@pytest.mark.parametrize(
    ("public", "path", "query", "url"),
    [
        ("https://example.com", "/twilio/sms", "", "https://example.com/twilio/sms"),
        ("https://example.com/", "/twilio/sms", "", "https://example.com/twilio/sms"),
        (
            "https://example.com",
            "/twilio/sms",
            "a=1&b=It%27s",
            "https://example.com/twilio/sms?a=1&b=It%27s",
        ),
    ],
)
def test_webhook_url(public: str, path: str, query: str, url: str) -> None:
    assert webhook_url(public, path, query) == url


@dataclass
class Recorder:
    """What the webhook handed to the core."""

    stored: list[Inbound] = field(default_factory=list)
    statuses: list[tuple[str, str, str | None]] = field(default_factory=list)

    async def store(self, inbound: Inbound) -> bool:
        fresh = all(s.external_id != inbound.external_id for s in self.stored)
        if fresh:
            self.stored.append(inbound)
        return fresh

    async def record_status(self, sid: str, status: str, error_code: str | None) -> None:
        self.statuses.append((sid, status, error_code))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def client_for(recorder: Recorder, token: str = TOKEN) -> httpx.AsyncClient:
    """An HTTP client talking to the two webhooks mounted where the examples were signed."""
    hook = SmsWebhook(
        auth_token=token,
        public_url=PUBLIC_URL,
        store=recorder.store,
        record_status=recorder.record_status,
        clock=lambda: NOW,
    )
    app = Starlette(
        routes=[
            Route("/twilio/sms", hook.inbound, methods=["POST"]),
            Route("/twilio/status", hook.status, methods=["POST"]),
        ]
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=PUBLIC_URL)


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(recorder) as client:
        yield client


async def post(
    client: httpx.AsyncClient, example: dict[str, Any], **changes: Any
) -> httpx.Response:
    """POST an example's fields with its signature, optionally changed after signing."""
    signed = example["signature_for_test"]
    assert signed["url"].startswith(PUBLIC_URL) and signed["auth_token"] == TOKEN
    headers = {"X-Twilio-Signature": signed["X-Twilio-Signature"]}
    headers.update(changes.pop("headers", {}))
    headers = {k: v for k, v in headers.items() if v is not None}
    data = {**example["params"], **changes}
    return await client.post(signed["url"].removeprefix(PUBLIC_URL), data=data, headers=headers)


@pytest.mark.parametrize("example", by_id(INBOUND))
async def test_signed_inbound_example_is_stored_and_acknowledged(
    client: httpx.AsyncClient, recorder: Recorder, example: dict[str, Any]
) -> None:
    response = await post(client, example)
    assert response.status_code == 200
    assert response.text == EMPTY_TWIML
    assert response.headers["content-type"].startswith("text/xml")
    (inbound,) = recorder.stored
    params = example["params"]
    assert inbound.external_id == params["MessageSid"]
    assert inbound.address == params["From"]
    assert inbound.text == params["Body"].strip()
    assert inbound.received_at == NOW
    stop = params["Body"] == "STOP"
    assert inbound.kind is (InboundKind.OPT_OUT if stop else InboundKind.MESSAGE)


@pytest.mark.parametrize("example", by_id(STATUS))
async def test_signed_status_example_is_recorded(
    client: httpx.AsyncClient, recorder: Recorder, example: dict[str, Any]
) -> None:
    response = await post(client, example)
    assert response.status_code == 204
    params = example["params"]
    expected = (params["MessageSid"], params["MessageStatus"], params.get("ErrorCode"))
    assert recorder.statuses == [expected]


async def test_redelivery_is_acknowledged_and_stored_once(
    client: httpx.AsyncClient, recorder: Recorder
) -> None:
    first, second = await post(client, INBOUND[0]), await post(client, INBOUND[0])
    assert first.status_code == second.status_code == 200
    assert len(recorder.stored) == 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"Body": "Hello!"}, id="tampered-body"),
        pytest.param({"From": "+14155550101"}, id="tampered-from"),
        pytest.param({"Extra": "1"}, id="added-field"),
        pytest.param({"headers": {"X-Twilio-Signature": None}}, id="missing-header"),
        pytest.param({"headers": {"X-Twilio-Signature": ""}}, id="empty-header"),
        pytest.param({"headers": {"X-Twilio-Signature": "WRONG"}}, id="wrong-header"),
    ],
)
@pytest.mark.parametrize("example", [INBOUND[0], STATUS[0]], ids=["inbound", "status"])
async def test_unsigned_or_tampered_request_is_refused(
    client: httpx.AsyncClient, recorder: Recorder, example: dict[str, Any], change: dict[str, Any]
) -> None:
    response = await post(client, example, **change)
    assert response.status_code == 403
    assert response.text == "forbidden"
    assert recorder.stored == [] and recorder.statuses == []


async def test_wrong_auth_token_is_refused(recorder: Recorder) -> None:
    async with client_for(recorder, token="54321") as client:
        inbound, status = await post(client, INBOUND[0]), await post(client, STATUS[0])
    assert inbound.status_code == status.status_code == 403
    assert recorder.stored == [] and recorder.statuses == []


async def test_signature_covers_the_query_string(
    client: httpx.AsyncClient, recorder: Recorder
) -> None:
    params = INBOUND[0]["params"]
    path = "/twilio/sms?setting=7&note=It%27s"
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + path, params)
    headers = {"X-Twilio-Signature": signature}
    without_query = await client.post("/twilio/sms", data=params, headers=headers)
    assert without_query.status_code == 403
    response = await client.post(path, data=params, headers=headers)
    assert response.status_code == 200
    assert [s.external_id for s in recorder.stored] == [params["MessageSid"]]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/twilio/sms", {"Body": "Hello", "MessageSid": "SM1"}),
        ("/twilio/sms", {"Body": "Hello", "From": "+14155550100"}),
        ("/twilio/status", {"MessageStatus": "sent"}),
        ("/twilio/status", {"MessageSid": "SM1"}),
    ],
)
async def test_signed_but_incomplete_request_is_400(
    client: httpx.AsyncClient, recorder: Recorder, path: str, params: dict[str, str]
) -> None:
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + path, params)
    response = await client.post(path, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 400
    assert recorder.stored == [] and recorder.statuses == []


async def test_a_body_that_is_not_a_form_is_400(
    client: httpx.AsyncClient, recorder: Recorder
) -> None:
    response = await client.post(
        "/twilio/sms", json={"From": "+1"}, headers={"X-Twilio-Signature": "x"}
    )
    assert response.status_code == 400
    assert recorder.stored == []
