"""Safeguarding signs on held-out messages both ways (tests/data/safeguarding_examples.toml),
and the folding they share with the glossary: case, punctuation, Polish letters."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.language.safeguarding import Signs, compile_phrase, fold, shipped_signs

EXAMPLES = tomllib.loads(
    (Path(__file__).parent / "data" / "safeguarding_examples.toml").read_text(encoding="utf-8")
)
PHRASES = tomllib.loads(
    (Path(__file__).parent.parent / "bot" / "data" / "safeguarding.toml").read_text("utf-8")
)


@pytest.mark.parametrize("example", EXAMPLES["found"], ids=lambda e: e["text"][:40])
def test_a_held_out_message_that_suggests_harm_is_found(example: dict[str, str]) -> None:
    assert example["kind"] in shipped_signs().kinds(example["text"])


@pytest.mark.parametrize("example", EXAMPLES["not_found"], ids=lambda e: e["text"][:40])
def test_a_held_out_ordinary_message_is_not_found(example: dict[str, str]) -> None:
    assert shipped_signs().find(example["text"]) == ()


def test_held_out_examples_are_not_phrases_of_the_file() -> None:
    phrases = {
        fold(p)
        for table in PHRASES.values()
        for group in [table.get("ordinary", []), *table.get("signs", {}).values()]
        for p in group
    }
    texts = [e["text"] for e in EXAMPLES["found"] + EXAMPLES["not_found"]]
    assert not [t for t in texts if fold(t) in phrases]


def test_every_language_has_every_kind_of_sign() -> None:
    kinds = {lang: set(table["signs"]) for lang, table in PHRASES.items()}
    assert kinds["en"] == kinds["pl"] == {
        "hitting", "marks", "home", "touching", "alone", "neglect", "self_harm"
    }  # fmt: skip


def test_folding_ignores_case_punctuation_apostrophes_and_polish_marks() -> None:
    assert fold("  Żłobek: ZOSIA   doesn’t… ŚPI!") == "zlobek zosia doesnt spi"


def test_phrase_syntax_endings_options_and_gaps() -> None:
    pattern = compile_phrase("bruis* ~ (grab*|pinch*)( him| her)?")
    assert pattern.search(fold("Bruises where he grabbed him"))
    assert pattern.search(fold("bruised, pinched"))
    assert not pattern.search(fold("bruised banana and then he grabbed it"))  # four between
    assert not compile_phrase("hit me").search("white mesh")  # whole words only


def test_a_sign_inside_an_everyday_phrase_is_not_a_sign() -> None:
    signs = Signs({"en": {"ordinary": ["fed up"], "signs": {"neglect": ["not fed"]}}})
    assert signs.find("I'm not fed up at all") == ()
    assert [s.kind for s in signs.find("He is not fed, and I am fed up")] == ["neglect"]


def test_a_malformed_phrase_is_refused_with_the_phrase_named() -> None:
    with pytest.raises(ValueError, match="not a phrase: '\\(hit me'"):
        compile_phrase("(hit me")
    with pytest.raises(ValueError, match="must be a list of strings"):
        Signs({"en": {"signs": {"hitting": "hit me"}}})


def test_signs_name_their_kind_language_and_words() -> None:
    (sign,) = shipped_signs().find("Tata go bije.")
    assert (sign.kind, sign.language, sign.words) == ("hitting", "pl", "tata go bije")
