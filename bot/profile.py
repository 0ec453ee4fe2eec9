"""The setting file (setting.toml): who the setting is, its hours, reminders and retention."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from bot.config import show_value
from bot.errors import ConfigError

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
        ("updates", "no_update_days keeping_in_touch_day keeping_in_touch_time"),
        ("out_of_hours", "messages urgent"),
    )
}
PASS_ON = ("at_once", "staff_hours")  # how what families send outside staff hours reaches staff
# Free text families read, which [setting.LANG] tables may give in each language offered.
TRANSLATABLE = ("important_contact", "concern_steps")


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


@dataclass(frozen=True, slots=True)
class OutOfHours:
    """When what families send outside staff hours reaches staff phones, by kind of message:
    "at_once", or "staff_hours" (held until staff hours start)."""

    messages: str = "staff_hours"  # messages, replies and good news from home
    urgent: str = "at_once"  # concerns a family marks urgent

    def holds(self, kind: str = "messages") -> bool:
        """Whether messages of this kind wait for staff hours."""
        return bool(getattr(self, kind) == "staff_hours")


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
    no_update_days: int = 3
    keeping_in_touch_day: int = 0  # Monday
    keeping_in_touch_time: time = time(9, 0)
    out_of_hours: OutOfHours = OutOfHours()
    # [setting.pl] important_contact = "…": free text in another language than the first.
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def text(self, name: str, language: str | None) -> str:
        """A free text (of TRANSLATABLE) in a reader's language, else as written in [setting]."""
        base = (language or "").replace("_", "-").split("-")[0].lower()
        given = self.translations.get(base, {}).get(name)
        return given if given is not None else str(getattr(self, name))

    def untranslated(self) -> list[tuple[str, str]]:
        """(language, text name) for each free text an offered language has no version of: its
        readers get the text as written in [setting], in the first language."""
        return [
            (language, name)
            for language in self.languages[1:]
            for name in TRANSLATABLE
            if name not in self.translations.get(language, {})
        ]


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
        no_update_days=toml.positive("updates.no_update_days", 3),
        keeping_in_touch_day=toml.weekday("updates.keeping_in_touch_day", "mon"),
        keeping_in_touch_time=toml.clock("updates.keeping_in_touch_time", "09:00"),
        out_of_hours=OutOfHours(
            messages=toml.one_of("out_of_hours.messages", "staff_hours", PASS_ON),
            urgent=toml.one_of("out_of_hours.urgent", "at_once", PASS_ON),
        ),
        translations=toml.translations(toml.languages("setting.languages")),
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

    def translations(self, offered: tuple[str, ...]) -> dict[str, dict[str, str]]:
        """The [setting.LANG] tables: each an offered language, holding only translatable texts."""
        found: dict[str, dict[str, str]] = {}
        for language, body in self.data.get("setting", {}).items():
            if not isinstance(body, dict):
                continue
            if language not in offered:
                rule = f"is not one of setting.languages ({', '.join(offered)})"
                raise self.fail(f"setting.{language}", rule)
            for name in body:
                if name not in TRANSLATABLE:
                    known = ", ".join(TRANSLATABLE)
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
        match = re.fullmatch(_CLOCK, text, re.ASCII)
        if match is None:
            raise self.fail(key, f"must look like 10:00, got {show_value(text)}")
        return time(int(match[1]), int(match[2]))
