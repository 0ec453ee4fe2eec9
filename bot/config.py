"""Configuration read once: Settings from the environment or `.env`, a SettingProfile from TOML."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

from bot.domain.errors import ConfigError, show_value

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
    {
        "KEYPERSON_DATABASE",
        "KEYPERSON_SETTING_FILE",
        "KEYPERSON_PORT",
        "KEYPERSON_LOG_LEVEL",
        *_URL_KEYS,
        *_PATTERNS,
    }
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
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
    log_level: str = "INFO"
    telegram_bot_token: str | None = field(default=None, repr=False)
    telegram_webhook_secret: str | None = field(default=None, repr=False)
    telegram_api_url: str = DEFAULT_TELEGRAM_API_URL
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = field(default=None, repr=False)
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_url: str = DEFAULT_TWILIO_API_URL

    @property
    def telegram_enabled(self) -> bool:
        """Whether a Telegram bot token is set."""
        return self.telegram_bot_token is not None

    def require_channel(self) -> None:
        """Raise ConfigError unless at least one channel is fully configured for serving."""
        if self.sms_enabled:
            self.require_sms()
        elif not self.telegram_enabled:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN: serve needs a channel; set the Telegram bot token, or "
                f"TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and {SMS_SENDER_KEYS} for SMS"
            )

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
        log_level=_log_level(values.get("KEYPERSON_LOG_LEVEL", "INFO")),
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
    shown = " (value not shown)" if key in _SECRETS else f", got {show_value(value)}"
    return ConfigError(f"{key}: {rule}{shown}")


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


def _log_level(value: str) -> str:
    if value.upper() not in LOG_LEVELS:
        raise _invalid("KEYPERSON_LOG_LEVEL", f"must be one of {', '.join(LOG_LEVELS)}", value)
    return value.upper()


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
    if (
        settings.telegram_bot_token is not None
        and settings.public_url is not None
        and settings.telegram_webhook_secret is None
    ):
        raise ConfigError(
            "TELEGRAM_WEBHOOK_SECRET: required for the Telegram webhook when "
            "KEYPERSON_PUBLIC_URL is set (or leave KEYPERSON_PUBLIC_URL unset to poll Telegram)"
        )
