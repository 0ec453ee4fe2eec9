"""Tamil safeguarding signs on held-out messages both ways, written apart from the phrases
in bot/data/safeguarding/ta.toml, and the Tamil glossary explanations."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.language.plain_data import read_glossary
from bot.language.safeguarding import fold, shipped_signs

DATA = Path(__file__).parents[2] / "bot" / "data"

FOUND = [
    ("hitting", "என் கணவர் குழந்தையை பெல்ட்டால் அடிக்கிறார்"),
    ("hitting", "குழந்தையோட அப்பா நேத்து ராத்திரி பயங்கரமா அடிச்சாரு"),
    ("hitting", "அம்மாவோட பாய்பிரண்ட் குழந்தையை உதைத்தார்"),
    ("marks", "கையில விரல் தடம் மாதிரி காயம் இருக்கு, யாரோ இறுக்கிப் பிடிச்ச மாதிரி"),
    ("home", "குழந்தை வீட்டுக்குப் போகவே பயப்படுது"),
    ("touching", "மாமா குழந்தையைத் தப்பான இடத்தில் தொடுகிறார்"),
    ("alone", "இரவு முழுவதும் குழந்தைகளை வீட்டில் தனியாக விட்டுவிட்டுப் போகிறார்கள்"),
    ("neglect", "ரெண்டு நாளா குழந்தைக்குச் சாப்பாடு கொடுக்கவில்லை"),
    ("self_harm", "எனக்கு வாழவே பிடிக்கல, தற்கொலை பண்ணிக்கலாம்னு தோணுது"),
]

NOT_FOUND = [
    "இன்னைக்கு குழந்தை புதுசா நடக்க ஆரம்பிச்சுது, பெரிய மைல்கல்!",
    "வாழைப்பழம் அடிபட்டு கருப்பாகியிருந்ததால சாப்பிடல",
    "விளையாடும்போது தலை மேசையில் இடிச்சிடுச்சு, இப்போ பரவாயில்லை",
    "நர்சரியில இருந்து வந்ததும் ரொம்பப் பசிக்குது",
    "நர்சரி ரொம்பப் பிடிச்சிருக்கு, வீட்டுக்கே வர மாட்டேங்குது!",
    "அப்பா பிறந்தநாளுக்கு இது ஒரு ரகசியம், சொல்லாதீங்க",
    "அம்மாவுக்கு முதுகு வலி, அதனால நாளைக்கு அப்பா கூட்டிட்டு வருவார்",
    "அப்பா குழந்தையை அடிக்கடி பூங்காவுக்குக் கூட்டிட்டுப் போவார்",
    "கால்பந்து விளையாடும்போது பந்து முகத்துல பட்டுடுச்சு, இப்போ சரியாயிடுச்சு",
]


@pytest.mark.parametrize(("kind", "text"), FOUND, ids=[t[:30] for _, t in FOUND])
def test_a_tamil_message_that_suggests_harm_is_found(kind: str, text: str) -> None:
    assert kind in shipped_signs().kinds(text)


@pytest.mark.parametrize("text", NOT_FOUND, ids=[t[:30] for t in NOT_FOUND])
def test_an_ordinary_tamil_message_is_not_found(text: str) -> None:
    assert shipped_signs().find(text) == ()


def test_the_examples_cover_every_kind_and_are_not_phrases_of_the_file() -> None:
    table = tomllib.loads((DATA / "safeguarding" / "ta.toml").read_text("utf-8"))["ta"]
    english = tomllib.loads((DATA / "safeguarding.toml").read_text("utf-8"))["en"]
    assert set(table["signs"]) == set(english["signs"]) == {kind for kind, _ in FOUND}
    phrases = {fold(p) for group in [table["ordinary"], *table["signs"].values()] for p in group}
    texts = [t for _, t in FOUND] + NOT_FOUND
    assert not [t for t in texts if fold(t) in phrases]


def test_tamil_words_keep_their_vowel_signs_and_viramas_when_folded() -> None:
    assert fold("அப்பா அடிக்கிறார்!") == "அப்பா அடிக்கிறார்"
    assert fold("கொடு") == fold("கொடு")  # ொ typed as one sign or as ெ + ா
    assert fold("அடி") != fold("அட")


def test_every_glossary_term_is_explained_in_tamil() -> None:
    missing = [t.key for t in read_glossary().terms if "ta" not in t.explain]
    assert not missing
