"""Message catalogs from locales/, and rendering a Text for a reader's language."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from datetime import datetime, time
from pathlib import Path
from typing import Any

from babel.dates import format_datetime, format_time, get_day_names
from babel.lists import format_list
from babel.messages.pofile import read_po

from bot.domain import LocalTime, Text, Weekdays
from bot.shipped import shipped

DEFAULT_LANGUAGE = "en"
LOCALES_DIR = shipped("locales")
_FIELD = string.Formatter()


def placeholders(template: str) -> set[str]:
    """The named {placeholders} a template uses."""
    return {name for _, name, _, _ in _FIELD.parse(template) if name}


class Catalogs:
    """Every language's messages, loaded once from gettext .po files."""

    def __init__(self, messages: Mapping[str, Mapping[str, str]]) -> None:
        self.messages = messages

    @classmethod
    def load(cls, folder: Path = LOCALES_DIR) -> Catalogs:
        """Read locales/<lang>/LC_MESSAGES/bot.po for every language present."""
        messages: dict[str, dict[str, str]] = {}
        for po in sorted(folder.glob("*/LC_MESSAGES/bot.po")):
            lang = po.parent.parent.name
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=lang)
            messages[lang] = {
                str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy
            }
        if DEFAULT_LANGUAGE not in messages:
            raise FileNotFoundError(f"no English catalog under {folder}")
        return cls(messages)

    def language_for(self, wanted: str | None) -> str:
        """The catalog to use for a stored language, English when there is none."""
        if wanted and wanted in self.messages:
            return wanted
        base = (wanted or "").split("-")[0].split("_")[0].lower()
        return base if base in self.messages else DEFAULT_LANGUAGE

    def template(self, key: str, lang: str) -> str:
        """The template for a key in a language, falling back to English."""
        found = self.messages.get(lang, {}).get(key)
        if found is None:
            found = self.messages[DEFAULT_LANGUAGE].get(key)
        if found is None:
            raise KeyError(f"message key {key!r} is in no catalog")
        return found

    def render(self, text: Text, lang: str) -> str:
        """Render a Text in a language: parameters formatted for that locale."""
        lang = self.language_for(lang)
        params = {name: self._param(value, lang) for name, value in text.params.items()}
        return self.template(text.key, lang).format_map(params).strip()

    def _param(self, value: Any, lang: str) -> str:
        if isinstance(value, Text):
            return self.render(value, lang)
        if isinstance(value, Weekdays):
            return self._weekdays(value.days, lang)
        if isinstance(value, LocalTime):
            return _local_time(value, lang)
        if isinstance(value, tuple | list):
            return self._join(value, lang)
        return str(value)

    def _join(self, values: Iterable[Any], lang: str) -> str:
        items = [self._param(v, lang) for v in values]
        if items and all(isinstance(v, Text) for v in values):
            return "\n".join(items)
        return format_list(items, locale=lang) if items else ""

    def _weekdays(self, days: tuple[int, ...], lang: str) -> str:
        names = get_day_names("wide", locale=lang)
        ordered = sorted(set(days))
        if len(ordered) >= 3 and ordered == list(range(ordered[0], ordered[-1] + 1)):
            span = {"first": names[ordered[0]], "last": names[ordered[-1]]}
            return self.template("days.range", lang).format_map(span)
        return format_list([names[d] for d in ordered], locale=lang)


def _local_time(value: LocalTime, lang: str) -> str:
    moment = value.value
    if isinstance(moment, datetime):
        pattern = "EEEE HH:mm" if value.with_day else "HH:mm"
        return format_datetime(moment, pattern, locale=lang)
    assert isinstance(moment, time)
    return format_time(moment, "HH:mm", locale=lang)


_WORD = re.compile(r"[^\w#]+", re.UNICODE)


def normalise_answer(text: str) -> str:
    """Lower-case a reply and drop punctuation, so 'Yes!' and 'yes' compare equal."""
    return _WORD.sub(" ", text.casefold()).strip()
