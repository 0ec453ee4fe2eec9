"""Typed reads from a parsed setting file, each failing with one line naming the file and key."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from bot.domain.errors import ConfigError, show_value
from bot.domain.hours import CLOCK, DAY_NAMES, RANGE, TimeRange

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
        ("concerns", "acknowledge_within_hours emergency_number"),
        ("reminders", "review_days_before workshop_days_before time late_grace_hours"),
        ("reviews", "views_days_before"),
        ("retention", "message_days"),
        ("updates", "no_update_days keeping_in_touch_day keeping_in_touch_time"),
        ("out_of_hours", "messages urgent"),
        ("languages", "translate_staff_text translation_wait_hours"),
        ("broadcasts", "confirm_reminder_hours sms_per_second"),
    )
}


def read_toml(path: Path) -> dict[str, Any]:
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
class SettingFile:
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
            for key, value in body.items():
                if table == "setting" and isinstance(value, dict):
                    continue  # [setting.pl]: texts in one language, checked by translations()
                if key not in _SCHEMA[table]:
                    known = ", ".join(_SCHEMA[table])
                    if table == "setting":
                        known += ", or a table [setting.LANG] of texts in a language"
                    raise self.fail(f"{table}.{key}", f"unknown key; expected one of {known}")

    def raw(self, key: str, kind: type | tuple[type, ...], expected: str) -> Any:
        *tables, name = key.split(".")
        body: Any = self.data
        for table in tables:
            body = body.get(table, {})
        value = body.get(name, _MISSING)
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
            raise self.fail(key, f"{rule}, got {show_value(value)}")
        return value

    def translations(
        self, offered: tuple[str, ...], allowed: tuple[str, ...]
    ) -> dict[str, dict[str, str]]:
        """The [setting.LANG] tables: each an offered language, holding only `allowed` texts."""
        found: dict[str, dict[str, str]] = {}
        for language, body in self.data.get("setting", {}).items():
            if not isinstance(body, dict):
                continue
            if language not in offered:
                rule = f"is not one of setting.languages ({', '.join(offered)})"
                raise self.fail(f"setting.{language}", rule)
            for name in body:
                if name not in allowed:
                    known = ", ".join(allowed)
                    raise self.fail(f"setting.{language}.{name}", f"unknown key; expected {known}")
            found[language] = {name: self.text(f"setting.{language}.{name}") for name in body}
        return found

    def one_of(self, key: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.text(key, default)
        if value not in allowed:
            choices = " or ".join(f'"{a}"' for a in allowed)
            raise self.fail(key, f"must be {choices}, got {show_value(value)}")
        return value

    def country(self, key: str) -> str:
        value = self.text(key, "GB").upper()
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise self.fail(
                key, f"must be a two-letter country code like GB, got {show_value(value)}"
            )
        return value

    def time_zone(self, key: str) -> str:
        value = self.text(key, "Europe/London")
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(
                key, f"must be a time zone like Europe/London, got {show_value(value)}"
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
            raise self.fail(
                key, f"must be a web address starting https://, got {show_value(value)}"
            )
        return value

    def languages(self, key: str) -> tuple[str, ...]:
        codes = self.texts(key, ("en",))
        for code in codes:
            if _LANGUAGE.fullmatch(code) is None:
                raise self.fail(key, f'must be language codes like "en", got {show_value(code)}')
        return self.distinct(key, codes)

    def days(self, key: str) -> tuple[int, ...]:
        names = self.texts(key, DAY_NAMES[:5])
        if not names:
            raise self.fail(key, "must name at least one day")
        for name in names:
            if name.lower() not in DAY_NAMES:
                raise self.fail(key, f'must be day names like "mon", got {show_value(name)}')
        return tuple(sorted(self.distinct(key, tuple(DAY_NAMES.index(n.lower()) for n in names))))

    def weekday(self, key: str, default: str) -> int:
        value = self.raw(key, str, 'a day name in quotes, like "mon"')
        name = default if value is _MISSING else value.strip().lower()
        if name not in DAY_NAMES:
            raise self.fail(key, f'must be a day name like "mon", got {show_value(name)}')
        return DAY_NAMES.index(name)

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
            raise self.fail(key, f"lists {show_value(repeated)} more than once")
        return items

    def flag(self, key: str, default: bool) -> bool:
        value = self.data
        for part in key.split("."):
            value = value.get(part, _MISSING) if isinstance(value, dict) else _MISSING
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, got {_kind(value)}")
        return value

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
        if RANGE.fullmatch(value) is None:
            raise self.fail(key, f"must look like 08:00-17:30, got {show_value(value)}")
        try:
            return TimeRange.parse(value)
        except ValueError:
            rule = "must end at a different time than it starts"
            raise self.fail(key, f"{rule}, got {show_value(value)}") from None

    def clock(self, key: str, default: str) -> time:
        value = self.raw(key, (str, time), 'a time in quotes, like "10:00"')
        if isinstance(value, time):
            return value.replace(tzinfo=None)
        text = default if value is _MISSING else value.strip()
        match = re.fullmatch(CLOCK, text, re.ASCII)
        if match is None:
            raise self.fail(key, f"must look like 10:00, got {show_value(text)}")
        return time(int(match[1]), int(match[2]))
