"""Message catalogs from locales/, and rendering a Text for a reader's language.

A message may have plural forms (gettext's msgid_plural / msgstr[n]): its `count` parameter
picks the form by the catalog's Plural-Forms rule, so Polish gets its three forms. A message
may also have a variant for one channel, kept under "key@channel" (say "wow.to_staff@telegram",
which can say "tap Reply"); the plain key is what every other channel gets.
"""

from __future__ import annotations

import gettext
import string
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, format_time, get_day_names
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.domain.messages import LocalTime, Text, Weekdays
from bot.language.bidi import is_rtl, isolate, lines_rtl
from bot.shipped import shipped

DEFAULT_LANGUAGE = "en"
LOCALES_DIR = shipped("locales")
COUNT = "count"  # the parameter that picks a plural message's form
CHANNEL_MARK = "@"  # "key@channel": the message as one channel should say it
_FIELD = string.Formatter()


def placeholders(template: str) -> set[str]:
    """The named {placeholders} a template uses."""
    return {name for _, name, _, _ in _FIELD.parse(template) if name}


@dataclass(frozen=True, slots=True)
class Plural:
    """A message's plural forms, in the order of its catalog's Plural-Forms rule."""

    forms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LanguageName:
    """A language code for a message parameter, named in the reader's language ("Polish")."""

    code: str


Template = str | Plural


def entries(catalog: Catalog) -> dict[str, Template]:
    """A read catalog's translated, not fuzzy messages by key; plural ones as Plural."""
    found: dict[str, Template] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if message.pluralizable and isinstance(message.string, tuple | list):
            forms = tuple(str(f or "") for f in message.string)
            if all(forms):
                found[str(message.id[0])] = Plural(forms)
        elif message.string:
            found[str(message.id)] = str(message.string)
    return found


class Catalogs:
    """Every language's messages, loaded once from gettext .po files."""

    def __init__(
        self,
        messages: Mapping[str, Mapping[str, Template]],
        plural_rules: Mapping[str, Callable[[int], int]] | None = None,
    ) -> None:
        self.messages = messages
        self.plural_rules = dict(plural_rules or {})

    @classmethod
    def load(cls, folder: Path = LOCALES_DIR) -> Catalogs:
        """Read locales/<lang>/LC_MESSAGES/bot.po for every language present."""
        messages: dict[str, dict[str, Template]] = {}
        rules: dict[str, Callable[[int], int]] = {}
        for po in sorted(folder.glob("*/LC_MESSAGES/bot.po")):
            lang = po.parent.parent.name
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=lang)
            messages[lang] = entries(catalog)
            # The file's Plural-Forms header, or Babel's rule for the language when it has none.
            rules[lang] = gettext.c2py(catalog.plural_expr)
        if DEFAULT_LANGUAGE not in messages:
            raise FileNotFoundError(f"no English catalog under {folder}")
        return cls(messages, rules)

    def language_for(self, wanted: str | None) -> str:
        """The catalog to use for a stored language, English when there is none."""
        if wanted and wanted in self.messages:
            return wanted
        base = (wanted or "").split("-")[0].split("_")[0].lower()
        return base if base in self.messages else DEFAULT_LANGUAGE

    def template(
        self, key: str, lang: str, count: int | None = None, channel: str | None = None
    ) -> str:
        """The template for a key in a language (English when it has none): the channel's
        variant if there is one, and for a plural message the form `count` needs."""
        found = self._lookup(f"{key}{CHANNEL_MARK}{channel}", lang) if channel else None
        found = found or self._lookup(key, lang)
        if found is None:
            raise KeyError(f"message key {key!r} is in no catalog")
        text, lang = found
        if isinstance(text, str):
            return text
        if count is None:
            raise KeyError(f"message key {key!r} has plural forms: give it a '{COUNT}'")
        return text.forms[min(self.plural_form(count, lang), len(text.forms) - 1)]

    def _lookup(self, key: str, lang: str) -> tuple[Template, str] | None:
        for where in (lang, DEFAULT_LANGUAGE):
            found = self.messages.get(where, {}).get(key)
            if found is not None:
                return found, where
        return None

    def plural_form(self, count: int, lang: str) -> int:
        """Which of a language's plural forms a number takes (gettext's Plural-Forms rule)."""
        rule = self.plural_rules.get(lang)
        return rule(abs(count)) if rule else int(count != 1)

    def render(self, text: Text, lang: str, channel: str | None = None) -> str:
        """Render a Text in a language (and for a channel): parameters formatted for its locale,
        the plural form chosen by the `count` parameter."""
        lang = self.language_for(lang)
        params = {name: self._param(value, lang, channel) for name, value in text.params.items()}
        count = text.params.get(COUNT)
        number = count if isinstance(count, int) and not isinstance(count, bool) else None
        if is_rtl(lang):
            # Names, codes and times keep their own direction inside right-to-left words; what
            # was rendered in the same language (a nested message) needs no isolate.
            params = {
                name: value if _same_language(text.params[name]) else isolate(value)
                for name, value in params.items()
            }
            body = self.template(text.key, lang, number, channel).format_map(params).strip()
            return lines_rtl(body)
        return self.template(text.key, lang, number, channel).format_map(params).strip()

    def _param(self, value: Any, lang: str, channel: str | None = None) -> str:
        if isinstance(value, Text):
            return self.render(value, lang, channel)
        if isinstance(value, Weekdays):
            return self._weekdays(value.days, lang)
        if isinstance(value, LocalTime):
            return _local_time(value, lang)
        if isinstance(value, LanguageName):
            return _language_name(value.code, lang)
        if isinstance(value, tuple | list):
            return self._join(value, lang, channel)
        return str(value)

    def _join(self, values: Iterable[Any], lang: str, channel: str | None = None) -> str:
        items = [self._param(v, lang, channel) for v in values]
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


