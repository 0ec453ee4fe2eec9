"""Configuration read once: Settings from the environment or `.env`, a SettingProfile from TOML."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from bot.errors import ConfigError

# --- the environment ---------------------------------------------------------------------------

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
DEFAULT_TWILIO_API_URL = "https://api.twilio.com"
SMS_SENDER_KEYS = "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID"

_SECRETS = frozenset({"TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TWILIO_AUTH_TOKEN"})
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_URL_KEYS = ("KEYPERSON_PUBLIC_URL", "TELEGRAM_API_URL", "TWILIO_API_URL")
_PORT_RULE = "must be a whole number from 1 to 65535"
_PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    key: (re.compile(pattern, re.ASCII), rule)
    for key, pattern, rule in (
        ("KEYPERSON_HOST", r"[^\s/]+", "must be a host name or IP address, with no spaces"),
        (
            "TELEGRAM_BOT_TOKEN",
            r"\d+:[A-Za-z0-9_-]{20,}",
            "must look like 123456789:AAE... as given by @BotFather",
        ),
        ("TELEGRAM_WEBHOOK_SECRET", r"[A-Za-z0-9_-]{1,256}", "must be 1 to 256 of A-Z a-z 0-9 _ -"),
        ("TWILIO_ACCOUNT_SID", r"AC[0-9a-fA-F]{32}", "must be AC followed by 32 hex digits"),
        ("TWILIO_AUTH_TOKEN", r"\S+", "must be the auth token from the Twilio console, no spaces"),
        ("TWILIO_FROM_NUMBER", r"\+[1-9]\d{6,14}", "must be a phone number like +447700900123"),
        ("TWILIO_MESSAGING_SERVICE_SID", r"MG[0-9a-fA-F]{32}", "must be MG and 32 hex digits"),
    )
}
_KEYS = frozenset(
    {"KEYPERSON_DATABASE", "KEYPERSON_SETTING_FILE", "KEYPERSON_PORT", *_URL_KEYS, *_PATTERNS}
)
_ENV_LINE = re.compile(r"(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)", re.ASCII)


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Where Keyperson keeps its data, how it is reached, and its channel credentials."""

    # Secrets are left out of repr so that logging a Settings never leaks them.

    database: Path = Path("keyperson.db")
    setting_file: Path = Path("setting.toml")
    public_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    telegram_bot_token: str | None = field(default=None, repr=False)
    telegram_webhook_secret: str | None = field(default=None, repr=False)
    telegram_api_url: str = DEFAULT_TELEGRAM_API_URL
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = field(default=None, repr=False)
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_url: str = DEFAULT_TWILIO_API_URL

    @property
    def sms_enabled(self) -> bool:
        """Whether every Twilio key needed to send SMS is set."""
        return _missing_twilio_key(self) is None

    def require_sms(self) -> None:
        """Raise ConfigError naming the first key SMS still needs, the public URL included."""
        missing = _missing_twilio_key(self)
        if missing is not None:
            raise ConfigError(f"{missing}: required to send and receive SMS")
        if self.public_url is None:
            raise ConfigError(
                "KEYPERSON_PUBLIC_URL: required to receive SMS, because Twilio signs its "
                "webhooks with the public address"
            )


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Build Settings from the environment, falling back to `env_file` for keys it lacks."""
    source = os.environ if environ is None else environ
    merged = read_env_file(env_file) if env_file is not None else {}
    merged.update({key: source[key] for key in _KEYS if key in source})
    values = {key: merged[key].strip() for key in _KEYS if merged.get(key, "").strip()}
    settings = _settings(values)
    _check_channels(settings)
    return settings


def read_env_file(path: Path) -> dict[str, str]:
    """The KEY=VALUE pairs of a `.env` file, or nothing when the file does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read ({type(error).__name__})") from None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            entry = _env_line(line)
        except ValueError as error:
            raise ConfigError(f"{path} line {number}: {error}") from None
        if entry is not None:
            values[entry[0]] = entry[1]
    return values


