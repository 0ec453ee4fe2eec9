"""Trigger words from the catalogs: `trigger.<key>` holds a key's words, `|`-separated, in each
language. A word counts in every language (a Polish family typing INFO is understood), so a new
language brings its words in its catalog and needs no code."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

from bot.language.catalogs import Catalogs, Plural, normalise_answer

PREFIX = "trigger."
SEPARATOR = "|"


class Keywords:
    """Every trigger key's words, normalised as answers are (case and punctuation dropped)."""

    def __init__(self, words: Mapping[str, frozenset[str]]) -> None:
        self.words = dict(words)

    @classmethod
    def from_catalogs(cls, catalogs: Catalogs) -> Keywords:
        """The union over every language of each `trigger.*` message's words."""
        found: dict[str, set[str]] = {}
        for messages in catalogs.messages.values():
            for msgid, template in messages.items():
                if not msgid.startswith(PREFIX) or isinstance(template, Plural):
                    continue
                key = msgid.removeprefix(PREFIX)
                found.setdefault(key, set()).update(_words(template.split(SEPARATOR)))
        return cls({key: frozenset(words) for key, words in found.items()})

    def said(self, key: str, text: str) -> bool:
        """Whether `text`, as a whole answer, is one of the words for `key`."""
        return normalise_answer(text) in self.words.get(key, frozenset())

    def mentions(self, key: str, text: str) -> bool:
        """Whether `text` holds one of the words or phrases for `key` anywhere, as whole words
        ("I'm worried about his speech" mentions "i'm worried")."""
        padded = f" {normalise_answer(text)} "
        return any(f" {phrase} " in padded for phrase in self.words.get(key, frozenset()))

    def keys(self) -> frozenset[str]:
        """Every key some catalog gives words for."""
        return frozenset(self.words)


def _words(raw: Iterable[str]) -> set[str]:
    return {word for word in (normalise_answer(w) for w in raw) if word}


@lru_cache(maxsize=1)
def shipped_keywords() -> Keywords:
    """The words of the catalogs shipped with the program."""
    return Keywords.from_catalogs(Catalogs.load())
