"""Typed answers select offered choices by number, label or key."""

from __future__ import annotations

import pytest

from bot.choices import match_choice
from bot.domain import RenderedChoice

YES_NO = [RenderedChoice("yes", "Yes"), RenderedChoice("no", "No")]
POLISH = [RenderedChoice("yes", "Tak"), RenderedChoice("no", "Nie")]


@pytest.mark.parametrize("text", ["1", " 1 ", "1.", "yes", "Yes!", "YES", "yes."])
def test_every_way_of_saying_the_first(text):
    assert match_choice(text, YES_NO) == "yes"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2", "no"), ("No!", "no"), ("3", None), ("0", None), ("maybe", None), ("", None),
     ("yes please call me", None)],
)
def test_other_answers(text, expected):
    assert match_choice(text, YES_NO) == expected


def test_labels_in_the_readers_language_and_the_key_both_work():
    assert match_choice("tak", POLISH) == "yes"
    assert match_choice("Nie.", POLISH) == "no"
    assert match_choice("yes", POLISH) == "yes"


def test_nothing_offered_matches_nothing():
    assert match_choice("1", []) is None
