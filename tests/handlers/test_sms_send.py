"""TwilioSender through twilio's real client against a fake Messages API on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from bot.domain.errors import SendError
from bot.domain.messages import Address, Channel, Outbound, RenderedChoice
from bot.handlers.sms.webhook import TwilioSender
from tests.fakes.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FakeTwilio,
    free_port,
    running_fake_twilio,
)

FROM = "+447700900999"
SERVICE = "MG" + "1" * 32
CALLBACK = "https://keyperson.example/webhooks/twilio/status"
LAURA = "+447700900123"

MakeSender = Callable[..., TwilioSender]


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    async with running_fake_twilio() as fake:
        yield fake


@pytest.fixture
async def make_sender(fake: FakeTwilio) -> AsyncIterator[MakeSender]:
    """Builds senders pointed at the fake (unless told otherwise) and closes them afterwards."""
    made: list[TwilioSender] = []

    def make(**options: Any) -> TwilioSender:
        settings: dict[str, Any] = {
            "from_number": FROM,
            "messaging_service_sid": None,
            "status_callback_url": CALLBACK,
            "api_url": fake.url,
            "timeout": 5.0,
        }
        settings.update(options)
        token = settings.pop("auth_token", AUTH_TOKEN)
        sender = TwilioSender(ACCOUNT_SID, token, **settings)
        made.append(sender)
        return sender

    yield make
    for sender in made:
        await sender.close()


def outbound(
    to: str = LAURA, body: str = "Can you come on Friday?", n: int = 1, *, choices: bool = True
) -> Outbound:
    labels = (RenderedChoice("yes", "Yes"), RenderedChoice("no", "No")) if choices else ()
    return Outbound(outbox_id=n, address=Address(Channel.SMS, to), body=body, choices=labels)


async def failure(sender: TwilioSender, message: Outbound | None = None) -> SendError:
    with pytest.raises(SendError) as caught:
        await sender.send(message or outbound())
    return caught.value


async def test_send_returns_the_sid_and_the_fake_saw_the_real_request(
    fake: FakeTwilio, make_sender: MakeSender
) -> None:
    sender = make_sender()
    assert sender.channel is Channel.SMS and sender.rate_per_s == 10.0
    result = await sender.send(outbound())
    assert result.provider_id is not None and result.provider_id.startswith("SM")
    assert len(result.provider_id) == 34
    assert result.status == "queued"
    assert fake.messages == [
        {
            "To": LAURA,
            "From": FROM,
            "Body": "Can you come on Friday?\n\n1 Yes\n2 No",
            "StatusCallback": CALLBACK,
        }
    ]


async def test_messaging_service_is_used_without_a_from_number(
    fake: FakeTwilio, make_sender: MakeSender
) -> None:
    sender = make_sender(from_number=None, messaging_service_sid=SERVICE, status_callback_url=None)
    result = await sender.send(outbound())
    assert result.status == "accepted"
    (sent,) = fake.messages
    assert sent["MessagingServiceSid"] == SERVICE
    assert "From" not in sent and "StatusCallback" not in sent


def test_a_sender_needs_a_from_number_or_a_service() -> None:
    with pytest.raises(ValueError):
        TwilioSender(
            ACCOUNT_SID,
            AUTH_TOKEN,
            from_number=None,
            messaging_service_sid=None,
            status_callback_url=None,
        )


async def test_concurrent_sends_all_arrive(fake: FakeTwilio, make_sender: MakeSender) -> None:
    sender = make_sender()
    messages = [outbound(to=f"+4477009001{n:02d}", n=n) for n in range(20)]
    results = await asyncio.gather(*(sender.send(m) for m in messages))
    await fake.wait_for(20)
    assert len({r.provider_id for r in results}) == 20
    assert {m["To"] for m in fake.messages} == {m.address.value for m in messages}


async def test_429_is_retryable_and_honours_retry_after(
    fake: FakeTwilio, make_sender: MakeSender
) -> None:
    fake.fail_next(429, retry_after="7")
    error = await failure(make_sender())
    assert error.retryable and not error.unknown
    assert error.retry_after == 7.0
    assert error.code == "20429"
    assert fake.messages == []


async def test_retry_after_as_an_http_date(fake: FakeTwilio, make_sender: MakeSender) -> None:
    later = datetime.now(UTC) + timedelta(seconds=30)
    fake.fail_next(503, retry_after=format_datetime(later, usegmt=True))
    error = await failure(make_sender())
    assert error.retryable
    assert error.retry_after is not None and 25 < error.retry_after <= 31


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retryable(
    fake: FakeTwilio, make_sender: MakeSender, status: int
) -> None:
    fake.fail_next(status)
    sender = make_sender()
    error = await failure(sender)
    assert error.retryable and not error.unknown and error.retry_after is None
    assert (await sender.send(outbound())).provider_id  # the next one goes through


async def test_opted_out_recipient_is_permanent(fake: FakeTwilio, make_sender: MakeSender) -> None:
    fake.opted_out.add(LAURA)
    error = await failure(make_sender())
    assert not error.retryable and error.opted_out and not error.unreachable
    assert error.code == "21610"


@pytest.mark.parametrize("code", [21211, 21614, 21612, 21408, 21606])
async def test_invalid_or_unreachable_number_is_permanent(
    fake: FakeTwilio, make_sender: MakeSender, code: int
) -> None:
    fake.fail_next(400, code)
    error = await failure(make_sender())
    assert not error.retryable and error.unreachable and not error.opted_out
    assert error.code == str(code)


async def test_other_client_errors_are_permanent(fake: FakeTwilio, make_sender: MakeSender) -> None:
    error = await failure(make_sender(), outbound(body="", choices=False))  # no body and no choices
    assert not error.retryable and not error.opted_out and not error.unreachable
    assert error.code == "21602"


async def test_wrong_credentials_are_permanent(make_sender: MakeSender) -> None:
    error = await failure(make_sender(auth_token="not-the-token"))
    assert not error.retryable and error.code == "20003"


async def test_connection_refused_is_retryable(make_sender: MakeSender) -> None:
    sender = make_sender(api_url=f"http://127.0.0.1:{free_port()}")
    error = await failure(sender)
    assert error.retryable and not error.unknown


async def test_no_answer_after_sending_is_unknown(
    fake: FakeTwilio, make_sender: MakeSender
) -> None:
    fake.hang_next()
    error = await failure(make_sender(timeout=0.5))
    assert error.unknown and not error.retryable
    assert len(fake.requests) == 1 and fake.messages == []


async def test_close_without_sending_and_twice(make_sender: MakeSender) -> None:
    sender = make_sender()
    await sender.close()
    await sender.close()