def _env_line(line: str) -> tuple[str, str] | None:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    match = _ENV_LINE.fullmatch(stripped)
    if match is None:
        raise ValueError("expected KEY=VALUE")
    return match[1], _unquote(match[2])


def _unquote(raw: str) -> str:
    if raw[:1] in {'"', "'"}:
        end = raw.find(raw[0], 1)
        if end == -1:
            raise ValueError("a quoted value has no closing quote")
        rest = raw[end + 1 :].strip()
        if rest and not rest.startswith("#"):
            raise ValueError("unexpected text after the closing quote")
        return raw[1:end]
    # An unquoted value ends where a comment starts, as in a shell.
    return re.split(r"\s#", raw, maxsplit=1)[0].strip()


def _settings(values: Mapping[str, str]) -> Settings:
    public_url = values.get("KEYPERSON_PUBLIC_URL")
    return Settings(
        database=Path(values.get("KEYPERSON_DATABASE", "keyperson.db")),
        setting_file=Path(values.get("KEYPERSON_SETTING_FILE", "setting.toml")),
        public_url=None if public_url is None else _url("KEYPERSON_PUBLIC_URL", public_url),
        host=_matching(values, "KEYPERSON_HOST") or "127.0.0.1",
        port=_port(values.get("KEYPERSON_PORT", "8080")),
        telegram_bot_token=_matching(values, "TELEGRAM_BOT_TOKEN"),
        telegram_webhook_secret=_matching(values, "TELEGRAM_WEBHOOK_SECRET"),
        telegram_api_url=_url(
            "TELEGRAM_API_URL", values.get("TELEGRAM_API_URL", DEFAULT_TELEGRAM_API_URL)
        ),
        twilio_account_sid=_matching(values, "TWILIO_ACCOUNT_SID"),
        twilio_auth_token=_matching(values, "TWILIO_AUTH_TOKEN"),
        twilio_from_number=_matching(values, "TWILIO_FROM_NUMBER"),
        twilio_messaging_service_sid=_matching(values, "TWILIO_MESSAGING_SERVICE_SID"),
        twilio_api_url=_url("TWILIO_API_URL", values.get("TWILIO_API_URL", DEFAULT_TWILIO_API_URL)),
    )


def _invalid(key: str, rule: str, value: str) -> ConfigError:
    shown = " (value not shown)" if key in _SECRETS else f", got {_show(value)}"
    return ConfigError(f"{key}: {rule}{shown}")


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:56]}...{text[-1]}"


def _matching(values: Mapping[str, str], key: str) -> str | None:
    value = values.get(key)
    pattern, rule = _PATTERNS[key]
    if value is not None and pattern.fullmatch(value) is None:
        raise _invalid(key, rule, value)
    return value


def _port(value: str) -> int:
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= 65535):
        raise _invalid("KEYPERSON_PORT", _PORT_RULE, value)
    return int(value)


def _url(key: str, value: str) -> str:
    try:
        problem = _url_problem(urlsplit(value), value)
    except ValueError:
        problem = "must be a web address like https://keyperson.example"
    if problem is None and key == "KEYPERSON_PUBLIC_URL":
        problem = _https_problem(urlsplit(value))
    if problem is not None:
        raise _invalid(key, problem, value)
    return value.rstrip("/")


def _url_problem(parts: SplitResult, value: str) -> str | None:
    parts.port  # noqa: B018  # raises ValueError for a port that is not a number in range
    if parts.scheme not in {"http", "https"}:
        return "must start with https:// or http://"
    if not parts.hostname:
        return "must include a host name after the //"
    if parts.username is not None or parts.password is not None:
        return "must not contain a user name or password"
    if "?" in value or "#" in value:
        return "must not contain a ?query or #fragment"
    if any(char.isspace() for char in value):
        return "must not contain spaces"
    return None


def _https_problem(parts: SplitResult) -> str | None:
    if parts.scheme == "https" or parts.hostname in _LOCAL_HOSTS:
        return None
    return "must start with https:// (http:// is only for localhost)"


