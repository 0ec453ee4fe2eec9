"""The setting file (setting.toml): who the setting is, its hours, reminders and retention."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from bot.domain.hours import DAY_NAMES, PASS_ON, Hours, OutOfHours, TimeRange
from bot.setting_file import SettingFile, read_toml

_SLUG = re.compile(r"[a-z0-9-]{1,40}", re.ASCII)
# Free text families read, which [setting.LANG] tables may give in each language offered.
TRANSLATABLE = ("important_contact", "concern_steps")

__all__ = [
    "DAY_NAMES",
    "Hours",
    "OutOfHours",
    "SettingDirectory",
    "SettingProfile",
    "TimeRange",
    "load_profile",
]


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
    quiet: TimeRange = field(default_factory=lambda: TimeRange(time(20, 0), time(7, 30)))
    opening_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    concern_ack_hours: int = 48
    emergency_number: str = "999"  # told to anyone raising a concern about someone's safety
    review_reminder_days: tuple[int, ...] = (7, 1)
    workshop_reminder_days: tuple[int, ...] = (7, 1)
    reminder_time: time = time(10, 0)
    late_grace_hours: int = 12  # a reminder found due later than this after its time is missed
    views_days_before: int = 5  # when a family is asked for their views before a review
    retention_days: int = 730
    no_update_days: int = 3
    keeping_in_touch_day: int = 0  # Monday
    keeping_in_touch_time: time = time(9, 0)
    out_of_hours: OutOfHours = field(default_factory=OutOfHours)
    # [setting.pl] important_contact = "…": free text in another language than the first.
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # [languages]: staff's own words to a family in another language go to a translator first;
    # the English goes after this many hours without a translation.
    translate_staff_text: bool = False
    translation_wait_hours: int = 4
    # [broadcasts]: when families asked to confirm are reminded; SMS sends a second per number.
    broadcast_reminder_hours: int = 24
    sms_per_second: int = 10

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
    toml = SettingFile(path.name, read_toml(path))
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
        emergency_number=toml.text("concerns.emergency_number", "999"),
        review_reminder_days=toml.days_before("reminders.review_days_before"),
        workshop_reminder_days=toml.days_before("reminders.workshop_days_before"),
        reminder_time=toml.clock("reminders.time", "10:00"),
        late_grace_hours=toml.positive("reminders.late_grace_hours", 12),
        views_days_before=toml.positive("reviews.views_days_before", 5),
        retention_days=toml.positive("retention.message_days", 730),
        no_update_days=toml.positive("updates.no_update_days", 3),
        keeping_in_touch_day=toml.weekday("updates.keeping_in_touch_day", "mon"),
        keeping_in_touch_time=toml.clock("updates.keeping_in_touch_time", "09:00"),
        out_of_hours=OutOfHours(
            messages=toml.one_of("out_of_hours.messages", "staff_hours", PASS_ON),
            urgent=toml.one_of("out_of_hours.urgent", "at_once", PASS_ON),
        ),
        translations=toml.translations(toml.languages("setting.languages"), TRANSLATABLE),
        translate_staff_text=toml.flag("languages.translate_staff_text", False),
        translation_wait_hours=toml.positive("languages.translation_wait_hours", 4),
        broadcast_reminder_hours=toml.positive("broadcasts.confirm_reminder_hours", 24),
        sms_per_second=toml.positive("broadcasts.sms_per_second", 10),
    )


class SettingDirectory:
    """Every setting this deployment serves, by id: a message is handled with the profile of
    the setting its sender belongs to, found per message (the first one for strangers)."""

    def __init__(self, profiles: Mapping[int, SettingProfile], default_id: int) -> None:
        self.profiles = dict(profiles)
        self.default_id = default_id

    def add(self, setting_id: int, profile: SettingProfile) -> None:
        """Serve one more setting."""
        self.profiles[setting_id] = profile

    def of(self, setting_id: int | None) -> tuple[int, SettingProfile]:
        """The setting with this id (the default one when there is none or it is unknown)."""
        if setting_id is not None and setting_id in self.profiles:
            return setting_id, self.profiles[setting_id]
        return self.default_id, self.profiles[self.default_id]
