"""Every language a catalog exists for also has the glossary's explanations for families and
the safeguarding phrases, so no family's words or questions fall back to another language's."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest

from bot.language.catalogs import Catalogs
from bot.language.plain_data import read_glossary

LANGUAGES = sorted(Catalogs.load().messages)
DATA = resources.files("bot") / "data"


def _safeguarding(language: str) -> dict[str, Any]:
    shipped = tomllib.loads((DATA / "safeguarding.toml").read_text(encoding="utf-8"))
    if language in shipped:
        return dict(shipped[language])
    file = DATA / "safeguarding" / f"{language}.toml"
    assert file.is_file(), f"no safeguarding phrases for {language}"
    return dict(tomllib.loads(file.read_text(encoding="utf-8"))[language])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_glossary_term_is_explained_in_each_language(language: str) -> None:
    unexplained = [t.key for t in read_glossary().terms if language not in t.explain]
    assert unexplained == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_lists_every_kind_of_safeguarding_sign(language: str) -> None:
    english = set(_safeguarding("en")["signs"])
    signs = _safeguarding(language)["signs"]
    assert set(signs) == english
    assert all(phrases for phrases in signs.values())
