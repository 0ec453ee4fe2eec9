"""Plain words: jargon and hurtful-wording checks for staff-written text, and term explanations.

The check only reports; text changes when a staff member accepts a suggestion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.language.plain_data import GlossaryData, Term, read_glossary

JARGON = "jargon"
HURTFUL = "hurtful"

# A spelling is a whole word: no letter, digit, '#', '@' or '&' touching it.
_LEFT = r"(?<![\w#@&])"
_RIGHT = r"(?![\w&])"
# Numeric spellings ("1:1") must not be part of a time, date or score ("1:15", "1-1-2025").
_LEFT_DIGIT = _LEFT + r"(?<!\d[-:./])"
_RIGHT_DIGIT = _RIGHT + r"(?![-:./]\d)"
_GAP = r"[\s-]+"  # a space or hyphen inside a spelling matches any run of either
# Web addresses, e-mail addresses and #codes (reply codes like #K7Q) are never checked.
_UNCHECKED = re.compile(
    r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|#\w+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:uk|org|com|net|gov|nhs|info|io)\b(?:/\S*)?",
    re.IGNORECASE,
)
_SENTENCE_END = (".", "!", "?", "\n")
_QUESTION = re.compile(
    r"^(?:what\s+(?:is|are|does|do)|what'?s|who\s+(?:is|are)|who'?s|meaning\s+of|define"
    r"|explain|co\s+to\s+(?:jest|są|znaczy)|co\s+to|co\s+(?:oznacza|znaczy)|czym\s+(?:jest|są)"
    r"|kto\s+to(?:\s+jest)?)\s+(?P<rest>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_QUOTES = "\"'„”“«»‘’"
_ARTICLE = re.compile(r"^(?:a|an|the|my|our|your)\s+", re.IGNORECASE)
_ASKED_SUFFIX = re.compile(r"\s+(?:mean|means|stand\s+for|stands\s+for|do)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Flag:
    """One thing the check found in a staff member's text."""

    kind: str  # "jargon" or "hurtful"
    start: int
    end: int  # the span in the checked text
    found: str  # the text as written
    term: str  # glossary key (jargon) or pattern id (hurtful)
    suggestion: str  # plain alternative (jargon) or "" (hurtful)
    reason: str  # why it is flagged, for the staff member


class Glossary:
    """The glossary, compiled once into one matcher; checks text and explains terms."""

    __slots__ = ("_by_key", "_by_name", "_caps", "_matcher", "_spellings", "_wordings", "terms")

    def __init__(self, data: GlossaryData) -> None:
        self.terms: tuple[str, ...] = tuple(term.key for term in data.terms)
        self._by_key = {term.key: term for term in data.terms}
        self._by_name = {_fold(name): term.key for term in data.terms for name in term.names}
        self._wordings = data.wordings
        # (term, spelling) for each numbered group of the matcher, longest spellings first.
        spellings = [
            (term, spelling, spelling in term.exact)
            for term in data.terms
            if term.flagged
            for spelling in (*term.exact, *term.words)
        ]
        spellings.sort(key=lambda item: -len(item[1]))
        self._spellings = tuple((term, spelling) for term, spelling, _ in spellings)
        self._matcher = _matcher([(spelling, exact) for _, spelling, exact in spellings])
        self._caps = frozenset(name for term in data.terms for name in term.names if name.isupper())

    @classmethod
    def load(cls, path: Path | None = None) -> Glossary:
        """The glossary from a TOML file; the packaged one, read once, when no path is given."""
        return _packaged() if path is None else cls(read_glossary(path))

    def check(self, text: str, *, to_many: bool = False) -> tuple[Flag, ...]:
        """Jargon in the text, and hurtful wording too when it goes to many families."""
        unchecked = [m.span() for m in _UNCHECKED.finditer(text)]
        found = list(self._jargon(text))
        if to_many:
            found.extend(self._hurtful(text))
        found = [f for f in found if not any(f.start < e and s < f.end for s, e in unchecked)]
        return _without_overlaps(found)

    def accept(self, text: str, flag: Flag) -> str:
        """The text with the flagged words replaced by their plain alternative."""
        if not flag.suggestion:
            raise ValueError(f"flag {flag.term!r} has no plain alternative to accept")
        if text[flag.start : flag.end] != flag.found:
            raise ValueError("the text has changed since it was checked")
        suggestion = flag.suggestion
        if flag.found[:1].isupper() and _starts_sentence(text, flag.start):
            suggestion = suggestion[:1].upper() + suggestion[1:]
        return text[: flag.start] + suggestion + text[flag.end :]

    def explain(self, term_or_variant: str, language: str) -> str | None:
        """A plain explanation of a term in a language (English when it has none)."""
        key = self._key_for(term_or_variant)
        if key is None:
            return None
        base = language.replace("_", "-").split("-")[0].lower()
        return self._by_key[key].explanation(base)

    def lookup(self, question: str) -> str | None:
        """The glossary key a parent asks about ("WHAT IS EHCP?", "co to jest EHCP"), or None."""
        text = question.strip()
        asked = _QUESTION.match(text)
        if asked is None:
            # A bare term with a question mark ("SENCo?") is a question too.
            return self._key_for(text[:-1]) if text.endswith("?") else None
        rest = asked.group("rest").strip().rstrip("?!. ").strip(_QUOTES)
        rest = _ASKED_SUFFIX.sub("", _ARTICLE.sub("", rest)).strip(_QUOTES + " ")
        return self._key_for(rest)

    def _key_for(self, name: str) -> str | None:
        folded = _fold(name)
        key = self._by_name.get(folded)
        if key is None and folded.endswith("s"):
            key = self._by_name.get(folded[:-1])
        return key

    def _jargon(self, text: str) -> list[Flag]:
        flags = []
        for match in self._matcher.finditer(text):
            term, spelling = self._spellings[int(str(match.lastgroup)[1:])]
            found = match.group()
            if spelling in term.exact and found.isupper() and self._shouted(text, match):
                continue
            plural = found[-1:] in "sS" and spelling[-1:] not in "sS"
            flags.append(
                Flag(
                    JARGON,
                    match.start(),
                    match.end(),
                    found,
                    term.key,
                    term.plain_plural if plural else term.plain,
                    _jargon_reason(found, term),
                )
            )
        return flags

    def _hurtful(self, text: str) -> list[Flag]:
        return [
            Flag(HURTFUL, m.start(), m.end(), m.group(), wording.id, "", wording.reason)
            for wording in self._wordings
            for m in wording.pattern.finditer(text)
        ]

    def _shouted(self, text: str, match: re.Match[str]) -> bool:
        """Whether an all-capitals acronym sits among other capitalised words ("PLEASE SEND IT")."""
        start, end = match.span()
        before = re.search(r"([A-Za-z']+)[^A-Za-z]*$", text[max(0, start - 30) : start])
        after = re.match(r"[^A-Za-z]*([A-Za-z']+)", text[end : end + 30])
        for word in (m.group(1) for m in (before, after) if m):
            ordinary = word not in self._caps or word == match.group()  # "LA LA LA" too
            if len(word) > 1 and word.isupper() and ordinary:
                return True
        return False