def _missing_twilio_key(settings: Settings) -> str | None:
    if settings.twilio_account_sid is None:
        return "TWILIO_ACCOUNT_SID"
    if settings.twilio_auth_token is None:
        return "TWILIO_AUTH_TOKEN"
    if settings.twilio_from_number is None and settings.twilio_messaging_service_sid is None:
        return SMS_SENDER_KEYS
    return None


def _check_channels(settings: Settings) -> None:
    given = (
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_from_number,
        settings.twilio_messaging_service_sid,
    )
    missing = _missing_twilio_key(settings)
    if any(value is not None for value in given) and missing is not None:
        raise ConfigError(
            f"{missing}: required because other Twilio keys are set; SMS needs "
            f"TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and {SMS_SENDER_KEYS}"
        )
    if settings.telegram_webhook_secret is not None and settings.telegram_bot_token is None:
        raise ConfigError("TELEGRAM_BOT_TOKEN: required because TELEGRAM_WEBHOOK_SECRET is set")


# --- the setting file --------------------------------------------------------------------------

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = r"([01]?\d|2[0-3]):([0-5]\d)"
_RANGE = re.compile(rf"{_CLOCK}\s*-\s*{_CLOCK}", re.ASCII)
_SLUG = re.compile(r"[a-z0-9-]{1,40}", re.ASCII)
_LANGUAGE = re.compile(r"[a-z]{2,3}", re.ASCII)
_MISSING: Any = object()
_KINDS: dict[type, str] = {
    bool: "true/false",
    int: "a whole number",
    float: "a decimal number",
    str: "text",
    list: "a list",
    dict: "a table",
}
_SCHEMA: dict[str, tuple[str, ...]] = {
    table: tuple(keys.split())
    for table, keys in (
        (
            "setting",
            "ref name country time_zone phone policies_url important_contact "
            "concern_steps languages",
        ),
        ("hours", "opening staff quiet days"),
        ("concerns", "acknowledge_within_hours"),
        ("reminders", "review_days_before workshop_days_before time"),
        ("retention", "message_days"),
    )
}


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A daily span of wall-clock time from `start` up to `end`, which may wrap past midnight."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError("a time range must end at a different time than it starts")

    @classmethod
    def parse(cls, text: str) -> TimeRange:
        """The range written as "HH:MM-HH:MM"; ValueError when it is not written that way."""
        match = _RANGE.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"not HH:MM-HH:MM: {text!r}")
        hour, minute, end_hour, end_minute = map(int, match.groups())
        return cls(time(hour, minute), time(end_hour, end_minute))

    @property
    def wraps(self) -> bool:
        """Whether the range runs past midnight into the next day."""
        return self.end < self.start

    def contains(self, t: time) -> bool:
        """Whether the wall-clock time `t` falls in the range (start included, end excluded)."""
        clock = t.replace(tzinfo=None)
        if self.wraps:
            return clock >= self.start or clock < self.end
        return self.start <= clock < self.end


@dataclass(frozen=True, slots=True)
class Hours:
    """A daily time range on some weekdays (0 = Monday), such as opening or staff hours."""

    range: TimeRange
    days: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.days or any(day not in range(7) for day in self.days):
            raise ValueError("hours need at least one weekday, each from 0 (Monday) to 6")

    def is_open(self, local_dt: datetime) -> bool:
        """Whether the local wall-clock moment falls within these hours."""
        clock = local_dt.time()
        if not self.range.contains(clock):
            return False
        day = local_dt.weekday()
        if self.range.wraps and clock < self.range.end:
            day = (day - 1) % 7  # after midnight, the hours belong to the day they began
        return day in self.days

    def next_open(self, local_dt: datetime) -> datetime:
        """The first moment at or after `local_dt` within these hours, naive or aware alike."""
        if self.is_open(local_dt):
            return local_dt
        for ahead in range(8):
            day: date = local_dt.date() + timedelta(days=ahead)
            opens = datetime.combine(day, self.range.start, tzinfo=local_dt.tzinfo)
            if day.weekday() in self.days and opens >= local_dt:
                return opens
        raise AssertionError("unreachable: some opening day falls within a week")


