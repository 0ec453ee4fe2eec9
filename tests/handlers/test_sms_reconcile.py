"""Looking up sends whose outcome is unknown: Twilio's Messages list, by To and DateSent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import SendError
from bot.domain.messages import Address, Channel, Outbound, RenderedChoice
from bot.handlers.sms.send import TwilioSender
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, running_fake_twilio

FROM = "+447700900999"
LAURA = "+447700900123"
TOM = "+447700900124"
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def fake(clock: Clock) -> AsyncIterator[FakeTwilio]:
    async with running_fake_twilio(clock=clock) as fake:
        yield fake


@pytest.fixture
async def sender(fake: FakeTwilio) -> AsyncIterator[TwilioSender]:
    made = TwilioSender(
        ACCOUNT_SID,
        AUTH_TOKEN,
        from_number=FROM,
        messaging_service_sid=None,
        status_callback_url=None,
        api_url=fake.url,
        timeout=2.0,
    )
    yield made
    await made.close()


def message(body: str = "Amelia ate well", to: str = LAURA, outbox_id: int = 1) -> Outbound:
    return Outbound(outbox_id, Address(Channel.SMS, to), body)


async def test_a_dropped_answer_is_found_by_the_lookup(fake, sender, clock):
    fake.drop_next(created=True)
    with pytest.raises(SendError) as raised:
        await sender.send(message())
    assert raised.value.unknown and not raised.value.retryable
    (found,) = await sender.find_sent(message(), NOW)
    assert found.provider_id == fake.created[0]["sid"] and found.status == "sent"
    query = fake.lists[-1]
    assert query["To"] == LAURA and query["DateSent>"] == "2026-11-24"


async def test_a_dropped_request_that_never_arrived_finds_nothing(fake, sender):
    fake.drop_next(created=False)
    with pytest.raises(SendError):
        await sender.send(message())
    assert await sender.find_sent(message(), NOW) == []


async def test_only_this_body_to_this_number_since_the_send_matches(fake, sender, clock):
    await sender.send(message("Amelia ate well"))  # the same words, the day before
    clock.now = NOW + timedelta(days=1)
    await sender.send(message("Something else"))
    await sender.send(message("Amelia ate well", to=TOM))
    await sender.send(message("Amelia ate well"))
    found = await sender.find_sent(message(), NOW + timedelta(days=1))
    assert [f.provider_id for f in found] == [fake.created[-1]["sid"]]


async def test_choices_are_matched_as_they_were_sent(fake, sender):
    offered = (RenderedChoice("yes", "Yes"), RenderedChoice("no", "No"))
    sent = Outbound(1, Address(Channel.SMS, LAURA), "Coming?", offered)
    await sender.send(sent)
    assert len(await sender.find_sent(sent, NOW)) == 1


async def test_the_oldest_of_many_sends_that_day_is_found(fake, sender, clock):
    for n in range(60):  # more than the list's default page of 50
        clock.now = NOW + timedelta(seconds=n)
        await sender.send(message(f"Update {n}"))
    found = await sender.find_sent(message("Update 0"), NOW)
    assert [f.provider_id for f in found] == [fake.created[0]["sid"]]


async def test_a_failed_lookup_is_a_send_error(fake, sender):
    fake.fail_list_next(500)
    with pytest.raises(SendError) as raised:
        await sender.find_sent(message(), NOW)
    assert raised.value.retryable