@cache
def _packaged() -> Glossary:
    return Glossary(read_glossary())


def _matcher(spellings: list[tuple[str, bool]]) -> re.Pattern[str]:
    """One pattern for every spelling, group s<i> for the i-th; longest spellings tried first.

    Spellings are grouped by their first letter behind a lookahead, so at each word start
    only the spellings that can begin there are tried (about ten times faster than one list).
    """
    branches: dict[str, list[str]] = {}
    for i, (spelling, exact) in enumerate(spellings):
        first = spelling[0].casefold()
        branches.setdefault(first, []).append(f"(?P<s{i}>{_spelling_pattern(spelling, exact)})")
    if not branches:
        return re.compile(r"(?!)")  # a glossary with nothing to flag matches nothing
    alternatives = "|".join(
        f"(?=[{re.escape(first + first.upper())}])(?:{'|'.join(options)})"
        for first, options in branches.items()
    )
    return re.compile(rf"{_LEFT}(?=\w)(?:{alternatives})")


def _spelling_pattern(spelling: str, exact: bool) -> str:
    """A regular expression for one spelling: whole words, a plural 's', flexible gaps."""
    body = _GAP.join(re.escape(part) for part in re.split(_GAP, spelling))
    if spelling[-1].isalpha() and spelling[-1] not in "sS":
        body += "s?"
    left = _LEFT_DIGIT if spelling[0].isdigit() else _LEFT
    right = _RIGHT_DIGIT if spelling[-1].isdigit() else _RIGHT
    return f"{left}(?{'-' if exact else ''}i:{body}){right}"


def _jargon_reason(found: str, term: Term) -> str:
    shown = {_fold(found), _fold(term.plain)}
    meaning = f" ({term.means})" if term.means and _fold(term.means) not in shown else ""
    return f"Families may not know what '{found}'{meaning} means. Try: '{term.plain}'."


def _without_overlaps(flags: list[Flag]) -> tuple[Flag, ...]:
    """Flags in text order; where two overlap, the one that starts first (then the longer) wins."""
    kept: list[Flag] = []
    for flag in sorted(flags, key=lambda f: (f.start, -(f.end - f.start), f.kind != HURTFUL)):
        if not kept or flag.start >= kept[-1].end:
            kept.append(flag)
    return tuple(kept)


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'([")
    return not before or before.endswith(_SENTENCE_END)


def _fold(name: str) -> str:
    """A name as compared in questions: case, hyphens, commas and quotes ignored."""
    name = re.sub(r"[-‐–—_/]", " ", name.casefold())
    name = re.sub(r"[,.?!\"'‘’“”()]", "", name)
    return " ".join(name.split())
