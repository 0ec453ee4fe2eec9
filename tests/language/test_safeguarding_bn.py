"""Bengali safeguarding signs on held-out messages both ways: what families write, not the
phrases of bot/data/safeguarding/bn.toml written out. Bengali vowel signs stay part of their
word when folded, so "মা" (mother) is not every word that begins with ম."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest

from bot.language.safeguarding import fold, shipped_signs

FOUND = [
    ("hitting", "রিয়া বলেছে ও কাঁদলে ওর বাবা ওকে মারে"),
    ("hitting", "আমার স্বামী আমাকে আর বাচ্চাদের মারধর করে"),
    ("hitting", "সৎ বাবা ওকে বেল্ট দিয়ে পিটিয়েছে"),
    ("hitting", "বাড়িতে পারিবারিক সহিংসতা চলছে, কাকে বলব বুঝতে পারছি না"),
    ("marks", "ওর হাতে আঙুলের দাগ, কেউ যেন খুব জোরে চেপে ধরেছিল"),
    ("marks", "পায়ের কালশিটে দাগগুলো ওর বাবা করেছে"),
    ("home", "ও বাড়ি যেতে ভয় পায়, রাতে কাঁদে"),
    ("home", "ছেলেটা সৎ বাবাকে খুব ভয় পায়"),
    ("touching", "চাচা ওর গোপন অঙ্গে হাত দিয়েছে"),
    ("touching", "পাশের বাসার লোকটা ওকে নগ্ন ছবি দেখিয়েছে"),
    ("alone", "ওরা সারা রাত বাচ্চাদের বাড়িতে একা রেখে যায়"),
    ("neglect", "দুই দিন ধরে ঘরে খাওয়ার কিছু নেই"),
    ("neglect", "ওকে ঠিকমতো খেতে দেওয়া হয় না"),
    ("self_harm", "মাঝে মাঝে মনে হয় আত্মহত্যা করে ফেলি"),
    ("self_harm", "আমি আর বাঁচতে চাই না"),
    ("self_harm", "মেয়েটা ইচ্ছে করে নিজের হাত কাটে"),
]

NOT_FOUND = [
    "আজ ও একটা নতুন ধাপ পার করেছে, আমরা খুব খুশি",
    "থেঁতলানো কলাটা খায়নি, তাই আপেল দিয়েছি",
    "টেবিলে মাথায় ধাক্কা খেয়েছে কিন্তু এখন ঠিক আছে",
    "ওর মায়ের পিঠে ব্যথা, এই সপ্তাহে বাবা নিয়ে আসবে",
    "ও বাড়ি যেতে চায় না কারণ নার্সারি খুব ভালো লাগে",
    "জন্মদিনের উপহারটা গোপন রাখুন, ওকে বলবেন না",
    "নার্সারি থেকে ফিরে ও খুব ক্ষুধার্ত থাকে",
    "ফুটবল খেলার সময় বলটা ওর নাকে লেগেছে",
    "ভাই ওকে কামড়ে দিয়েছে, খেলনা নিয়ে দুজনে ঝগড়া করছিল",
    "বাবা আজ ওকে পার্কে নিয়ে গিয়েছিল, খুব মজা হয়েছে",
    "মা বলেছে আজ মাছ রান্না হবে, ও মাছ খুব ভালোবাসে",
    "আমি মশা মারার স্প্রে কিনেছি, রাতে ঘরে দিই",
]


def _data(*parts: str) -> dict[str, Any]:
    node = resources.files("bot.data")
    for part in parts:
        node = node.joinpath(part)
    return tomllib.loads(node.read_text("utf-8"))


@pytest.mark.parametrize(("kind", "text"), FOUND, ids=[t[:40] for _, t in FOUND])
def test_a_bengali_message_that_suggests_harm_is_found(kind: str, text: str) -> None:
    assert kind in shipped_signs().kinds(text)


@pytest.mark.parametrize("text", NOT_FOUND, ids=[t[:40] for t in NOT_FOUND])
def test_an_ordinary_bengali_message_is_not_found(text: str) -> None:
    assert shipped_signs().find(text) == ()


def test_bengali_vowel_signs_stay_inside_their_word() -> None:
    assert fold("বাবা ওকে মারে!") == "বাবা ওকে মারে"
    assert fold("মা") != fold("মে")


def test_the_examples_are_not_phrases_of_the_file() -> None:
    data = _data("safeguarding", "bn.toml")["bn"]
    phrases = {fold(p) for group in [data["ordinary"], *data["signs"].values()] for p in group}
    assert not [t for _, t in FOUND if fold(t) in phrases]
    assert not [t for t in NOT_FOUND if fold(t) in phrases]


def test_bengali_has_every_kind_of_sign_english_has() -> None:
    english = _data("safeguarding.toml")["en"]["signs"]
    bengali = _data("safeguarding", "bn.toml")["bn"]["signs"]
    assert set(bengali) == set(english)
