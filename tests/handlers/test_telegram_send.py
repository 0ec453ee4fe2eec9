"""TelegramSender through a real telegram.Bot against the fake Bot API on loopback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import telegram
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from bot.domain.errors import SendError
from bot.domain.messages import Address, Channel, ChoiceStyle, Outbound, RenderedChoice
from bot.handlers.telegram.parse import Press
from bot.handlers.telegram.send import TelegramSender, classify
from tests.fakes.telegram_api import (
    TOKEN,
    FakeTelegram,
    fake_telegram,
    serve_fake_telegram,
)
from tests.fakes.twilio_api import free_port

CHAT = 1111111
STAFF_CHAT = 2222222
COMMANDS = (("today", "Today's children"), ("reply", "Answer a family"))


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    fake = fake_telegram(TOKEN)
    async with serve_fake_telegram(fake):
        yield fake


def make_bot(url: str, timeout: float = 2.0) -> telegram.Bot:
    request = HTTPXRequest(connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout)
    return telegram.Bot(TOKEN, base_url=f"{url}/bot", request=request)


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[telegram.Bot]:
    bot = make_bot(fake.url)
    await bot.initialize()
    yield bot
    await bot.shutdown()


@pytest.fixture
def sender(bot: telegram.Bot) -> TelegramSender:
    return TelegramSender(bot, chat_gap_s=0.0, staff_commands=COMMANDS)


def outbound(
    body: str = "Can you come on Friday?",
    choices: tuple[RenderedChoice, ...] = (
        RenderedChoice("yes", "Yes"),
        RenderedChoice("no", "No"),
    ),
    chat: int = CHAT,
    recipient_kind: str | None = "carer",
) -> Outbound:
    return Outbound(
        outbox_id=7,
        address=Address(Channel.TELEGRAM, str(chat)),
        body=body,
        choices=choices,
        recipient_kind=recipient_kind,
    )


async def failure(sender: TelegramSender, message: Outbound | None = None) -> SendError:
    with pytest.raises(SendError) as caught:
        await sender.send(message or outbound())
    return caught.value


async def test_bot_initialises_against_the_fake(fake: FakeTelegram, bot: telegram.Bot) -> None:
    assert bot.username == "KeypersonTestBot" and bot.id == 999
    assert [name for name, _ in fake.calls] == ["getMe"]


async def test_send_posts_text_and_inline_keyboard(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    assert sender.channel is Channel.TELEGRAM and sender.rate_per_s == 30.0
    result = await sender.send(outbound())
    (sent,) = fake.sent_to(CHAT)
    assert sent == {
        "chat_id": CHAT,
        "text": "Can you come on Friday?",
        "reply_markup": {
            "inline_keyboard": [
                [{"text": "Yes", "callback_data": "yes"}],
                [{"text": "No", "callback_data": "no"}],
            ]
        },
    }
    assert result.provider_id == f"{CHAT}:1" and result.status == "sent"


async def test_plain_message_removes_any_keyboard(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    await sender.send(outbound("Thank you", choices=()))
    (sent,) = fake.sent_to(CHAT)
    assert sent["reply_markup"] == {"remove_keyboard": True}


async def test_contact_request_keyboard(fake: FakeTelegram, sender: TelegramSender) -> None:
    share = RenderedChoice("share", "Share my phone number", ChoiceStyle.CONTACT)
    await sender.send(outbound("Welcome", choices=(share,)))
    (sent,) = fake.sent_to(CHAT)
    assert sent["reply_markup"]["keyboard"] == [
        [{"text": "Share my phone number", "request_contact": True}]
    ]


async def test_long_message_goes_as_several_with_the_keyboard_last(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    body = "\n\n".join(f"Paragraph {n}. " + "All went well today. " * 60 for n in range(8))
    result = await sender.send(outbound(body))
    sent = fake.sent_to(CHAT)
    assert len(sent) >= 3
    assert all(len(s["text"]) <= 4096 for s in sent)
    assert all(s["reply_markup"] == {"remove_keyboard": True} for s in sent[:-1])
    assert "inline_keyboard" in sent[-1]["reply_markup"]
    assert result.provider_id == f"{CHAT}:{len(sent)}"  # the last part's message id


async def test_staff_commands_are_set_once_per_chat(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    for _ in range(3):
        await sender.send(outbound(chat=STAFF_CHAT, recipient_kind="staff"))
    await sender.send(outbound(chat=CHAT, recipient_kind="carer"))
    (call,) = fake.called("setMyCommands")
    assert call["scope"] == {"type": "chat", "chat_id": STAFF_CHAT}
    assert call["commands"] == [
        {"command": "today", "description": "Today's children"},
        {"command": "reply", "description": "Answer a family"},
    ]
    methods = [name for name, _ in fake.calls]
    assert methods.index("setMyCommands") < methods.index("sendMessage")
    assert len(fake.sent_to(STAFF_CHAT)) == 3


async def test_failing_staff_commands_do_not_stop_the_message(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    fake.fail_next("setMyCommands", 400, "Bad Request: BOT_COMMAND_INVALID")
    await sender.send(outbound(chat=STAFF_CHAT, recipient_kind="staff"))
    await sender.send(outbound(chat=STAFF_CHAT, recipient_kind="staff"))
    assert len(fake.called("setMyCommands")) == 2  # tried again after the failure
    assert len(fake.sent_to(STAFF_CHAT)) == 2


async def test_no_staff_commands_configured(fake: FakeTelegram, bot: telegram.Bot) -> None:
    await TelegramSender(bot, chat_gap_s=0).send(outbound(recipient_kind="staff"))
    assert fake.called("setMyCommands") == []


async def test_set_commands_for_a_language(fake: FakeTelegram, sender: TelegramSender) -> None:
    await sender.set_commands([("help", "Pomoc")], language="pl")
    (call,) = fake.called("setMyCommands")
    assert call["language_code"] == "pl" and "scope" not in call


# PTB's own RetryAfter constructor reads its deprecated int attribute, and warns.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_is_retryable_after_the_given_wait(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    error = await failure(sender)
    assert error.retryable and not error.unknown
    assert error.retry_after == 3.0 and error.code == "429"
    assert (await sender.send(outbound())).provider_id == f"{CHAT}:1"


async def test_blocked_bot_is_unreachable(fake: FakeTelegram, sender: TelegramSender) -> None:
    fake.blocked_chats.add(CHAT)
    error = await failure(sender)
    assert not error.retryable and error.unreachable and error.code == "403"
    assert "blocked" in error.reason and str(CHAT) not in error.reason


async def test_chat_not_found_is_unreachable(fake: FakeTelegram, sender: TelegramSender) -> None:
    fake.fail_next("sendMessage", 400, "Bad Request: chat not found")
    error = await failure(sender)
    assert not error.retryable and error.unreachable and error.code == "400"


async def test_other_bad_request_is_permanent(fake: FakeTelegram, sender: TelegramSender) -> None:
    fake.fail_next("sendMessage", 400, "Bad Request: can't parse entities")
    error = await failure(sender)
    assert not error.retryable and not error.unreachable and not error.unknown


async def test_server_error_is_retryable(fake: FakeTelegram, sender: TelegramSender) -> None:
    fake.fail_next("sendMessage", 502, "Bad Gateway")
    error = await failure(sender)
    assert error.retryable and not error.unknown


async def test_closed_port_is_retryable() -> None:
    bot = make_bot(f"http://127.0.0.1:{free_port()}", timeout=1.0)
    try:
        error = await failure(TelegramSender(bot, chat_gap_s=0))
    finally:
        await bot.shutdown()
    assert error.retryable and not error.unknown and error.code == "network"


async def test_no_answer_after_sending_is_unknown(fake: FakeTelegram) -> None:
    fake.hang_next("sendMessage")
    bot = make_bot(fake.url, timeout=0.3)
    try:
        error = await failure(TelegramSender(bot, chat_gap_s=0))
    finally:
        await bot.shutdown()
    assert error.unknown and not error.retryable
    assert len(fake.called("sendMessage")) == 1


async def test_failure_after_the_first_part_is_unknown(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    body = "First part. " * 400 + "\n\n" + "Second part. " * 100
    fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", after=1)
    error = await failure(sender, outbound(body))
    assert len(fake.sent_to(CHAT)) == 1 and len(fake.called("sendMessage")) == 2
    assert error.unknown and not error.retryable  # the first part was delivered: no resend


async def test_an_address_that_is_not_a_chat_id_is_permanent(sender: TelegramSender) -> None:
    message = Outbound(7, Address(Channel.TELEGRAM, "+447700900123"), "Hello")
    error = await failure(sender, message)
    assert not error.retryable and error.unreachable


async def test_sends_to_one_chat_are_spaced(fake: FakeTelegram, bot: telegram.Bot) -> None:
    sender = TelegramSender(bot, chat_gap_s=0.15)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(sender.send(outbound()) for _ in range(3)))
    await sender.send(outbound(chat=STAFF_CHAT))  # another chat does not wait
    assert loop.time() - started >= 0.29
    assert len(fake.sent_to(CHAT)) == 3


async def test_acknowledge_answers_and_edits_out_the_buttons(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    result = await sender.send(outbound())
    assert result.provider_id is not None
    message_id = int(result.provider_id.split(":")[1])
    await sender.acknowledge(Press("cb-1", CHAT, message_id, "Can you come on Friday?", "Yes"))
    (answer,) = fake.called("answerCallbackQuery")
    assert answer == {"callback_query_id": "cb-1"}
    (edit,) = fake.called("editMessageText")
    assert edit == {
        "chat_id": CHAT,
        "message_id": message_id,
        "text": "Can you come on Friday?\n\n✓ Yes",
    }
    assert "reply_markup" not in fake.messages[(CHAT, message_id)]


async def test_acknowledge_without_a_message_only_answers(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    await sender.acknowledge(Press("cb-2", None, None, "", ""))
    assert [name for name, _ in fake.calls[1:]] == ["answerCallbackQuery"]


async def test_acknowledge_swallows_errors(fake: FakeTelegram, sender: TelegramSender) -> None:
    fake.fail_next("answerCallbackQuery", 400, "Bad Request: query is too old")
    await sender.acknowledge(Press("cb-3", CHAT, 12345, "Old", "Yes"))  # no such message either
    assert len(fake.called("editMessageText")) == 1


async def test_acknowledge_twice_is_fine(fake: FakeTelegram, sender: TelegramSender) -> None:
    await sender.send(outbound())
    press = Press("cb-4", CHAT, 1, "Can you come on Friday?", "Yes")
    await sender.acknowledge(press)
    await sender.acknowledge(press)  # the fake answers "message is not modified"
    assert len(fake.called("editMessageText")) == 2
    assert fake.messages[(CHAT, 1)]["text"] == "Can you come on Friday?\n\n✓ Yes"


async def test_logs_hold_ids_but_no_text(
    fake: FakeTelegram, sender: TelegramSender, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.handlers")
    await sender.send(outbound("Amelia had a lovely day", recipient_kind="staff"))
    fake.fail_next("editMessageText", 400, "Bad Request: can't edit 'Amelia had a lovely day'")
    await sender.acknowledge(Press("cb-5", CHAT, 1, "Amelia had a lovely day", "Yes"))
    assert "outbox 7" in caplog.text and "message 1 not edited" in caplog.text
    assert "Amelia" not in caplog.text and "Yes" not in caplog.text


async def test_fake_get_updates_confirms_by_offset(fake: FakeTelegram, bot: telegram.Bot) -> None:
    first, second = (fixture_update(n) for n in (40, 41))
    fake.queue_update(first)
    fake.queue_update(second)
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [40, 41]
    assert [u.update_id for u in await bot.get_updates(offset=41)] == [41]
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(offset=42, timeout=10) == ()  # waits at most briefly
    assert loop.time() - started < 1.0
    assert fake.offsets == [None, 41, 42]


async def test_fake_answers_webhook_calls(fake: FakeTelegram, bot: telegram.Bot) -> None:
    assert await bot.set_webhook("https://keyperson.example/webhooks/telegram", secret_token="s")
    assert await bot.delete_webhook()
    (call,) = fake.called("setWebhook")
    assert call["url"] == "https://keyperson.example/webhooks/telegram"


def fixture_update(update_id: int) -> dict[str, Any]:
    chat = {"id": CHAT, "type": "private", "first_name": "Laura"}
    user = {"id": CHAT, "is_bot": False, "first_name": "Laura"}
    message = {"message_id": update_id, "date": 1, "chat": chat, "from": user, "text": "Hi"}
    return {"update_id": update_id, "message": message}


async def test_close_does_not_shut_the_bot_down(bot: telegram.Bot, sender: TelegramSender) -> None:
    await sender.close()
    assert (await bot.get_me()).id == 999


async def test_wrong_token_is_permanent(fake: FakeTelegram) -> None:
    bot = telegram.Bot("999:wrong", base_url=f"{fake.url}/bot")
    try:
        error = await failure(TelegramSender(bot, chat_gap_s=0))
    finally:
        await bot.shutdown()
    assert not error.retryable and not error.unknown


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (Forbidden("Forbidden: user is deactivated"), {"retryable": False, "unreachable": True}),
        (BadRequest("Bad Request: user is deactivated"), {"unreachable": True, "code": "400"}),
        (
            BadRequest("Bad Request: message is too long"),
            {"retryable": False, "unreachable": False},
        ),
        (NetworkError("Bad Gateway"), {"retryable": True, "unknown": False, "code": "network"}),
        (TimedOut(), {"retryable": False, "unknown": True}),
        (TelegramError("Conflict"), {"retryable": False, "unknown": False}),
        (RuntimeError("boom"), {"retryable": False, "unknown": True}),
    ],
)
def test_classify(error: BaseException, expected: dict[str, Any]) -> None:
    classified = classify(error)
    for name, value in expected.items():
        assert getattr(classified, name) == value, name


# PTB's own RetryAfter constructor reads its deprecated int attribute, and warns.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize(("wait", "seconds"), [(5, 5.0), (timedelta(seconds=1.5), 1.5)])
def test_classify_retry_after_as_int_or_timedelta(wait: int | timedelta, seconds: float) -> None:
    classified = classify(RetryAfter(wait))
    assert classified.retryable and classified.retry_after == seconds and classified.code == "429"


@pytest.mark.parametrize(
    ("cause", "retryable", "unknown"),
    [
        (httpx.ConnectTimeout("connect"), True, False),
        (httpx.PoolTimeout("pool"), True, False),
        (httpx.ReadTimeout("read"), False, True),
        (httpx.WriteTimeout("write"), False, True),
    ],
)
def test_timeouts_by_whether_the_request_left(
    cause: BaseException, retryable: bool, unknown: bool
) -> None:
    try:
        raise TimedOut() from cause
    except TimedOut as error:
        classified = classify(error)
    assert (classified.retryable, classified.unknown) == (retryable, unknown)


@pytest.mark.parametrize(
    ("cause", "retryable", "unknown"),
    [
        (httpx.ConnectError("refused"), True, False),
        (httpx.ReadError("reset"), False, True),
        (httpx.RemoteProtocolError("disconnected"), False, True),
    ],
)
def test_network_errors_by_whether_the_request_left(
    cause: BaseException, retryable: bool, unknown: bool
) -> None:
    try:
        raise NetworkError("httpx error") from cause
    except NetworkError as error:
        classified = classify(error)
    assert (classified.retryable, classified.unknown) == (retryable, unknown)


async def test_a_photo_goes_first_by_its_file_id_then_the_words(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    import dataclasses

    message = dataclasses.replace(outbound("Sandcastles today!", ()), photo="AgACAgQAAx0")
    result = await sender.send(message)
    (photo,) = fake.photos
    assert photo["photo"] == "AgACAgQAAx0" and photo["chat_id"] == CHAT
    (words,) = fake.sent_to(CHAT)
    assert words["text"] == "Sandcastles today!"
    assert result.provider_id is not None and result.provider_id.endswith(":2")


async def test_a_refused_photo_is_classified(fake: FakeTelegram, sender: TelegramSender) -> None:
    import dataclasses

    fake.blocked_chats.add(CHAT)
    message = dataclasses.replace(outbound("Sandcastles today!", ()), photo="AgACAgQAAx0")
    error = await failure(sender, message)
    assert error.unreachable and not fake.sent_to(CHAT)
