"""Romanian safeguarding signs on held-out messages both ways: wording a family might really
send that names an adult who harms a child (found), and everyday Romanian that only sounds
like it (not found). Written apart from bot/data/safeguarding/ro.toml, not copied from it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.language.safeguarding import fold, shipped_signs

PHRASES = Path(__file__).parents[2] / "bot" / "data" / "safeguarding"
SHIPPED = Path(__file__).parents[2] / "bot" / "data" / "safeguarding.toml"

FOUND = [
    ("hitting", "Tatăl lui Andrei îl bate când bea."),
    ("hitting", "Iubitul mamei a pălmuit-o pe Maria aseară."),
    ("hitting", "Vă rog să știți că la noi acasă e violență domestică."),
    ("marks", "Are vânătăi pe spate de la cureaua tatălui."),
    ("marks", "Cine i-a făcut vânătăile alea? Spune că bunicul."),
    ("home", "Îi e frică să meargă acasă, la tatăl vitreg."),
    ("home", "Nu cred că e în siguranță acasă cu el."),
    ("touching", "Unchiul o atinge la părțile intime, mi-a spus azi."),
    ("touching", "Cred că a fost abuzată sexual."),
    ("alone", "Mama îl lasă singur acasă toată noaptea."),
    ("alone", "Copiii au rămas singuri acasă peste noapte."),
    ("neglect", "De două zile nu are ce mânca acasă."),
    ("neglect", "Nu primește de mâncare decât la voi."),
    ("self_harm", "Mama spune că vrea să se sinucidă."),
    ("self_harm", "Soțul meu s-a tăiat singur pe mâini, intenționat."),
]

ORDINARY = [
    "Maria a atins o nouă etapă: merge singură de ieri!",
    "Am pus o banană în ghiozdan, dar s-a cam lovit și are pete maro.",
    "A lovit mingea așa de tare la fotbal, că a spart un ghiveci.",
    "Tata s-a lovit la genunchi de masă, de aceea o aduce bunica.",
    "Moare de foame când vine de la grădiniță!",
    "Nu vrea să plece acasă, îi place prea mult la voi.",
    "E un secret: îi pregătim tatălui un cadou de ziua lui.",
    "Pe mama o doare spatele, așa că vine bunica s-o ia.",
    "Ionuț a mușcat un copil la joacă, ne pare foarte rău.",
    "S-a jucat singur cu mașinuțele toată dimineața.",
    "Bunica i-a dat de mâncare înainte să plecăm.",
]


@pytest.mark.parametrize(("kind", "text"), FOUND, ids=[t[:40] for _, t in FOUND])
def test_a_romanian_message_that_suggests_harm_is_found(kind: str, text: str) -> None:
    signs = shipped_signs().find(text)
    assert any(s.kind == kind and s.language == "ro" for s in signs), signs


@pytest.mark.parametrize("text", ORDINARY, ids=[t[:40] for t in ORDINARY])
def test_an_everyday_romanian_message_is_not_found(text: str) -> None:
    assert shipped_signs().find(text) == ()


def test_romanian_has_every_kind_of_sign_english_has() -> None:
    english = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))["en"]["signs"]
    romanian = tomllib.loads((PHRASES / "ro.toml").read_text(encoding="utf-8"))["ro"]
    assert set(romanian["signs"]) == set(english)
    assert all(romanian["signs"].values()) and romanian["ordinary"]


def test_held_out_examples_are_not_phrases_of_the_file() -> None:
    romanian = tomllib.loads((PHRASES / "ro.toml").read_text(encoding="utf-8"))["ro"]
    phrases = {
        fold(p) for group in [romanian["ordinary"], *romanian["signs"].values()] for p in group
    }
    assert not [t for _, t in FOUND if fold(t) in phrases]
    assert not [t for t in ORDINARY if fold(t) in phrases]
