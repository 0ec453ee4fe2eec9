"""Portuguese safeguarding signs on held-out messages both ways, written as families in
Portugal and Brazil would write them, apart from the phrases in data/safeguarding/pt.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.language.safeguarding import fold, shipped_signs

FILE = Path(__file__).parents[2] / "bot" / "data" / "safeguarding" / "pt.toml"

FOUND = [
    ("hitting", "O padrasto bate-lhe quase todos os dias, ela contou-me hoje"),
    ("hitting", "Ontem o pai deu-lhe uma tareia por causa do leite entornado"),
    ("hitting", "ele apanhou do padrasto outra vez no fim de semana"),
    ("marks", "Reparei que tem nódoas negras nos braços, diz que foi o namorado da mãe"),
    ("marks", "Ela tem marcas de dedos na cara desde domingo"),
    ("home", "Ele tem medo de voltar para casa por causa do pai"),
    ("home", "Acho que a minha sobrinha não está em segurança em casa"),
    ("touching", "O tio mexeu nas partes íntimas dela quando ficou lá a dormir"),
    ("touching", "o vizinho tirou fotos dela nua, estou em choque"),
    ("alone", "A mãe deixa-o sozinho em casa a noite toda"),
    ("alone", "os meninos ficam sozinhos em casa o dia todo"),
    ("neglect", "Há dois dias que não há comida em casa"),
    ("neglect", "Na casa do pai ela passa fome, não lhe dão de comer"),
    ("self_harm", "A minha filha mais velha anda a cortar-se nos braços"),
    ("self_harm", "Às vezes só me apetece morrer, já não aguento"),
    ("self_harm", "ele disse que se queria matar"),
]

NOT_FOUND = [
    "Ele bateu com a cabeça na mesa mas já passou",
    "A banana que levou estava toda pisada, pode dar-lhe outra?",
    "Ela chegou a casa esfomeada, a morrer de fome!",
    "Não quer ir para casa, adora a creche",
    "É segredo, é uma surpresa para o pai no sábado",
    "A mãe bateu palmas quando ele deu os primeiros passos",
    "O pai bateu com o carro ontem, mas estamos todos bem",
    "Ele mata-se a rir com o irmão",
    "A avó vem buscá-la hoje, ela já come sozinha!",
    "O pai apanha-o às cinco, ele fica a brincar sozinho no quarto um bocadinho",
]


@pytest.mark.parametrize(("kind", "text"), FOUND, ids=[t[:40] for _, t in FOUND])
def test_a_portuguese_message_that_suggests_harm_is_found(kind: str, text: str) -> None:
    assert kind in shipped_signs().kinds(text)


@pytest.mark.parametrize("text", NOT_FOUND, ids=[t[:40] for t in NOT_FOUND])
def test_an_everyday_portuguese_message_is_not_found(text: str) -> None:
    assert shipped_signs().find(text) == ()


def test_the_examples_are_not_phrases_of_the_file() -> None:
    table = tomllib.loads(FILE.read_text(encoding="utf-8"))["pt"]
    phrases = {fold(p) for group in [table["ordinary"], *table["signs"].values()] for p in group}
    assert not [t for _, t in FOUND if fold(t) in phrases]
    assert not [t for t in NOT_FOUND if fold(t) in phrases]


def test_portuguese_has_every_kind_of_sign_english_has() -> None:
    shipped = Path(__file__).parents[2] / "bot" / "data" / "safeguarding.toml"
    english = tomllib.loads(shipped.read_text(encoding="utf-8"))["en"]["signs"]
    assert set(tomllib.loads(FILE.read_text(encoding="utf-8"))["pt"]["signs"]) == set(english)