@dataclass(frozen=True, slots=True, kw_only=True)
class SettingProfile:
    """The early years setting itself: who it is, where, its hours and its rules."""

    ref: str = "main"
    name: str
    country: str = "GB"
    time_zone: str = "Europe/London"
    phone: str
    policies_url: str
    important_contact: str
    concern_steps: str
    languages: tuple[str, ...] = ("en",)
    opening: Hours
    staff: Hours
    quiet: TimeRange = TimeRange(time(20, 0), time(7, 30))
    opening_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    concern_ack_hours: int = 48
    review_reminder_days: tuple[int, ...] = (7, 1)
    workshop_reminder_days: tuple[int, ...] = (7, 1)
    reminder_time: time = time(10, 0)
    retention_days: int = 730


def load_profile(path: Path) -> SettingProfile:
    """Read and check the setting file, raising ConfigError naming the file and dotted key."""
    toml = _Toml(path.name, _read_toml(path))
    toml.check_keys()
    days = toml.days("hours.days")
    return SettingProfile(
        ref=toml.pattern(
            "setting.ref", "main", _SLUG, "must be lowercase letters, digits and dashes"
        ),
        name=toml.text("setting.name"),
        country=toml.country("setting.country"),
        time_zone=toml.time_zone("setting.time_zone"),
        phone=toml.text("setting.phone"),
        policies_url=toml.web_page("setting.policies_url"),
        important_contact=toml.text("setting.important_contact"),
        concern_steps=toml.text("setting.concern_steps"),
        languages=toml.languages("setting.languages"),
        opening=Hours(toml.time_range("hours.opening"), days),
        staff=Hours(toml.time_range("hours.staff"), days),
        quiet=toml.time_range("hours.quiet", "20:00-07:30"),
        opening_days=days,
        concern_ack_hours=toml.positive("concerns.acknowledge_within_hours", 48),
        review_reminder_days=toml.days_before("reminders.review_days_before"),
        workshop_reminder_days=toml.days_before("reminders.workshop_days_before"),
        reminder_time=toml.clock("reminders.time", "10:00"),
        retention_days=toml.positive("retention.message_days", 730),
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"KEYPERSON_SETTING_FILE: setting file {str(path)!r} not found") from None
    except OSError as error:
        raise ConfigError(
            f"KEYPERSON_SETTING_FILE: cannot read {str(path)!r} ({error.strerror})"
        ) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path.name}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path.name}: not valid TOML: {error}") from None


def _kind(value: object) -> str:
    for cls, name in _KINDS.items():
        if isinstance(value, cls):
            return name
    return "a date or time"


