"""Typed answers and trigger words compare equal in every script the catalogs are written in:
vowel signs stay part of a word, optional Arabic marks and a Turkish capital's dot do not count."""

from __future__ import annotations

import re

import pytest

from bot.language.catalogs import Catalogs, Plural, normalise_answer
from bot.language.keywords import PREFIX, SEPARATOR


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("ਹਾਂ", "ਹਾਂ"),  # Punjabi "yes": without its vowel signs it would be "ਹ"
        ("হ্যাঁ", "হ্যাঁ"),  # Bengali "yes", with a virama and a candrabindu
        ("வணக்கம்!", "வணக்கம்"),
        ("હા.", "હા"),
        ("Yes!", "yes"),
        ("  not   now ", "not now"),
    ],
)
def test_a_word_keeps_its_vowel_signs_and_loses_its_punctuation(typed: str, kept: str) -> None:
    assert normalise_answer(typed) == kept


def test_words_that_differ_only_in_vowel_signs_stay_different() -> None:
    assert normalise_answer("ਹਾਂ") != normalise_answer("ਹੈ")  # "yes" is not "is"
    assert normalise_answer("நான்") != normalise_answer("நா")


def test_optional_marks_do_not_count() -> None:
    assert normalise_answer("مَرْحَبًا") == normalise_answer("مرحبا")  # Arabic short vowels
    assert normalise_answer("شكـــرا") == normalise_answer("شكرا")  # the tatweel
    assert normalise_answer("İPTAL") == normalise_answer("iptal")  # Turkish capital İ
    assert normalise_answer("cafe\u0301") == normalise_answer("café")  # decomposed accents


def _trigger_words() -> list[tuple[str, str, str]]:
    catalogs = Catalogs.load()
    found = []
    for lang, messages in sorted(catalogs.messages.items()):
        for key, template in sorted(messages.items()):
            if key.startswith(PREFIX) and not isinstance(template, Plural):
                found += [(lang, key, word) for word in template.split(SEPARATOR)]
    return found


def test_every_trigger_word_keeps_its_words_whole() -> None:
    problems = []
    for lang, key, word in _trigger_words():
        normal = normalise_answer(word)
        if not normal:
            problems.append(f"{lang}: {key} has an empty word")
        elif normalise_answer(normal) != normal:
            problems.append(f"{lang}: {key} word {word!r} does not normalise to one form")
        elif len(normal.split()) > len(re.split(r"[\s'.,!?-]+", word.strip())):
            problems.append(f"{lang}: {key} word {word!r} falls apart as {normal!r}")
    assert not problems, "\n".join(problems)
