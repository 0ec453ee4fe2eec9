"""Logging: KEYPERSON_LOG_LEVEL, and no token, secret, number or message body in any record."""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.admin.importer import import_families, import_staff
from bot.app import build, production_senders, production_telegram
from bot.domain.messages import Address, Channel, Outbound
from bot.engine.effects import Effects
from bot.engine.scheduler import Scheduler
from bot.handlers.startup import check_channels
from bot.language.catalogs import Catalogs
from bot.logs import CHATTY, FORMAT, Redactor, Secrets, configured, secrets_of
from tests.fakes.telegram_api import TOKEN, fake_telegram, serve_fake_telegram
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, running_fake_twilio
from tests.harness import DATA, LAURA, RunningClock, make_keyperson, settings_for, sms

SECRET = "webhook-secret_never-in-a-log"
SMS_BODY = "Is Amelia still coughing after her nap today?"
TELEGRAM_BODY = "Amelia painted a big yellow sun with glitter this morning"
LAURA_CHAT = 447400200001  # as the simulator makes chat ids: the number's digits
# Every form the secrets, Laura's number and the two bodies could take in a log line.
LEAKS = {
    "bot token": TOKEN,
    "bot token's secret part": TOKEN.split(":")[1],
    "webhook secret": SECRET,
    "Twilio auth token": AUTH_TOKEN,
    "Twilio basic auth": base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode(),
    "number, E.164": LAURA,
    "number, national": "07400200001",
    "number as digits": str(LAURA_CHAT),
    "SMS body": "still coughing after her nap",
    "Telegram body": "big yellow sun with glitter",
}


@contextmanager
def captured() -> Iterator[io.StringIO]:
    """Everything the root logger's handlers would write, as text."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


@contextmanager
def debug_without_redaction() -> Iterator[None]:
    """Logging at DEBUG everywhere, as it would be with no redaction at all."""
    names = ["", *CHATTY]
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@dataclass
class Sent:
    sms: list[dict[str, str]]
    telegram: list[dict[str, object]]


async def drive(tmp_path: Path) -> Sent:
    """`serve`'s start-up checks and wiring through the fakes: getMe, the Twilio account,
    setWebhook with its secret, an SMS from Laura relayed to her child's key person by Twilio,
    and a Telegram message to Laura's chat."""
    fake = fake_telegram()
    async with serve_fake_telegram(fake) as url, running_fake_twilio() as twilio:
        settings = settings_for(
            tmp_path,
            public_url="https://keyperson.example",
            telegram_bot_token=TOKEN,
            telegram_webhook_secret=SECRET,
            telegram_api_url=url,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_from_number="+447700900999",
            twilio_api_url=twilio.url,
        )
        await check_channels(settings)
        kp = await build(
            settings,
            production_senders(settings),
            RunningClock(),
            telegram=production_telegram(settings),
        )
        try:
            await import_staff(kp.db, kp.setting_id, DATA / "staff.csv", "GB")
            await import_families(kp.db, kp.setting_id, DATA / "families.csv", "GB", now=kp.clock())
            await kp.start()
            for text in ("Hi", SMS_BODY):  # welcomed first, then relayed to her key person
                await kp.router.accept(sms(LAURA, text))
                await kp.router.drain()
            while not any(SMS_BODY in m["Body"] for m in twilio.messages):
                await twilio.wait_for(len(twilio.messages) + 1)
            assert kp.telegram is not None
            address = Address(Channel.TELEGRAM, str(LAURA_CHAT))
            await kp.telegram.sender.send(Outbound(1, address, TELEGRAM_BODY))
        finally:
            await kp.stop()
        return Sent(list(twilio.messages), list(fake.sent))


def leaks_in(text: str) -> dict[str, str]:
    return {what: value for what, value in LEAKS.items() if value in text}


async def test_at_debug_no_token_secret_number_or_body_is_logged(tmp_path, capfd):
    settings = settings_for(
        tmp_path,
        telegram_bot_token=TOKEN,
        telegram_webhook_secret=SECRET,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
    )
    with captured() as stream, configured("DEBUG", secrets_of(settings)):
        sent = await drive(tmp_path)
    text = stream.getvalue() + "".join(capfd.readouterr())
    # The traffic happened, and was logged at DEBUG by PTB, httpx, aiosqlite and twilio.
    assert any("still coughing after her nap" in m["Body"] for m in sent.sms)
    assert sent.telegram[-1]["text"] == TELEGRAM_BODY
    for logger in ("telegram.ext.ExtBot", "httpx", "httpcore", "aiosqlite", "twilio"):
        assert f" DEBUG {logger}" in text or f" INFO {logger}" in text, logger
    assert "endpoint `setWebhook`" in text and "endpoint `sendMessage`" in text
    assert "[TELEGRAM_BOT_TOKEN]" in text
    assert leaks_in(text) == {}


async def test_without_the_redaction_the_same_debug_logs_leak(tmp_path, capfd):
    # The test above can fail: the same run with plain DEBUG logging holds them.
    with captured() as stream, debug_without_redaction():
        await drive(tmp_path)
    leaked = leaks_in(stream.getvalue() + "".join(capfd.readouterr()))
    assert {"bot token", "webhook secret", "number, E.164", "SMS body", "Telegram body"} <= set(
        leaked
    )