@dataclass(frozen=True, slots=True)
class _Toml:
    """Typed reads from a parsed setting file, each failing with the file and dotted key."""

    file: str
    data: dict[str, Any]

    def fail(self, key: str, rule: str) -> ConfigError:
        return ConfigError(f"{self.file}: {key}: {rule}")

    def check_keys(self) -> None:
        for table, body in self.data.items():
            if table not in _SCHEMA:
                raise self.fail(table, f"unknown table; expected {', '.join(_SCHEMA)}")
            if not isinstance(body, dict):
                raise self.fail(table, f"must be a table, written [{table}]")
            for key in body:
                if key not in _SCHEMA[table]:
                    known = ", ".join(_SCHEMA[table])
                    raise self.fail(f"{table}.{key}", f"unknown key; expected one of {known}")

    def raw(self, key: str, kind: type | tuple[type, ...], expected: str) -> Any:
        table, _, name = key.partition(".")
        value = self.data.get(table, {}).get(name, _MISSING)
        if value is _MISSING:
            return value
        if isinstance(value, bool) or not isinstance(value, kind):
            raise self.fail(key, f"must be {expected}, got {_kind(value)}")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        value = self.raw(key, str, 'text in quotes, like "..."')
        if value is _MISSING and default is None:
            raise self.fail(key, "required")
        value = default if value is _MISSING else value.strip()
        if not value:
            raise self.fail(key, "must not be empty")
        return str(value)

    def pattern(self, key: str, default: str, regex: re.Pattern[str], rule: str) -> str:
        value = self.text(key, default)
        if regex.fullmatch(value) is None:
            raise self.fail(key, f"{rule}, got {_show(value)}")
        return value

    def country(self, key: str) -> str:
        value = self.text(key, "GB").upper()
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise self.fail(key, f"must be a two-letter country code like GB, got {_show(value)}")
        return value

    def time_zone(self, key: str) -> str:
        value = self.text(key, "Europe/London")
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(
                key, f"must be a time zone like Europe/London, got {_show(value)}"
            ) from None
        return value

    def web_page(self, key: str) -> str:
        value = self.text(key)
        try:
            parts = urlsplit(value)
            good = parts.scheme in {"http", "https"} and bool(parts.hostname)
        except ValueError:
            good = False
        if not good or any(char.isspace() for char in value):
            raise self.fail(key, f"must be a web address starting https://, got {_show(value)}")
        return value

    def languages(self, key: str) -> tuple[str, ...]:
        codes = self.texts(key, ("en",))
        for code in codes:
            if _LANGUAGE.fullmatch(code) is None:
                raise self.fail(key, f'must be language codes like "en", got {_show(code)}')
        return self.distinct(key, codes)

    def days(self, key: str) -> tuple[int, ...]:
        names = self.texts(key, DAY_NAMES[:5])
        if not names:
            raise self.fail(key, "must name at least one day")
        for name in names:
            if name.lower() not in DAY_NAMES:
                raise self.fail(key, f'must be day names like "mon", got {_show(name)}')
        return tuple(sorted(self.distinct(key, tuple(DAY_NAMES.index(n.lower()) for n in names))))

    def texts(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.raw(key, list, 'a list of text, like ["a", "b"]')
        if value is _MISSING:
            return default
        if not all(isinstance(item, str) for item in value):
            raise self.fail(key, 'must be a list of text, like ["a", "b"]')
        return tuple(item.strip() for item in value)

    def distinct(self, key: str, items: tuple[Any, ...]) -> tuple[Any, ...]:
        repeated = next((item for item in items if items.count(item) > 1), None)
        if repeated is not None:
            raise self.fail(key, f"lists {_show(repeated)} more than once")
        return items

    def positive(self, key: str, default: int) -> int:
        value = self.raw(key, int, "a whole number")
        value = default if value is _MISSING else value
        if value <= 0:
            raise self.fail(key, f"must be more than 0, got {value}")
        return int(value)

    def days_before(self, key: str) -> tuple[int, ...]:
        value = self.raw(key, list, "a list of whole numbers, like [7, 1]")
        if value is _MISSING:
            return (7, 1)
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value):
            raise self.fail(key, "must be a list of whole numbers of days, 0 or more, like [7, 1]")
        return self.distinct(key, tuple(value))

    def time_range(self, key: str, default: str | None = None) -> TimeRange:
        value = self.text(key, default)
        if _RANGE.fullmatch(value) is None:
            raise self.fail(key, f"must look like 08:00-17:30, got {_show(value)}")
        try:
            return TimeRange.parse(value)
        except ValueError:
            rule = "must end at a different time than it starts"
            raise self.fail(key, f"{rule}, got {_show(value)}") from None

    def clock(self, key: str, default: str) -> time:
        value = self.raw(key, (str, time), 'a time in quotes, like "10:00"')
        if isinstance(value, time):
            return value.replace(tzinfo=None)
        text = default if value is _MISSING else value.strip()
        match = re.fullmatch(_CLOCK, text, re.ASCII)
        if match is None:
            raise self.fail(key, f"must look like 10:00, got {_show(text)}")
        return time(int(match[1]), int(match[2]))
