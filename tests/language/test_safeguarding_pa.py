"""Punjabi (Gurmukhi) safeguarding signs on held-out messages both ways: messages a family
might really write that must reach the DSL, and everyday messages with the same words that
must not. Written before the phrases in bot/data/safeguarding/pa.toml, and not copied from them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.language.safeguarding import compile_phrase, fold, shipped_signs

DATA = Path(__file__).parents[2] / "bot" / "data"

FOUND = [
    ("hitting", "ਗੁਰਲੀਨ ਦਾ ਪਿਓ ਉਸਨੂੰ ਬਹੁਤ ਕੁੱਟਦਾ ਹੈ"),
    ("hitting", "ਮੇਰਾ ਘਰਵਾਲਾ ਬੱਚਿਆਂ ਨੂੰ ਬੈਲਟ ਨਾਲ ਮਾਰਦਾ ਹੈ"),
    ("hitting", "ਮੰਮੀ ਦਾ ਦੋਸਤ ਉਹਨੂੰ ਥੱਪੜ ਮਾਰਦਾ ਹੈ"),
    ("marks", "ਸਿਮਰ ਦੀ ਬਾਂਹ ਤੇ ਨੀਲ ਪਏ ਹਨ, ਚਾਚੇ ਨੇ ਜ਼ੋਰ ਨਾਲ ਫੜਿਆ ਸੀ"),
    ("marks", "ਅਰਜਨ ਦੀ ਪਿੱਠ ਤੇ ਸਿਗਰਟ ਨਾਲ ਸੜਨ ਦੇ ਨਿਸ਼ਾਨ ਹਨ"),
    ("home", "ਹਰਲੀਨ ਘਰ ਜਾਣ ਤੋਂ ਡਰਦੀ ਹੈ"),
    ("home", "ਜੱਸੀ ਆਪਣੇ ਮਤਰੇਏ ਪਿਓ ਤੋਂ ਬਹੁਤ ਡਰਦਾ ਹੈ"),
    ("touching", "ਉਸਦਾ ਮਾਮਾ ਉਸਨੂੰ ਗਲਤ ਥਾਂ ਤੇ ਛੂੰਹਦਾ ਹੈ"),
    ("touching", "ਇੱਕ ਆਦਮੀ ਨੇ ਅਰਜਨ ਨੂੰ ਨੰਗੀਆਂ ਫ਼ੋਟੋਆਂ ਦਿਖਾਈਆਂ"),
    ("alone", "ਉਹ ਬੱਚਿਆਂ ਨੂੰ ਸਾਰੀ ਰਾਤ ਘਰ ਇਕੱਲੇ ਛੱਡ ਜਾਂਦੀ ਹੈ"),
    ("neglect", "ਦੋ ਦਿਨਾਂ ਤੋਂ ਘਰ ਵਿੱਚ ਖਾਣ ਨੂੰ ਕੁਝ ਨਹੀਂ"),
    ("neglect", "ਸਿਮਰ ਨੂੰ ਕਈ ਦਿਨਾਂ ਤੋਂ ਰੋਟੀ ਨਹੀਂ ਦਿੱਤੀ ਗਈ"),
    ("self_harm", "ਕਦੇ ਕਦੇ ਖ਼ੁਦਕੁਸ਼ੀ ਕਰਨ ਨੂੰ ਦਿਲ ਕਰਦਾ ਹੈ"),
    ("self_harm", "ਉਹ ਜਾਣ ਬੁੱਝ ਕੇ ਆਪਣੇ ਆਪ ਨੂੰ ਕੱਟਦੀ ਹੈ"),
]

NOT_FOUND = [
    "ਅੱਜ ਗੁਰਲੀਨ ਨੇ ਫੁੱਟਬਾਲ ਵਿੱਚ ਗੋਲ ਮਾਰਿਆ!",
    "ਕੇਲਾ ਕਾਲਾ ਹੋ ਗਿਆ ਸੀ, ਇਸ ਲਈ ਨਹੀਂ ਦਿੱਤਾ",
    "ਖੇਡਦੇ ਹੋਏ ਅਰਜਨ ਦਾ ਸਿਰ ਮੇਜ਼ ਨਾਲ ਵੱਜਿਆ, ਥੋੜ੍ਹੀ ਸੱਟ ਲੱਗੀ",
    "ਨਰਸਰੀ ਤੋਂ ਆ ਕੇ ਕਹਿੰਦਾ ਹੈ ਬਹੁਤ ਭੁੱਖ ਲੱਗੀ ਹੈ",
    "ਨਰਸਰੀ ਇੰਨੀ ਪਸੰਦ ਹੈ ਕਿ ਹਰਲੀਨ ਘਰ ਨਹੀਂ ਜਾਣਾ ਚਾਹੁੰਦੀ",
    "ਇਹ ਜਨਮਦਿਨ ਦਾ ਤੋਹਫ਼ਾ ਹੈ, ਭੇਤ ਰੱਖਣਾ, ਪਾਪਾ ਨੂੰ ਨਾ ਦੱਸਣਾ",
    "ਜੱਸੀ ਨੇ ਦੂਜੇ ਬੱਚੇ ਨੂੰ ਮਾਰਿਆ, ਅਸੀਂ ਘਰ ਸਮਝਾਇਆ ਹੈ",
    "ਮੇਰਾ ਪੁੱਤ ਅੱਜ ਬਹੁਤ ਖੁਸ਼ ਸੀ, ਮੇਰੇ ਨਾਲ ਖੇਡਿਆ",
    "ਭੁੱਖ ਨਾਲ ਮਰ ਰਹੀ ਹਾਂ, ਜਲਦੀ ਰੋਟੀ ਬਣਾਉਣੀ ਹੈ",
    "ਮੱਛਰ ਨੇ ਕੱਟਿਆ ਹੈ, ਬਾਂਹ ਤੇ ਲਾਲ ਨਿਸ਼ਾਨ ਹੈ",
    "ਦਾਦੀ ਨੇ ਉਸਨੂੰ ਸਾਈਕਲ ਚਲਾਉਣਾ ਸਿਖਾਇਆ",
    "ਪਾਪਾ ਨਾਲ ਮਾਰਕੀਟ ਗਏ ਸੀ, ਬਹੁਤ ਮਜ਼ਾ ਆਇਆ",
    "ਮਾਂ ਨੇ ਦੱਸਿਆ ਕਿ ਰਾਤ ਨੂੰ ਢਿੱਡ ਵਿੱਚ ਦਰਦ ਸੀ",
    "ਪਾਪਾ ਨੇ ਪੱਤੇ ਇਕੱਠੇ ਕਰਕੇ ਸਾੜਿਆ",
    "ਪਾਪਾ ਨੇ ਰਸੋਈ ਵਿੱਚ ਮੱਛਰ ਮਾਰਿਆ",
]


@pytest.mark.parametrize(("kind", "text"), FOUND, ids=[t[:30] for _, t in FOUND])
def test_a_punjabi_message_that_suggests_harm_is_found(kind: str, text: str) -> None:
    assert kind in shipped_signs().kinds(text)


@pytest.mark.parametrize("text", NOT_FOUND, ids=[t[:30] for t in NOT_FOUND])
def test_an_ordinary_punjabi_message_is_not_found(text: str) -> None:
    assert shipped_signs().find(text) == ()


def test_punjabi_has_every_kind_of_sign_and_the_examples_are_not_its_phrases() -> None:
    english = tomllib.loads((DATA / "safeguarding.toml").read_text(encoding="utf-8"))["en"]
    punjabi = tomllib.loads((DATA / "safeguarding" / "pa.toml").read_text(encoding="utf-8"))["pa"]
    assert set(punjabi["signs"]) == set(english["signs"])
    groups = [punjabi["ordinary"], *punjabi["signs"].values()]
    phrases = {fold(p) for group in groups for p in group}
    assert not [t for _, t in FOUND if fold(t) in phrases] + [
        t for t in NOT_FOUND if fold(t) in phrases
    ]


def test_gurmukhi_words_keep_their_vowel_signs_when_folded() -> None:
    # Without its vowel signs "ਮਾਰਿਆ" (hit) would be three one-letter words, and "ਮਾਰ" (hit)
    # would be the same as "ਮੇਰਾ" (my).
    assert fold("ਪਿਓ ਨੇ ਮਾਰਿਆ!") == "ਪਿਓ ਨੇ ਮਾਰਿਆ"
    assert not compile_phrase("ਮਾਰ*").search(fold("ਮੇਰਾ ਪੁੱਤ"))
    assert compile_phrase("ਪਿਓ ~ ਮਾਰ*").search(fold("ਪਿਓ ਉਸਨੂੰ ਬਹੁਤ ਮਾਰਦਾ"))
    # Addak and tippi are often typed or left out; nukta too.
    assert fold("ਥੱਪੜ ਮੂੰਹ ਜ਼ੋਰ") == fold("ਥਪੜ ਮੂਂਹ ਜੋਰ")