# --- the redactor, record by record ----------------------------------------------------------


def record(name: str, msg: str, *args: object, exc: BaseException | None = None) -> str:
    """The line a record with these parts makes once redacted."""
    redactor = Redactor(
        Secrets(TOKEN, SECRET, ACCOUNT_SID, AUTH_TOKEN),
    )
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    made = logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args or None, exc_info)
    redactor.filter(made)
    return logging.Formatter(FORMAT).format(made)


def test_tokens_and_secrets_are_replaced_by_their_key_names():
    line = record(
        "bot.x",
        "url %s/bot%s/getMe quoted %s secret %s auth %s",
        "https://api.telegram.org",
        TOKEN,
        TOKEN.replace(":", "%3A"),
        SECRET,
        AUTH_TOKEN,
    )
    assert leaks_in(line) == {}
    assert line.count("[TELEGRAM_BOT_TOKEN]") == 2 and "[TELEGRAM_WEBHOOK_SECRET]" in line
    assert "[TWILIO_AUTH_TOKEN]" in line


@pytest.mark.parametrize(
    "number",
    [
        "+447400200001",
        "+44 7400 200001",
        "+44 (0)7400 200001",
        "%2B447400200001",
        "07400 200001",
        "07400-200-001",
        "(020) 7946 0000",
        "0044 7400 200001",
        "447400200001",
        "+48 601 234 567",
        "601 234 567",
    ],
)
def test_phone_numbers_in_every_form_are_replaced(number):
    assert record("bot.x", f"to {number}: sent").endswith("to [phone]: sent")


@pytest.mark.parametrize(
    "kept",
    [
        "outbox 12 accepted as SM0000000000000000000000000000000001",
        "telegram update 843920019 stored",
        "at 2026-11-24T10:00:00.000000Z",
        "uuid 123e4567-e89b-12d3-a456-426614174000",
    ],
)
def test_ids_and_times_are_left_alone(kept):
    assert record("bot.x", kept).endswith(kept)


def test_tracebacks_are_redacted_and_cannot_be_rendered_again():
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected; chat {LAURA}")
    except RuntimeError as error:
        line = record("telegram.ext.Application", "start-up failed", exc=error)
    assert "Traceback" in line and "RuntimeError" in line and leaks_in(line) == {}


def test_other_libraries_payloads_are_shown_by_type_only():
    line = record(
        "telegram.ext.ExtBot",
        "Calling Bot API endpoint `%s` with parameters `%s`",
        "sendMessage",
        {"chat_id": LAURA_CHAT, "text": TELEGRAM_BODY},
    )
    assert line.endswith("Calling Bot API endpoint `sendMessage` with parameters `<dict>`")
    statement = record("aiosqlite", "executing %s", ("INSERT INTO outbox", SMS_BODY))
    assert statement.endswith("executing <tuple>")
    assert record("bot.engine.router", "inbound %s handled", 42).endswith("inbound 42 handled")


def test_configured_puts_logging_back_as_it_was():
    factory = logging.getLogRecordFactory()
    levels = {name: logging.getLogger(name).level for name in ["", *CHATTY]}
    with configured("DEBUG", Secrets(TOKEN)):
        assert logging.getLogRecordFactory() is not factory
        assert logging.getLogger("aiosqlite").level == logging.DEBUG
    assert logging.getLogRecordFactory() is factory
    assert {name: logging.getLogger(name).level for name in ["", *CHATTY]} == levels


# --- the scheduler at INFO -------------------------------------------------------------------


async def test_the_scheduler_is_quiet_at_info_when_it_has_nothing_to_do(tmp_path, caplog):
    keyperson = await make_keyperson(tmp_path)
    profile = keyperson.profile
    ticks = 0
    three = asyncio.Event()

    scheduler = Scheduler(
        keyperson.db,
        Effects(Catalogs.load(), profile),
        profile,
        keyperson.setting_id,
        keyperson.clock,
        lambda: None,
        tick_s=0.05,
    )
    real_tick = scheduler.tick

    async def counted() -> None:
        nonlocal ticks
        await real_tick()
        ticks += 1
        if ticks == 3:
            three.set()

    scheduler.tick = counted  # type: ignore[method-assign]
    with configured("INFO"):
        caplog.set_level(logging.INFO)
        scheduler.start()
        try:
            await three.wait()
        finally:
            await scheduler.stop()
            await keyperson.db.close()
    # A tick that overran the next is worth a warning; a tick that found nothing, no line.
    noisy = [
        r
        for r in caplog.records
        if r.name.startswith(("apscheduler", "bot.engine.scheduler")) and r.levelno <= logging.INFO
    ]
    assert noisy == []


def test_redaction_reaches_handlers_added_later(capsys):
    with configured("INFO", Secrets(TOKEN)):
        late = logging.StreamHandler(sys.stdout)
        logging.getLogger().addHandler(late)
        try:
            logging.getLogger("httpx").warning("POST https://api.telegram.org/bot%s/x", TOKEN)
        finally:
            logging.getLogger().removeHandler(late)
    assert "bot[TELEGRAM_BOT_TOKEN]/x" in capsys.readouterr().out
