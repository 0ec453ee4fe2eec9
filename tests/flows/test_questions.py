"""Every question: keywords work at any step, Not now leaves it, empty answers pass nothing on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.messages import ChoiceStyle
from bot.domain.people import KeyChild, ThreadInfo
from bot.flows import celebration, information, preferences, relay
from bot.flows.base import (
    ChoiceMade,
    Context,
    NotifyCarer,
    NotifyStaff,
    Reply,
    TextReceived,
    Write,
)
from bot.flows.celebration import RecordNews
from bot.flows.steps.questions import LEAVE
from tests.conftest import carer, child, staff
from tests.flows.dispatch import start

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
TWO = (child(1, "Jan", 10, "Anna"), child(2, "Leo", 11, "Grace"))
THREAD = ThreadInfo("K7Q", 100, "Laura", "mum", 1, "Amelia", 10, True)


def replies(transition) -> list[str]:
    return [e.text.key for e in transition.effects if isinstance(e, Reply)]


def sent(transition) -> list[object]:
    kept = [
        e for e in transition.effects if isinstance(e, Write) and isinstance(e.record, RecordNews)
    ]
    return [e for e in transition.effects if isinstance(e, NotifyStaff | NotifyCarer)] + kept


def marek(profile) -> Context:
    return Context(profile, carer=carer(*TWO), facts={"threads": {1: "AAA", 2: "BBB"}})


def laura(profile) -> Context:
    return Context(profile, carer=carer(), facts={"threads": {1: "K7Q"}})


def tom(profile) -> Context:
    amelia = KeyChild(1, "Amelia", True)
    return Context(
        profile, staff=staff(), facts={"recent_threads": (THREAD,), "key_children": (amelia,)}
    )


def which_child(profile):
    return start.run(None, {}, TextReceived("He has a cough", marek(profile)), NOW)


def good_news_write(profile):
    return start.run(None, {}, TextReceived("WOW", laura(profile)), NOW)


QUESTIONS = {
    "info menu": lambda p: start.run(None, {}, TextReceived("INFO", laura(p)), NOW),
    "which child": which_child,
    "good news: which child": lambda p: start.run(None, {}, TextReceived("wow", marek(p)), NOW),
    "good news: write": good_news_write,
    "settings: mode": lambda p: start.run(None, {}, TextReceived("settings", laura(p)), NOW),
    "settings: time": lambda p: preferences.step(
        {"step": "mode"}, ChoiceMade("evening", laura(p)), NOW
    ),
    "staff: which family": lambda p: start.run(None, {}, TextReceived("All good", tom(p)), NOW),
    "staff: compose": lambda p: relay.compose(
        Context(p, staff=staff(), facts={"named_thread": THREAD})
    ),
}


@pytest.mark.parametrize("name", QUESTIONS)
def test_every_question_offers_a_way_to_leave_it(profile, name):
    asked = QUESTIONS[name](profile)
    (question,) = [e for e in asked.effects if isinstance(e, Reply) and e.choices]
    (leave,) = [c for c in question.choices if c.key == LEAVE]
    options = [c for c in question.choices if c.style is ChoiceStyle.OPTION]
    # Where the answer is chosen, Not now is one of the options; where it is written, a button
    # (SMS adds the words to reply instead, see effects).
    assert leave.style is (ChoiceStyle.OPTION if len(options) > 1 else ChoiceStyle.TAP)


@pytest.mark.parametrize("name", QUESTIONS)
@pytest.mark.parametrize("how", ["pressed", "not now", "Back", "nie teraz"])
def test_not_now_leaves_any_question_and_sends_nothing(profile, name, how):
    asked = QUESTIONS[name](profile)
    ctx = _ctx_of(name, profile)
    event = ChoiceMade(LEAVE, ctx) if how == "pressed" else TextReceived(how, ctx)
    done = start.run(asked.flow, asked.state, event, NOW)
    assert done.flow is None and not sent(done)
    assert len(replies(done)) == 1


def _ctx_of(name: str, profile) -> Context:
    if name.startswith("staff"):
        return tom(profile)
    return marek(profile) if "which child" in name else laura(profile)


def test_leaving_the_which_child_question_says_the_message_was_not_sent(profile):
    asked = which_child(profile)
    done = start.run(asked.flow, asked.state, ChoiceMade(LEAVE, marek(profile)), NOW)
    assert replies(done) == ["left.not_sent"]


@pytest.mark.parametrize("word", ["INFO", "info?", "Menu", "pomoc"])
def test_info_while_asked_which_child_opens_the_menu(profile, word):
    asked = which_child(profile)
    t = start.run(asked.flow, asked.state, TextReceived(word, marek(profile)), NOW)
    assert t.flow == information.NAME
    assert replies(t) == ["left.not_sent", "info.menu"]
    assert not sent(t)


@pytest.mark.parametrize("word", ["info?", "INFO", "settings", "Share good news"])
def test_a_keyword_after_asking_for_good_news_is_never_relayed_as_good_news(profile, word):
    asked = good_news_write(profile)
    t = start.run(asked.flow, asked.state, TextReceived(word, laura(profile)), NOW)
    assert not sent(t)
    assert replies(t)[-1] in ("info.menu", "settings.menu", "wow.ask")


@pytest.mark.parametrize("text", ["ok", "?", "7", "Thanks!", "  ", "👍"])
def test_an_answer_that_says_nothing_is_not_taken_as_good_news(profile, text):
    asked = good_news_write(profile)
    t = start.run(asked.flow, asked.state, TextReceived(text, laura(profile)), NOW)
    assert (t.flow, replies(t), sent(t)) == (celebration.NAME, ["wow.ask_again"], [])
    shared = start.run(t.flow, t.state, TextReceived("She said more!", laura(profile)), NOW)
    assert any(isinstance(e, NotifyStaff) for e in shared.effects)


def test_an_answer_that_says_nothing_does_not_grow_the_message(profile):
    asked = which_child(profile)
    t = start.run(asked.flow, asked.state, TextReceived("ok?", marek(profile)), NOW)
    assert t.state == asked.state


def test_settings_midway_through_a_question_opens_settings(profile):
    asked = which_child(profile)
    t = start.run(asked.flow, asked.state, TextReceived("SETTINGS", marek(profile)), NOW)
    assert t.flow == preferences.NAME and replies(t) == ["left.not_sent", "settings.menu"]


def test_a_staff_keyword_midway_through_an_answer_starts_it_and_says_nothing_went(profile):
    ctx = tom(profile)
    asked = start.run(None, {}, TextReceived("She was a star", ctx), NOW)
    t = start.run(asked.flow, asked.state, TextReceived("update", ctx), NOW)
    assert t.flow == "daily_update" and replies(t)[0] == "update.cancelled"
    assert not sent(t)


def test_help_midway_through_a_question_says_what_was_not_sent(profile):
    asked = which_child(profile)
    t = start.help_and_menu(TextReceived("HELP", marek(profile)), asked.flow, asked.state)
    assert replies(t) == ["left.not_sent", "help.sms", "info.menu"]


def test_leave_words_with_no_question_open_are_a_message_like_any_other(profile):
    t = start.run(None, {}, TextReceived("Not now", laura(profile)), NOW)
    assert any(isinstance(e, NotifyStaff) for e in t.effects)