def _same_language(value: Any) -> bool:
    """Whether a parameter is rendered in the reader's language (a message, or lines of them)."""
    if isinstance(value, Text):
        return True
    if not isinstance(value, tuple | list) or not value:
        return False
    return all(isinstance(v, Text) for v in value)


def _language_name(code: str, lang: str) -> str:
    try:
        name = Locale.parse(code).get_display_name(lang)
    except (ValueError, LookupError):
        return code
    return name[:1].upper() + name[1:] if name else code


def _local_time(value: LocalTime, lang: str) -> str:
    moment = value.value
    if isinstance(moment, date) and not isinstance(moment, datetime):
        return format_date(moment, "EEEE d MMMM", locale=lang)
    if isinstance(moment, datetime):
        pattern = "EEEE d MMMM HH:mm" if value.with_date else "EEEE HH:mm"
        pattern = pattern if value.with_day or value.with_date else "HH:mm"
        return format_datetime(moment, pattern, locale=lang)
    assert isinstance(moment, time)
    return format_time(moment, "HH:mm", locale=lang)


# Marks that may or may not be typed, dropped so both spellings compare equal: Arabic short
# vowels, shadda, sukun and the tatweel, and the dot a folded Turkish capital İ leaves on "i".
_OPTIONAL_MARKS = dict.fromkeys([*range(0x064B, 0x0660), 0x0670, 0x0640, 0x0307])


def _word_character(char: str) -> bool:
    # Vowel signs and viramas (Bengali, Gurmukhi, Gujarati, Tamil) are marks, not letters,
    # but they are part of the word: "ਹਾਂ" (yes) must not shrink to "ਹ".
    return char.isalnum() or char in "#_" or unicodedata.category(char).startswith("M")


def normalise_answer(text: str) -> str:
    """Lower-case a reply and drop punctuation, so 'Yes!' and 'yes' compare equal; a word in
    any script keeps its vowel signs, and optional Arabic marks are dropped."""
    folded = unicodedata.normalize("NFC", text.casefold()).translate(_OPTIONAL_MARKS)
    return " ".join("".join(c if _word_character(c) else " " for c in folded).split())
