"""Lithuanian safeguarding signs on held-out messages both ways: wording a family might really
send that names an adult who harms a child (found), and everyday Lithuanian that only sounds
like it (not found). Written apart from bot/data/safeguarding/lt.toml, not copied from it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.language.safeguarding import fold, shipped_signs

PHRASES = Path(__file__).parents[2] / "bot" / "data" / "safeguarding"
SHIPPED = Path(__file__).parents[2] / "bot" / "data" / "safeguarding.toml"

FOUND = [
    ("hitting", "Tėtis jį muša, kai išgeria."),
    ("hitting", "Mamos draugas vakar trenkė jai per veidą."),
    ("hitting", "Noriu pasakyti, kad mūsų šeimoje yra smurtas."),
    ("marks", "Ant nugaros mėlynės nuo patėvio diržo."),
    ("marks", "Kas jam padarė tas mėlynes? Sako, kad dėdė."),
    ("home", "Ji bijo eiti namo, nes ten patėvis."),
    ("home", "Manau, kad namuose su juo jai nesaugu."),
    ("touching", "Dėdė liečia ją intymiose vietose, ji man šiandien pasakė."),
    ("touching", "Bijau, kad jis buvo seksualiai išnaudotas."),
    ("alone", "Mama palieka jį vieną namuose visą naktį."),
    ("alone", "Vaikai visą naktį buvo vieni namuose."),
    ("neglect", "Jau dvi dienas namuose nėra ko valgyti."),
    ("neglect", "Jo nemaitina, valgo tik darželyje."),
    ("self_harm", "Mano vyras sako, kad nori nusižudyti."),
    ("self_harm", "Ji tyčia pjausto sau rankas."),
]

ORDINARY = [
    "Ji pasiekė naują etapą, jau vaikšto pati!",
    "Bananas kuprinėje buvo apdaužytas, tai jo nevalgė.",
    "Futbole kamuolys trenkė jam į galvą, bet viskas gerai.",
    "Tėtis susitrenkė kelį į stalą, todėl atvešiu aš.",
    "Po darželio jis mirtinai alkanas!",
    "Nenori eiti namo, taip jam patinka pas jus.",
    "Tai paslaptis: ruošiame tėčiui dovaną gimtadienio proga.",
    "Mamai skauda nugarą, todėl vaiką pasiims močiutė.",
    "Jonas žaisdamas įkando kitam vaikui, labai atsiprašome.",
    "Visą rytą žaidė vienas su mašinėlėmis.",
    "Močiutė jį pamaitino prieš išeinant.",
]


@pytest.mark.parametrize(("kind", "text"), FOUND, ids=[t[:40] for _, t in FOUND])
def test_a_lithuanian_message_that_suggests_harm_is_found(kind: str, text: str) -> None:
    signs = shipped_signs().find(text)
    assert any(s.kind == kind and s.language == "lt" for s in signs), signs


@pytest.mark.parametrize("text", ORDINARY, ids=[t[:40] for t in ORDINARY])
def test_an_everyday_lithuanian_message_is_not_found(text: str) -> None:
    assert shipped_signs().find(text) == ()


def test_lithuanian_has_every_kind_of_sign_english_has() -> None:
    english = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))["en"]["signs"]
    lithuanian = tomllib.loads((PHRASES / "lt.toml").read_text(encoding="utf-8"))["lt"]
    assert set(lithuanian["signs"]) == set(english)
    assert all(lithuanian["signs"].values()) and lithuanian["ordinary"]


def test_held_out_examples_are_not_phrases_of_the_file() -> None:
    lithuanian = tomllib.loads((PHRASES / "lt.toml").read_text(encoding="utf-8"))["lt"]
    groups = [lithuanian["ordinary"], *lithuanian["signs"].values()]
    phrases = {fold(p) for group in groups for p in group}
    assert not [t for _, t in FOUND if fold(t) in phrases]
    assert not [t for t in ORDINARY if fold(t) in phrases]
