"""Logging for the `keyperson` command: one level, and no secret, phone number or payload in
any record, whichever library wrote it and at whatever level.

Every record is redacted when it is made (a record factory, so handlers added later, loggers
that do not propagate and pytest's capture all see the redacted record): the bot token, the
webhook secret and the Twilio auth token are replaced by their key's name; phone numbers, in
E.164 and national forms, by [phone]; and the arguments other libraries log with their
messages (PTB's request parameters and results, aiosqlite's statements with their values) by
their type, since those carry message bodies that no pattern can recognise.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from bot.config import Settings

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Libraries that log every request, statement or job run at INFO or DEBUG: quiet unless DEBUG.
CHATTY = ("httpx", "httpcore", "twilio", "aiosqlite", "apscheduler", "telegram", "hpack")
# Our own loggers log ids by design, so their arguments are kept (and still pattern-redacted).
OWN = ("bot", "keyperson")
PHONE = "[phone]"
MIN_SECRET = 4  # shorter values are not secrets worth the damage replacing them would do

_PHONES = re.compile(
    "|".join(
        (
            # +44 7700 900123, +447700900123, %2B447700900123 (a URL), +44 (0)7700 900123
            r"(?<![\w+])(?:\+|%2[Bb])\d(?:[\s().-]{0,2}\d){6,16}(?![\w])",
            # national forms with a trunk 0 (07700 900123, (020) 7946 0000) and 00 44 7700 ...
            r"(?<![\w.-])\(?0(?:[\s().-]{0,2}\d){8,14}(?![\w])",
            # international digits without a plus: 447700900123 (longer than any update id)
            r"(?<![\w.-])[1-9]\d{10,14}(?![\w])",
            # three groups of three, as Polish and other 9-digit plans are written: 601 234 567
            r"(?<![\w.-])[1-9]\d{2}[ -]\d{3}[ -]\d{3}(?![\w-])",
        )
    )
)
_WORDLIKE = re.compile(r"\S{1,256}")
_TRACEBACKS = logging.Formatter()


@dataclass(frozen=True, slots=True)
class Secrets:
    """The secret values of a deployment, each replaced by the name of its key."""

    telegram_bot_token: str | None = field(default=None, repr=False)
    telegram_webhook_secret: str | None = field(default=None, repr=False)
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = field(default=None, repr=False)

    def replacements(self) -> list[tuple[str, str]]:
        """(value, replacement) pairs, longest value first so a token goes before its parts."""
        pairs: list[tuple[str, str]] = []
        token = self.telegram_bot_token
        if token:
            pairs += _forms(token, "[TELEGRAM_BOT_TOKEN]")
            pairs += _forms(token.partition(":")[2], "[TELEGRAM_BOT_TOKEN]")
        if self.telegram_webhook_secret:
            pairs += _forms(self.telegram_webhook_secret, "[TELEGRAM_WEBHOOK_SECRET]")
        auth = self.twilio_auth_token
        if auth:
            pairs += _forms(auth, "[TWILIO_AUTH_TOKEN]")
            if self.twilio_account_sid:
                basic = f"{self.twilio_account_sid}:{auth}".encode()
                pairs += _forms(base64.b64encode(basic).decode("ascii"), "[TWILIO_AUTH_TOKEN]")
        kept = {(value, name) for value, name in pairs if len(value) >= MIN_SECRET}
        return sorted(kept, key=lambda pair: -len(pair[0]))


def _forms(value: str, name: str) -> list[tuple[str, str]]:
    """A value as written and as it appears in a URL."""
    return [(value, name), (quote(value, safe=""), name)]


class Redactor(logging.Filter):
    """A filter that rewrites a record in place so that it holds no secret, number or payload."""

    def __init__(self, secrets: Secrets = Secrets()) -> None:
        super().__init__()
        self.replacements = secrets.replacements()

    def redact(self, text: str) -> str:
        """`text` with every secret and phone number replaced."""
        for value, name in self.replacements:
            text = text.replace(value, name)
        return _PHONES.sub(PHONE, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the message, its arguments, the traceback and the stack; keep the record."""
        if getattr(record, "redacted", False):
            return True
        args = record.args
        if args and not _own(record.name):
            args = _without_payloads(args)
        record.msg = self.redact(_message(record.msg, args))
        record.args = None
        if record.exc_info:
            # Formatted here, once, so no handler can print the exception's text unredacted.
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        record.redacted = True
        return True


def _own(name: str) -> bool:
    return any(name == own or name.startswith(own + ".") for own in OWN)


def _message(msg: object, args: Any) -> str:
    """What LogRecord.getMessage would give, without raising on a bad format."""
    text = str(msg)
    if not args:
        return text
    try:
        return text % args
    except (TypeError, ValueError, KeyError):
        return f"{text} {args!r}"


def _without_payloads(args: Any) -> Any:
    """Another library's arguments with anything that can hold a message body replaced."""
    if isinstance(args, Mapping):
        return {key: _shown(value) for key, value in args.items()}
    return tuple(_shown(value) for value in args)


def _shown(value: object) -> object:
    """Numbers, flags and single words (an endpoint, a host, a URL) as they are; containers,
    bytes and anything that prints with spaces (a statement, a text) by their type only."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple) and all(type(item) is int for item in value):
        return value  # update ids, say
    if not isinstance(value, Mapping | list | tuple | set | frozenset | bytes | bytearray):
        text = str(value)
        if _WORDLIKE.fullmatch(text):
            return text
    return f"<{type(value).__name__}>"


# --- installing it ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Saved:
    """What installing changed, to put back."""

    factory: Callable[..., logging.LogRecord]
    levels: dict[str, int]
    handler: logging.Handler | None = None


def level_of(name: str) -> int:
    """The logging level called `name` (one of LEVELS)."""
    return int(logging.getLevelName(name.upper()))


def secrets_of(settings: Settings) -> Secrets:
    """The secrets a deployment's settings hold."""
    return Secrets(
        telegram_bot_token=settings.telegram_bot_token,
        telegram_webhook_secret=settings.telegram_webhook_secret,
        twilio_account_sid=settings.twilio_account_sid,
        twilio_auth_token=settings.twilio_auth_token,
    )


@contextlib.contextmanager
def configured(level: str, secrets: Secrets = Secrets()) -> Iterator[Redactor]:
    """Log at `level` (to stderr unless handlers exist) with every record redacted; put
    everything back on exit."""
    redactor = Redactor(secrets)
    saved = _install(level_of(level), redactor)
    try:
        yield redactor
    finally:
        _uninstall(saved)


def _install(level: int, redactor: Redactor) -> _Saved:
    root = logging.getLogger()
    previous = logging.getLogRecordFactory()
    saved = _Saved(previous, {name: logging.getLogger(name).level for name in ["", *CHATTY]})

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redactor.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    if not root.handlers:
        saved.handler = logging.StreamHandler()
        saved.handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(saved.handler)
    # Also on each handler: `extra` fields are added to a record after the factory has run.
    for handler in root.handlers:
        handler.addFilter(redactor)
    root.setLevel(level)
    for name in CHATTY:
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else logging.WARNING)
    return saved


def _uninstall(saved: _Saved) -> None:
    logging.setLogRecordFactory(saved.factory)
    root = logging.getLogger()
    for handler in root.handlers:
        for redactor in [f for f in handler.filters if isinstance(f, Redactor)]:
            handler.removeFilter(redactor)
    if saved.handler is not None:
        root.removeHandler(saved.handler)
    for name, level in saved.levels.items():
        logging.getLogger(name).setLevel(level)
