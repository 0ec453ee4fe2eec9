"""Somali safeguarding signs on held-out messages both ways: what families write, with or
without the apostrophe, never a phrase of bot/data/safeguarding/so.toml written out."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.language.safeguarding import fold, shipped_signs

PHRASES = tomllib.loads(
    (Path(__file__).parents[2] / "bot" / "data" / "safeguarding" / "so.toml").read_text("utf-8")
)["so"]

FOUND = [
    ("hitting", "Aabihiis wuu garaacaa markasta oo uu qayliyo"),
    ("hitting", "Ninkaygu wuu i dharbaaxaa, carruurtuna way arkaan"),
    ("hitting", "Gurigeena waxaa ka jira rabshad qoys, ma garanayo waxaan sameeyo"),
    ("marks", "Waxaan arkay raadad faraha ah oo ku yaal gacanteeda"),
    ("marks", "Sigaar ayaa lagu gubay gacanta"),
    ("home", "Wuu ka baqaa inuu guriga ku laabto"),
    ("home", "Ilmahu guriga kuma badbaado"),
    ("touching", "Adeerkeed ayaa taabta meelaheeda qarsoon"),
    ("touching", "Waxaan ka baqayaa in la faraxumeeyay"),
    ("alone", "Hooyadood carruurta guriga kaligood ayay uga tagtaa habeenkii"),
    ("neglect", "Guriga cunto kuma jirto, laba maalmood ayuu gaajaysnaa"),
    ("neglect", "Hooyadiis cunto ma siiso, had iyo jeer wuu gaajaysan yahay"),
    ("self_harm", "Wiilkayga weyn wuxuu yiri waxaan rabaa inaan dhinto"),
    ("self_harm", "Mararka qaar waxaan ka fikiraa inaan isdilo"),
]

NOT_FOUND = [
    "Shalay kubadda ayaa ku dhacday madaxa, hadda wuu fiican yahay",
    "Muuska wuu nabaraysan yahay, ma uusan cunin",
    "Aabihiis ayaa albaabka garaacay laakiin cidna ma furin",
    "Aad buu u gaajaysan yahay markuu xannaanada ka yimaado",
    "Ma rabo inuu guriga aado, xannaanada ayuu aad u jecel yahay",
    "Waa sir, hadiyad ayaan u diyaarinaynaa aabihiis",
    "Kaligiis ayuu u seexday qolkiisa markii ugu horreysay",
    "Hooyadeed ayaa dhulka ku dhacday oo jilibka ku dhaawacday",
    "Wiilka kale ayaa garaacay wiilkayga xannaanada, wuu ooyay",
    "Raadka gacanta ayuu rinji ku sameeyay warqadda",
]


@pytest.mark.parametrize(("kind", "text"), FOUND, ids=[t[:24] for _, t in FOUND])
def test_a_held_out_somali_message_that_suggests_harm_is_found(kind: str, text: str) -> None:
    assert kind in shipped_signs().kinds(text)


@pytest.mark.parametrize("text", NOT_FOUND, ids=[t[:24] for t in NOT_FOUND])
def test_a_held_out_ordinary_somali_message_is_not_found(text: str) -> None:
    assert shipped_signs().find(text) == ()


def test_somali_has_every_kind_of_sign_and_held_out_examples_of_each() -> None:
    kinds = {"hitting", "marks", "home", "touching", "alone", "neglect", "self_harm"}
    assert set(PHRASES["signs"]) == kinds
    assert {kind for kind, _ in FOUND} == kinds


def test_held_out_somali_examples_are_not_phrases_of_the_file() -> None:
    phrases = {
        fold(p) for group in [PHRASES["ordinary"], *PHRASES["signs"].values()] for p in group
    }
    assert not [t for _, t in FOUND if fold(t) in phrases]
    assert not [t for t in NOT_FOUND if fold(t) in phrases]


def test_the_apostrophe_does_not_matter() -> None:
    assert fold("Hay'ad") == fold("hayad")
