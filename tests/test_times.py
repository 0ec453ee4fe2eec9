"""Times as people write them, and a clear answer for what is not a time."""

from __future__ import annotations

from datetime import time

import pytest

from bot.language.times import TimeAnswer, read_time


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("18:00", time(18)),
        ("18.00", time(18)),
        ("1800", time(18)),
        ("18h30", time(18, 30)),
        ("18h", time(18)),
        ("18", time(18)),
        ("6pm", time(18)),
        ("6 pm", time(18)),
        ("6PM", time(18)),
        ("6.30pm", time(18, 30)),
        ("6:30 pm", time(18, 30)),
        ("6:30 p.m.", time(18, 30)),
        ("6.30 P.M.", time(18, 30)),
        ("630pm", time(18, 30)),
        ("7am", time(7)),
        ("12pm", time(12)),
        ("12am", time(0)),
        ("12", time(12)),
        ("06:30", time(6, 30)),
        ("00:15", time(0, 15)),
        ("at 6pm", time(18)),
        ("o 18:30", time(18, 30)),
        ("godz. 18", time(18)),
        (" 17:45! ", time(17, 45)),
        ("noon", time(12)),
        ("１８：００", time(18)),  # full-width, as some phones type
    ],
)
def test_times_as_people_write_them(typed, meant):
    assert read_time(typed) == TimeAnswer(at=meant)


@pytest.mark.parametrize(
    ("typed", "either"),
    [
        ("6", (time(6), time(18))),
        ("6:30", (time(6, 30), time(18, 30))),
        ("9.15", (time(9, 15), time(21, 15))),
    ],
)
def test_an_hour_without_am_or_pm_could_be_morning_or_evening(typed, either):
    assert read_time(typed) == TimeAnswer(either=either)


@pytest.mark.parametrize("typed", ["25:00", "24:00", "18:75", "13pm", "0am", "99"])
def test_no_such_time_on_a_clock(typed):
    assert read_time(typed) == TimeAnswer(impossible=True)


@pytest.mark.parametrize(
    "typed", ["later", "teatime", "", "pm", "spam", "18:5", "6.3pm", "1" * 5000, "²", "١٨:٠٠"]
)
def test_words_that_are_no_time(typed):
    assert read_time(typed) is None
