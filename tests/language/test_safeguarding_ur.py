"""Urdu safeguarding signs on held-out messages both ways: messages a family might really
write that must reach the DSL, and everyday messages with the same words that must not.
Written before the phrases in bot/data/safeguarding/ur.toml, and not copied from them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.language.safeguarding import fold, shipped_signs

DATA = Path(__file__).parents[2] / "bot" / "data"

FOUND = [
    ("hitting", "میرے شوہر بچوں کو بہت مارتے ہیں، مجھے ڈر لگتا ہے"),
    ("hitting", "کل رات زید کے ابو نے اسے بیلٹ سے مارا"),
    ("hitting", "امی کا دوست عائشہ کو تھپڑ مارتا ہے"),
    ("marks", "عائشہ کے بازو پر نیل ہیں، اس کے سوتیلے باپ نے زور سے پکڑا تھا"),
    ("marks", "علی کی کمر پر سگریٹ سے جلنے کے نشان ہیں"),
    ("home", "زید گھر جانے سے ڈرتا ہے"),
    ("home", "مریم اپنے ابو سے بہت ڈرتی ہے"),
    ("touching", "اس کے چچا اسے غلط جگہ پر چھوتے ہیں"),
    ("touching", "ایک آدمی نے حمزہ کو ننگی تصویریں دکھائیں"),
    ("alone", "وہ بچوں کو رات بھر گھر میں اکیلا چھوڑ دیتی ہے"),
    ("neglect", "دو دن سے گھر میں کھانے کو کچھ نہیں ہے"),
    ("neglect", "سارہ کو کئی دن سے کھانا نہیں دیا گیا"),
    ("self_harm", "میرا دل کرتا ہے کہ خودکشی کر لوں"),
    ("self_harm", "وہ جان بوجھ کر خود کو کاٹتی ہے"),
]

NOT_FOUND = [
    "ماشاءاللہ، آج علی نے فٹبال میں گول مارا!",
    "کیلا کالا پڑ گیا تھا اس لیے نہیں دیا",
    "کھیلتے ہوئے زید کا سر میز سے ٹکرا گیا، تھوڑی سی چوٹ لگی ہے",
    "نرسری سے آ کر کہتا ہے بہت بھوک لگی ہے",
    "نرسری اتنی اچھی لگتی ہے کہ مریم گھر نہیں جانا چاہتی",
    "یہ سالگرہ کا تحفہ ہے، راز رکھیں، ابو کو مت بتانا",
    "حمزہ نے دوسرے بچے کو مارا، ہم نے گھر پر سمجھایا ہے",
    "میں بھوک سے مر رہی ہوں، جلدی کھانا بنانا ہے",
    "مچھر نے کاٹا ہے، بازو پر سرخ نشان ہے",
    "ابو نے اسے سائیکل چلانا سکھایا، بہت خوش ہے",
    "دادی نے عائشہ کو گود میں لے کر پیار کیا",
    "ابو کے ساتھ مارکیٹ گئے تھے، بہت مزہ آیا",
    "ابو نے بتایا کہ زید کے پیٹ میں درد ہے",
    "ابو نے چولہا جلایا اور چائے بنائی",
    "ابو نے کل رات سارے مچھر مارے",
    "گھر آیا اور بہن کو مارا، میں نے ڈانٹا",
]


@pytest.mark.parametrize(("kind", "text"), FOUND, ids=[t[:30] for _, t in FOUND])
def test_an_urdu_message_that_suggests_harm_is_found(kind: str, text: str) -> None:
    assert kind in shipped_signs().kinds(text)


@pytest.mark.parametrize("text", NOT_FOUND, ids=[t[:30] for t in NOT_FOUND])
def test_an_ordinary_urdu_message_is_not_found(text: str) -> None:
    assert shipped_signs().find(text) == ()


def test_urdu_has_every_kind_of_sign_and_the_examples_are_not_its_phrases() -> None:
    english = tomllib.loads((DATA / "safeguarding.toml").read_text(encoding="utf-8"))["en"]
    urdu = tomllib.loads((DATA / "safeguarding" / "ur.toml").read_text(encoding="utf-8"))["ur"]
    assert set(urdu["signs"]) == set(english["signs"])
    phrases = {fold(p) for group in [urdu["ordinary"], *urdu["signs"].values()] for p in group}
    assert not [t for _, t in FOUND if fold(t) in phrases] + [
        t for t in NOT_FOUND if fold(t) in phrases
    ]


def test_arabic_keyboard_letters_fold_to_urdu_ones() -> None:
    # ي and ك from an Arabic keyboard are the Urdu ی and ک; short vowels never matter.
    assert fold("ميرے شوہر بچوں كو مارتے ہيں") == fold("میرے شوہر بچوں کو مارتے ہیں")
    assert fold("مَارا") == fold("مارا")
