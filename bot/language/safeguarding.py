"""Safeguarding signs: words in a family's message that suggest a child may be at risk of harm,
read from bot/data/safeguarding.toml. Pure: text in, the signs found out.

Text and phrases are compared folded: case, punctuation and apostrophes ignored, Polish
letters typed with or without their marks ("żłobek" = "zlobek"), Turkish "ı" as "i", Urdu
letters typed on an Arabic keyboard, runs of spaces as one; vowel signs of Indic scripts stay
part of their word ("মা" is not "ম").
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

# Letters whose marks are not separate code points (NFD leaves ł as it is).
# Turkish capital I folds to i, so the dotless ı must too ("KIZ" = "kız" = "kiz").
_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "ı": "i"})
# Spellings of one word that phones type differently, folded after decomposition (which
# leaves ي of ئ): Urdu ی and ک typed on an Arabic keyboard (ي ى ك); the Gurmukhi nukta and
# addak, often left out (ਜ਼ = ਜ, ਥੱਪੜ = ਥਪੜ), and tippi typed as bindi; zero-width joiners,
# which change how a word looks, not what it says.
_VARIANTS = str.maketrans(
    {
        "\u064a": "\u06cc",
        "\u0649": "\u06cc",
        "\u0643": "\u06a9",
        "\u0a3c": "",
        "\u0a71": "",
        "\u0a70": "\u0a02",
        "\u200c": "",
        "\u200d": "",
    }
)
_APOSTROPHES = re.compile(r"['’‘`´]")
# Marks left after folding (Bengali, Gurmukhi, Gujarati, Tamil vowel signs) are not \w, but
# they are part of the word: without them "মারে" (hits) would fall apart as "ম র".
_MARKS = "".join(
    c for c in map(chr, range(0x0300, 0x10000)) if unicodedata.category(c).startswith("M")
)
_WORD = f"[\\w{_MARKS}]"
_NOT_WORD = re.compile(f"[^\\w{_MARKS}]+")
_GAP = "~ "  # up to three other words in between
_GAP_PATTERN = f"(?:{_WORD}+ ){{0,3}}"
_PHRASE_PARTS = re.compile(r"(~ |[()|?* ]|[^()|?* ~]+)")


def fold(text: str) -> str:
    """Text as phrases are compared: lower case, no accents (Indic vowel signs stay), words
    separated by one space."""
    text = _APOSTROPHES.sub("", text.casefold()).translate(_LETTERS)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not _dropped_mark(c))
    text = unicodedata.normalize("NFC", text.translate(_VARIANTS))
    return " ".join(_NOT_WORD.sub(" ", text).replace("_", " ").split())


def _dropped_mark(char: str) -> bool:
    """A combining mark that does not change the word (an accent, an Arabic short vowel)."""
    return unicodedata.combining(char) != 0 and not "\u0900" <= char <= "\u0dff"


@dataclass(frozen=True, slots=True)
class Sign:
    """One sign found: its kind (hitting, marks, home, touching, alone, neglect, self_harm),
    the language of the phrase, and the words that matched (folded)."""

    kind: str
    language: str
    words: str


def compile_phrase(phrase: str) -> re.Pattern[str]:
    """A phrase of the data file as a pattern over folded text (see the file's header)."""
    out: list[str] = []
    for part in _PHRASE_PARTS.findall(phrase.strip()):
        if part == _GAP:
            out.append(_GAP_PATTERN)
        elif part == "(":
            out.append("(?:")
        elif part in (")", "|", "?", " "):
            out.append(part)
        elif part == "*":
            out.append(f"{_WORD}*")
        else:
            # A word: folded as the text is; "doesn't" is written as the text is read.
            folded = fold(part)
            if not folded:
                raise ValueError(f"a phrase holds no word here: {part!r} in {phrase!r}")
            out.append(re.escape(folded))
    body = "".join(out)
    try:
        return re.compile(f"(?<!{_WORD})(?:{body})(?!{_WORD})")
    except re.error as error:
        raise ValueError(f"not a phrase: {phrase!r} ({error})") from error


class Signs:
    """Every language's phrases, compiled once; `find` looks for all of them in any message,
    whatever language the family is on file with (families write in more than one)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._signs: list[tuple[str, str, re.Pattern[str]]] = []
        self._ordinary: list[re.Pattern[str]] = []
        for language, table in data.items():
            if not isinstance(table, Mapping):
                raise ValueError(f"[{language}] must be a table")
            self._ordinary += [compile_phrase(p) for p in _phrases(table.get("ordinary", []))]
            for kind, phrases in (table.get("signs") or {}).items():
                self._signs += [(kind, language, compile_phrase(p)) for p in _phrases(phrases)]

    @classmethod
    def load(cls, path: Path | None = None) -> Signs:
        """From a file, or the one shipped with the program."""
        if path is None:
            # The shipped file, then each further language's own (data/safeguarding/LANG.toml).
            source = resources.files("bot.data").joinpath("safeguarding.toml")
            data = tomllib.loads(source.read_text(encoding="utf-8"))
            folder = resources.files("bot.data").joinpath("safeguarding")
            if folder.is_dir():
                for file in sorted(folder.iterdir(), key=lambda f: f.name):
                    if file.name.endswith(".toml"):
                        data.update(tomllib.loads(file.read_text(encoding="utf-8")))
            return cls(data)
        return cls(tomllib.loads(path.read_text(encoding="utf-8")))

    def find(self, text: str) -> tuple[Sign, ...]:
        """The signs a message holds, in text order; none that overlaps an everyday phrase
        ("mum hurt her back", "not fed up")."""
        folded = fold(text)
        if not folded:
            return ()
        ordinary = [m.span() for p in self._ordinary for m in p.finditer(folded)]
        found: list[tuple[int, Sign]] = []
        for kind, language, pattern in self._signs:
            for match in pattern.finditer(folded):
                start, end = match.span()
                if any(start < b and a < end for a, b in ordinary):
                    continue
                found.append((start, Sign(kind, language, match.group(0).strip())))
        found.sort(key=lambda f: f[0])
        return tuple(dict.fromkeys(sign for _, sign in found))

    @property
    def known_kinds(self) -> tuple[str, ...]:
        """Every kind of sign some language lists, each once."""
        return tuple(dict.fromkeys(kind for kind, _, _ in self._signs))

    def kinds(self, text: str) -> tuple[str, ...]:
        """The kinds of sign a message holds, each once, in text order."""
        return tuple(dict.fromkeys(sign.kind for sign in self.find(text)))


def _phrases(value: Any) -> Iterable[str]:
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise ValueError("phrases must be a list of strings")
    return value


@cache
def shipped_signs() -> Signs:
    """The signs shipped with the program, compiled once."""
    return Signs.load()
