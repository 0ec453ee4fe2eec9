"""Typed answers select offered choices by number, label or key."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.messages import ChoiceStyle, RenderedChoice
from bot.language.choices import carrier_word, match_choice, sms_lines

YES_NO = [RenderedChoice("yes", "Yes"), RenderedChoice("no", "No")]
POLISH = [RenderedChoice("yes", "Tak"), RenderedChoice("no", "Nie")]


@pytest.mark.parametrize("text", ["1", " 1 ", "1.", "yes", "Yes!", "YES", "yes."])
def test_every_way_of_saying_the_first(text):
    assert match_choice(text, YES_NO) == "yes"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", "no"),
        ("No!", "no"),
        ("3", None),
        ("0", None),
        ("maybe", None),
        ("", None),
        ("yes please call me", None),
    ],
)
def test_other_answers(text, expected):
    assert match_choice(text, YES_NO) == expected


def test_labels_in_the_readers_language_and_the_key_both_work():
    assert match_choice("tak", POLISH) == "yes"
    assert match_choice("Nie.", POLISH) == "no"
    assert match_choice("yes", POLISH) == "yes"


def test_nothing_offered_matches_nothing():
    assert match_choice("1", []) is None


@pytest.mark.parametrize("text", ["²", "①", "1²", "¹", "Ⅰ", "9" * 5000, "0001" * 10])
def test_digits_that_are_not_a_number_are_text(text):
    assert match_choice(text, YES_NO) is None


@pytest.mark.parametrize(
    ("text", "expected"), [("١", "yes"), ("２", "no"), ("٢", "no"), ("01", "yes")]
)
def test_decimal_digits_of_any_script_name_an_option(text, expected):
    assert match_choice(text, YES_NO) == expected


def test_kept_numbers_name_the_same_choice_after_others_are_gone():
    # Asked again with Amelia gone: "2" still names Oscar and "4" is new, never a reused number.
    again = [
        RenderedChoice("oscar", "Oscar", number=2),
        RenderedChoice("jan", "Jan", number=3),
        RenderedChoice("done", "Done"),
    ]
    assert match_choice("2", again) == "oscar"
    assert match_choice("1", again) is None
    assert match_choice("4", again) == "done"
    assert sms_lines(again) == "2 Oscar\n3 Jan\n4 Done"


def test_buttons_only_choices_are_never_numbered():
    offered = [RenderedChoice("reply:K7Q", "Reply", ChoiceStyle.TAP), *YES_NO]
    assert match_choice("1", offered) == "yes"
    assert sms_lines(offered) == "1 Yes\n2 No"


choice_lists = st.lists(
    st.builds(
        RenderedChoice,
        key=st.text(min_size=1, max_size=20),
        label=st.text(max_size=40),
        style=st.sampled_from(ChoiceStyle),
        number=st.none() | st.integers(min_value=1, max_value=99),
    ),
    max_size=8,
)


@given(text=st.text(max_size=300) | st.from_regex(r"\s*[0-9²①٣]{1,6000}\s*"), offered=choice_lists)
@settings(max_examples=400, deadline=None)
def test_no_typed_answer_raises(text, offered):
    found = match_choice(text, offered)
    assert found is None or found in {c.key for c in offered}
    sms_lines(offered)


@given(st.text(max_size=200))
@settings(max_examples=400, deadline=None)
def test_carrier_word_never_raises_and_is_one_word_or_nothing(text):
    word = carrier_word(text)
    assert word == "" or (word == word.upper() and " " not in word)
