"""Arabic safeguarding signs on held-out messages both ways: what families write (in Modern
Standard Arabic or everyday spoken Arabic, with or without hamza), never a phrase of
bot/data/safeguarding/ar.toml written out."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.language.safeguarding import fold, shipped_signs

PHRASES = tomllib.loads(
    (Path(__file__).parents[2] / "bot" / "data" / "safeguarding" / "ar.toml").read_text("utf-8")
)["ar"]

FOUND = [
    ("hitting", "زوج أمها يضربها كل ما تبكي"),
    ("hitting", "أبوه ضربه بالحزام أمس لأنه كسر الكوب"),
    ("hitting", "في عنف أسري عندنا في البيت وما أعرف ماذا أفعل"),
    ("marks", "في آثار أصابع على خدها من يوم الجمعة"),
    ("marks", "لاحظت حرق سيجارة على يده"),
    ("home", "ابني خايف يرجع على البيت"),
    ("home", "أحس أن الطفل مش بأمان في البيت"),
    ("touching", "عمها يلمسها في أماكنها الخاصة"),
    ("touching", "أخاف أن يكون أحد تحرش بها"),
    ("alone", "كثيرا ما تتركهم وحدهم في البيت وتطلع"),
    ("neglect", "أمه ما تطعمه أبدا، يجي جوعان كل يوم"),
    ("neglect", "ما في أكل في البيت من يومين"),
    ("self_harm", "مرات أفكر أنهي حياتي"),
    ("self_harm", "أخوه الكبير قال إنه يبغى يموت"),
]

NOT_FOUND = [
    "الموزة فيها كدمات، ما رضي ياكلها",
    "ضربته الكرة في رأسه وهو يلعب لكنه بخير الآن",
    "ولد في الصف ضربه اليوم؟ كان يبكي عند الباب",
    "جوعان جدا كل يوم بعد الحضانة",
    "ما بده يرجع على البيت، بيحب الحضانة كثير",
    "هذا سر، نحضر هدية لعيد ميلاد أبوه",
    "تركته ينام وحده في غرفته لأول مرة",
    "أمها ضربت موعدا مع الطبيب يوم الخميس",
    "بابا يلاعبه ويرميه في الهواء وهو يضحك",
    "يموت في الشوكولاتة",
    "جدته جرحت إصبعها وهي تطبخ",
    "أبوه لمسه على كتفه ليصحيه من النوم",
]


@pytest.mark.parametrize(("kind", "text"), FOUND, ids=[t[:24] for _, t in FOUND])
def test_a_held_out_arabic_message_that_suggests_harm_is_found(kind: str, text: str) -> None:
    assert kind in shipped_signs().kinds(text)


@pytest.mark.parametrize("text", NOT_FOUND, ids=[t[:24] for t in NOT_FOUND])
def test_a_held_out_ordinary_arabic_message_is_not_found(text: str) -> None:
    assert shipped_signs().find(text) == ()


def test_arabic_has_every_kind_of_sign_and_held_out_examples_of_each() -> None:
    kinds = {"hitting", "marks", "home", "touching", "alone", "neglect", "self_harm"}
    assert set(PHRASES["signs"]) == kinds
    assert {kind for kind, _ in FOUND} == kinds


def test_held_out_arabic_examples_are_not_phrases_of_the_file() -> None:
    phrases = {
        fold(p) for group in [PHRASES["ordinary"], *PHRASES["signs"].values()] for p in group
    }
    assert not [t for _, t in FOUND if fold(t) in phrases]
    assert not [t for t in NOT_FOUND if fold(t) in phrases]


def test_hamza_and_short_vowels_do_not_matter() -> None:
    assert fold("أبوه ضَرَبَه") == fold("ابوه ضربه")
