"""The plain-words glossary and hurtful-wording patterns, read from bot/data/glossary.toml."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class Term:
    """One glossary entry: how staff may write it, a plain alternative, and explanations."""

    key: str
    exact: tuple[str, ...]  # matched only as written
    words: tuple[str, ...]  # matched in any case
    known: tuple[str, ...]  # other names parents may ask about; never flagged
    means: str  # what the term stands for, for staff ("" when it needs no expansion)
    plain: str
    plain_plural: str
    flagged: bool
    explain: Mapping[str, str]  # language code -> plain explanation for parents

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the term answers to, the key first."""
        return (self.key, *self.exact, *self.words, *self.known)

    def explanation(self, language: str) -> str:
        """The explanation in a language (a base code such as 'pl'), else in English."""
        return self.explain.get(language) or self.explain[DEFAULT_LANGUAGE]


@dataclass(frozen=True, slots=True)
class Wording:
    """A wording that can hurt families of children with SEND in a message to many families."""

    id: str
    pattern: re.Pattern[str]
    reason: str


@dataclass(frozen=True, slots=True)
class GlossaryData:
    """Everything glossary.toml holds, in file order."""

    terms: tuple[Term, ...]
    wordings: tuple[Wording, ...]


def read_glossary(path: Path | None = None) -> GlossaryData:
    """Parse and check glossary.toml; the packaged one unless a path is given. The packaged
    glossary also takes the explanations of each further language from data/glossary/LANG.toml
    (an [explain] table: term key = plain explanation)."""
    if path is None:
        source = resources.files("bot") / "data" / "glossary.toml"
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
        _add_explanations(raw, resources.files("bot") / "data" / "glossary")
    else:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    terms = tuple(_term(entry) for entry in raw.get("term", []))
    wordings = tuple(_wording(entry) for entry in raw.get("hurtful", []))
    return GlossaryData(terms, wordings)


def _add_explanations(raw: dict[str, Any], folder: Traversable) -> None:
    """Put each language file's explanations on the terms they name; an unknown key is an
    error, so a renamed term cannot leave a translation behind unnoticed."""
    if not folder.is_dir():
        return
    by_key = {str(entry.get("key")): entry for entry in raw.get("term", [])}
    for file in sorted(folder.iterdir(), key=lambda f: f.name):
        if not file.name.endswith(".toml"):
            continue
        language = file.name.removesuffix(".toml")
        table = tomllib.loads(file.read_text(encoding="utf-8")).get("explain", {})
        for key, text in table.items():
            if key not in by_key:
                raise ValueError(f"glossary/{file.name}: no term {key!r} in glossary.toml")
            by_key[key].setdefault("explain", {})[language] = text


def _term(entry: dict[str, Any]) -> Term:
    key = _text(entry, "key", "a term")
    where = f"term {key!r}"
    explain = entry.get("explain")
    if not isinstance(explain, dict) or not _is_text(explain.get(DEFAULT_LANGUAGE)):
        raise ValueError(f"glossary: {where} needs explain.{DEFAULT_LANGUAGE}")
    flagged = entry.get("flag", True)
    exact, words, known = (_names(entry, field, where) for field in ("exact", "words", "known"))
    if flagged and not (exact or words):
        raise ValueError(f"glossary: {where} is flagged but has no exact or words spellings")
    plain = _text(entry, "plain", where)
    return Term(
        key=key,
        exact=exact,
        words=words,
        known=known,
        means=str(entry.get("means") or (known[0] if known else "")),
        plain=plain,
        plain_plural=str(entry.get("plain_plural") or plain),
        flagged=bool(flagged),
        explain=MappingProxyType({str(lang): str(text) for lang, text in explain.items()}),
    )


def _wording(entry: dict[str, Any]) -> Wording:
    ident = _text(entry, "id", "a hurtful pattern")
    pattern = _text(entry, "pattern", f"hurtful pattern {ident!r}")
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise ValueError(f"glossary: hurtful pattern {ident!r} does not compile: {error}") from None
    return Wording(ident, compiled, _text(entry, "reason", f"hurtful pattern {ident!r}"))


def _names(entry: dict[str, Any], field: str, where: str) -> tuple[str, ...]:
    values = entry.get(field, [])
    if not isinstance(values, list) or not all(_is_text(v) for v in values):
        raise ValueError(f"glossary: {where}: {field} must be a list of non-empty strings")
    return tuple(v.strip() for v in values)


def _text(entry: dict[str, Any], field: str, where: str) -> str:
    value = entry.get(field)
    if not _is_text(value):
        raise ValueError(f"glossary: {where} needs a non-empty {field}")
    return str(value).strip()


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())
