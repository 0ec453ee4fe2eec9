"""Spanish safeguarding signs on held-out messages both ways, written as families in Spain
and Latin America would write them, apart from the phrases in data/safeguarding/es.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.language.safeguarding import fold, shipped_signs

FILE = Path(__file__).parents[2] / "bot" / "data" / "safeguarding" / "es.toml"

FOUND = [
    ("hitting", "Su padrastro le pega cuando bebe"),
    ("hitting", "El novio de su madre le dio una paliza al niño el sábado"),
    ("hitting", "mi ex la golpea y me da mucho miedo"),
    ("marks", "Tiene moratones en los brazos y dice que fue su papá"),
    ("marks", "le vi la marca del cinturón en la espalda"),
    ("home", "Le da miedo volver a casa por su padre"),
    ("home", "Creo que la niña no está a salvo en casa"),
    ("touching", "Su tío le toca sus partes íntimas cuando la cuida"),
    ("touching", "un vecino le enseñó videos porno en el móvil"),
    ("alone", "La dejan sola en casa toda la noche"),
    ("alone", "los niños se quedan solos en casa todo el día"),
    ("neglect", "En casa de su padre no le dan de comer"),
    ("neglect", "Desde ayer no hay comida en casa"),
    ("self_harm", "Mi hija mayor se corta los brazos a propósito"),
    ("self_harm", "A veces pienso en quitarme la vida"),
    ("self_harm", "dice que se quiere morir"),
]

NOT_FOUND = [
    "Se dio un golpe en la cabeza con la mesa pero está bien",
    "Hoy le pegó una patada al balón y marcó un gol",
    "El plátano de la merienda estaba todo golpeado, ¿le pueden dar otro?",
    "Llegó a casa muerta de hambre, ¡qué bien come ahí!",
    "No quiere volver a casa, le encanta la guarde",
    "Es un secreto, es un regalo para su papá",
    "Su padre le pegó un susto con el disfraz y luego se rieron mucho",
    "Se muere de risa con su hermano",
    "Ya come sola y se viste sola, estamos muy contentos",
    "La abuela la recoge a las cinco",
]


@pytest.mark.parametrize(("kind", "text"), FOUND, ids=[t[:40] for _, t in FOUND])
def test_a_spanish_message_that_suggests_harm_is_found(kind: str, text: str) -> None:
    assert kind in shipped_signs().kinds(text)


@pytest.mark.parametrize("text", NOT_FOUND, ids=[t[:40] for t in NOT_FOUND])
def test_an_everyday_spanish_message_is_not_found(text: str) -> None:
    assert shipped_signs().find(text) == ()


def test_the_examples_are_not_phrases_of_the_file() -> None:
    table = tomllib.loads(FILE.read_text(encoding="utf-8"))["es"]
    phrases = {fold(p) for group in [table["ordinary"], *table["signs"].values()] for p in group}
    assert not [t for _, t in FOUND if fold(t) in phrases]
    assert not [t for t in NOT_FOUND if fold(t) in phrases]


def test_spanish_has_every_kind_of_sign_english_has() -> None:
    shipped = Path(__file__).parents[2] / "bot" / "data" / "safeguarding.toml"
    english = tomllib.loads(shipped.read_text(encoding="utf-8"))["en"]["signs"]
    assert set(tomllib.loads(FILE.read_text(encoding="utf-8"))["es"]["signs"]) == set(english)
