"""Turkish safeguarding signs on held-out messages both ways: what families write, not the
phrases of bot/data/safeguarding/tr.toml written out; typed with or without Turkish letters."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest

from bot.language.safeguarding import fold, shipped_signs

FOUND = [
    ("hitting", "Elif ağladığında babası ona vuruyormuş, bana kendisi söyledi"),
    ("hitting", "Annesinin yeni erkek arkadaşı dün akşam kızıma tokat attı"),
    ("hitting", "Üvey babası onu kemerle dövüyor"),
    ("hitting", "babasi onu dovuyor hocam ne yapacagimi bilmiyorum"),
    ("hitting", "Evde aile içi şiddet var, kime söyleyeceğimi bilmiyorum"),
    ("marks", "Kolunda parmak izi gibi morluklar var, sanki biri sıkıca tutmuş"),
    ("marks", "Bacağındaki morlukları babası yapmış"),
    ("home", "Eve gitmekten korkuyor, geceleri ağlıyor"),
    ("home", "Oğlum üvey babasından çok korkuyor"),
    ("touching", "Amcası onun özel yerlerine dokunmuş"),
    ("touching", "Komşu ona çıplak fotoğraflar göstermiş"),
    ("alone", "Çocukları bütün gece evde yalnız bırakıyorlar"),
    ("neglect", "İki gündür evde yiyecek hiçbir şey yok, çocuk aç kalıyor"),
    ("neglect", "Annesi yine sarhoş, çocuklara bakan yok"),
    ("self_harm", "Bazen kendimi öldürmek istiyorum"),
    ("self_harm", "Kızım kendine zarar veriyor, kollarını kesiyor"),
]

NOT_FOUND = [
    "Bugün yeni bir kilometre taşına ulaştı, çok mutluyuz",
    "Ezik muzu yemedi, yerine elma verdim",
    "Masaya başını çarptı ama şimdi iyi",
    "Annesi sırtını incitti, bu hafta babası getirecek",
    "Eve gitmek istemiyor çünkü kreşi çok seviyor",
    "Doğum günü hediyesi bir sır, ona söylemeyin lütfen",
    "Kreşten sonra kurt gibi aç oluyor",
    "Maçta top yüzüne çarptı, burnu biraz kızardı",
    "Kardeşi onu ısırdı, oyuncak yüzünden kavga ettiler",
    "Babası bugün onu parka götürdü, çok eğlendiler",
    "Öğretmeni ona çok iyi bakıyor, teşekkür ederiz",
    "Dün akşam evde yalnız biraz boyama yaptı, ben yanındaydım",
]


def _data(*parts: str) -> dict[str, Any]:
    node = resources.files("bot.data")
    for part in parts:
        node = node.joinpath(part)
    return tomllib.loads(node.read_text("utf-8"))


@pytest.mark.parametrize(("kind", "text"), FOUND, ids=[t[:40] for _, t in FOUND])
def test_a_turkish_message_that_suggests_harm_is_found(kind: str, text: str) -> None:
    assert kind in shipped_signs().kinds(text)


@pytest.mark.parametrize("text", NOT_FOUND, ids=[t[:40] for t in NOT_FOUND])
def test_an_ordinary_turkish_message_is_not_found(text: str) -> None:
    assert shipped_signs().find(text) == ()


def test_turkish_letters_typed_with_or_without_their_marks_fold_alike() -> None:
    assert fold("KIZIMI DÖVÜYOR") == fold("kızımı dövüyor") == fold("kizimi dovuyor")


def test_the_examples_are_not_phrases_of_the_file() -> None:
    data = _data("safeguarding", "tr.toml")["tr"]
    phrases = {fold(p) for group in [data["ordinary"], *data["signs"].values()] for p in group}
    assert not [t for _, t in FOUND if fold(t) in phrases]
    assert not [t for t in NOT_FOUND if fold(t) in phrases]


def test_turkish_has_every_kind_of_sign_english_has() -> None:
    english = _data("safeguarding.toml")["en"]["signs"]
    turkish = _data("safeguarding", "tr.toml")["tr"]["signs"]
    assert set(turkish) == set(english)
