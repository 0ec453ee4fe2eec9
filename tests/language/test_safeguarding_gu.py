"""Gujarati safeguarding signs on held-out messages both ways, written apart from the phrases
in bot/data/safeguarding/gu.toml, and the Gujarati glossary explanations."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.language.plain_data import read_glossary
from bot.language.safeguarding import fold, shipped_signs

DATA = Path(__file__).parents[2] / "bot" / "data"

FOUND = [
    ("hitting", "એના પપ્પા રોજ રાત્રે એને પટ્ટાથી મારે છે"),
    ("hitting", "મારા પતિ બાળકને બહુ મારે છે, મને બીક લાગે છે"),
    ("hitting", "કાલે સાવકા પિતાએ એને જોરથી થપ્પડ મારી"),
    ("marks", "એના હાથ પર આંગળીઓના નિશાન છે, જાણે કોઈએ જોરથી પકડ્યું હોય"),
    ("home", "એને ઘરે જતાં બહુ ડર લાગે છે"),
    ("touching", "એના કાકા એને ખોટી રીતે અડે છે, મને ચિંતા છે"),
    ("alone", "એની મમ્મી બાળકોને આખી રાત ઘરે એકલાં મૂકીને જાય છે"),
    ("neglect", "બે દિવસથી બાળકને ખાવાનું નથી મળ્યું"),
    ("self_harm", "હવે મારે જીવવું નથી, હું મારી જાતને નુકસાન પહોંચાડી દઈશ"),
]

NOT_FOUND = [
    "આજે નવી સિદ્ધિ: પહેલી વાર જાતે ચાલવાની શરૂઆત થઈ!",
    "કેળું થોડું દબાયેલું હતું એટલે ખાધું નહીં",
    "રમતી વખતે માથું ટેબલ સાથે અથડાયું, હવે બિલકુલ ઠીક છે",
    "નર્સરીથી આવીને એને બહુ ભૂખ લાગે છે",
    "એને ઘરે આવવું જ નથી, નર્સરીમાં એટલી મજા આવે છે!",
    "આ પપ્પાના જન્મદિવસ માટેની ખાનગી વાત છે, એમને કહેશો નહીં",
    "મમ્મીને કમરમાં દુખાવો છે, એટલે કાલે પપ્પા લેવા આવશે",
    "મારે એના પપ્પાને પૂછવું પડશે, પછી કહીશ",
    "પપ્પા એને મારી ગાડીમાં લઈ જશે",
    "ફૂટબોલ રમતાં બોલ વાગી ગયો, થોડું રડ્યું પણ હવે સારું છે",
]


@pytest.mark.parametrize(("kind", "text"), FOUND, ids=[t[:30] for _, t in FOUND])
def test_a_gujarati_message_that_suggests_harm_is_found(kind: str, text: str) -> None:
    assert kind in shipped_signs().kinds(text)


@pytest.mark.parametrize("text", NOT_FOUND, ids=[t[:30] for t in NOT_FOUND])
def test_an_ordinary_gujarati_message_is_not_found(text: str) -> None:
    assert shipped_signs().find(text) == ()


def test_the_examples_cover_every_kind_and_are_not_phrases_of_the_file() -> None:
    table = tomllib.loads((DATA / "safeguarding" / "gu.toml").read_text("utf-8"))["gu"]
    english = tomllib.loads((DATA / "safeguarding.toml").read_text("utf-8"))["en"]
    assert set(table["signs"]) == set(english["signs"]) == {kind for kind, _ in FOUND}
    phrases = {fold(p) for group in [table["ordinary"], *table["signs"].values()] for p in group}
    texts = [t for _, t in FOUND] + NOT_FOUND
    assert not [t for t in texts if fold(t) in phrases]


def test_gujarati_words_keep_their_vowel_signs_when_folded() -> None:
    assert fold("પપ્પા એને મારે છે.") == "પપ્પા એને મારે છે"
    assert fold("મારે") != fold("મારી")  # "hits" is not "my"


def test_every_glossary_term_is_explained_in_gujarati() -> None:
    missing = [t.key for t in read_glossary().terms if "gu" not in t.explain]
    assert not missing
