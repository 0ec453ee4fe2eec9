"""Relay flow tables: (state, event) -> (flow, state, effects)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.messages import Choice, LocalTime, Text
from bot.domain.people import ThreadInfo
from bot.flows import relay
from bot.flows.base import (
    ChoiceMade,
    Context,
    NotifyCarer,
    NotifyStaff,
    OpenThread,
    RecordAudit,
    Reply,
    TextReceived,
)
from tests.conftest import carer, child, staff
from tests.flows.dispatch import start

IN_HOURS = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday
EVENING = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
EARLY = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
FRIDAY_NIGHT = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)


def thread(code: str = "K7Q", informed: bool = True, key_person: int | None = 10) -> ThreadInfo:
    return ThreadInfo(code, 100, "Laura", "mum", 1, "Amelia", key_person, informed)


def kinds(effects: tuple[object, ...]) -> list[str]:
    return [type(e).__name__ for e in effects]


def test_carer_text_goes_to_key_person_with_code(profile):
    ctx = Context(profile, carer=carer(), facts={"threads": {1: "K7Q"}})
    t = start.run(None, {}, TextReceived("Is Amelia eating lunch?", ctx), IN_HOURS)
    assert t.flow is None
    notify = next(e for e in t.effects if isinstance(e, NotifyStaff))
    assert notify.staff_id == 10
    assert notify.text == Text(
        "relay.to_staff",
        {
            "child": "Amelia",
            "carer": "Laura",
            "relationship": "mum",
            "code": "#K7Q",
            "message": "Is Amelia eating lunch?",
        },
    )
    assert OpenThread(100, 1, "K7Q") in t.effects
    receipt = [e for e in t.effects if isinstance(e, Reply)][-1]
    assert receipt.text.key == "relay.sent"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (EARLY, Text("when.today", {"time": LocalTime(time(8, 0))})),
        (EVENING, Text("when.tomorrow", {"time": LocalTime(time(8, 0))})),
        (
            FRIDAY_NIGHT,
            Text(
                "when.day", {"moment": LocalTime(datetime(2026, 11, 30, 8, 0, tzinfo=LONDON), True)}
            ),
        ),
    ],
)
def test_out_of_hours_note_says_when_and_whom_to_call(profile, now, expected):
    ctx = Context(profile, carer=carer(), facts={"threads": {1: "K7Q"}})
    t = relay.from_carer("Running late tomorrow", ctx, now)
    receipt = [e for e in t.effects if isinstance(e, Reply)][-1]
    assert receipt.text.key == "relay.out_of_hours"
    assert receipt.text.params["phone"] == profile.phone
    assert receipt.text.params["when"] == expected


def test_two_children_with_different_key_persons_asks_which_child(profile):
    kids = (child(1, "Jan", 10, "Anna"), child(2, "Leo", 11, "Grace"))
    ctx = Context(profile, carer=carer(*kids), facts={"threads": {1: "AAA", 2: "BBB"}})
    t = relay.from_carer("He has a cough", ctx, IN_HOURS)
    assert (t.flow, t.state) == ("relay", {"step": "which_child", "text": "He has a cough"})
    (question,) = t.effects
    assert isinstance(question, Reply)
    assert [c.key for c in question.choices] == ["1", "2", "all", "not_now"]

    chosen = relay.step(t.state, ChoiceMade("2", ctx), IN_HOURS)
    assert chosen.flow is None
    assert [e.staff_id for e in chosen.effects if isinstance(e, NotifyStaff)] == [11]

    both = relay.step(t.state, ChoiceMade("all", ctx), IN_HOURS)
    assert [e.staff_id for e in both.effects if isinstance(e, NotifyStaff)] == [10, 11]


def test_text_instead_of_a_choice_is_kept_and_the_question_asked_again(profile):
    kids = (child(1, "Jan", 10, "Anna"), child(2, "Leo", 11, "Grace"))
    ctx = Context(profile, carer=carer(*kids), facts={"threads": {1: "AAA", 2: "BBB"}})
    t = relay.step({"step": "which_child", "text": "first"}, TextReceived("second", ctx), IN_HOURS)
    assert t.state == {"step": "which_child", "text": "first\nsecond"}


def test_carer_without_right_to_information_still_reaches_staff_flagged(profile):
    ctx = Context(profile, carer=carer(child(informed=False)), facts={"threads": {1: "K7Q"}})
    t = relay.from_carer("Can I pick him up?", ctx, IN_HOURS)
    notify = next(e for e in t.effects if isinstance(e, NotifyStaff))
    assert notify.text.key == "relay.to_staff_no_info"
    receipt = [e for e in t.effects if isinstance(e, Reply)][-1]
    assert receipt.text.params["to"] == Text("relay.to_team")  # no key person's name


def test_child_without_key_person_goes_to_managers(profile):
    ctx = Context(
        profile,
        carer=carer(child(key_person=None, key_person_name=None)),
        facts={"threads": {1: "K7Q"}, "fallback_staff": (1, 2)},
    )
    t = relay.from_carer("Hello?", ctx, IN_HOURS)
    assert [e.staff_id for e in t.effects if isinstance(e, NotifyStaff)] == [1, 2]


def test_staff_reply_with_code_goes_to_carer(profile):
    ctx = Context(profile, staff=staff(), facts={"named_code": "k7q", "named_thread": thread()})
    t = start.run(None, {}, TextReceived("#k7q Yes, she ate it all!", ctx), IN_HOURS)
    assert kinds(t.effects) == ["NotifyCarer", "OpenThread", "Write", "RecordAudit"]
    to_carer = t.effects[0]
    assert isinstance(to_carer, NotifyCarer)
    assert to_carer.about_child == 1
    assert to_carer.text.params["message"] == "Yes, she ate it all!"
    # The sender's confirmation is queued with it (saying when it arrives, in quiet hours).
    assert to_carer.confirm is not None and to_carer.confirm.key == "relay.staff_sent"


@pytest.mark.parametrize(
    ("ctx_change", "key"),
    [
        ({"named_thread": None}, "relay.wrong_code"),
        ({"named_thread": thread(key_person=99)}, "relay.wrong_code"),
        ({"named_thread": thread(informed=False)}, "relay.staff_no_info"),
    ],
)
def test_staff_reply_refused(profile, ctx_change, key):
    facts = {"named_code": "K7Q", "named_thread": thread(), **ctx_change}
    ctx = Context(profile, staff=staff(), facts=facts)
    t = relay.from_staff("#K7Q See you soon", ctx)
    assert not [e for e in t.effects if isinstance(e, NotifyCarer)]
    assert [e.text.key for e in t.effects if isinstance(e, Reply)] == [key]


def test_cover_and_manager_may_answer(profile):
    other = thread(key_person=99)
    as_cover = Context(
        profile, staff=staff(), facts={"named_code": "K7Q", "named_thread": other, "covers": (99,)}
    )
    as_manager = Context(
        profile, staff=staff(roles=("manager",)), facts={"named_code": "K7Q", "named_thread": other}
    )
    for ctx in (as_cover, as_manager):
        t = relay.from_staff("#K7Q Noted", ctx)
        assert any(isinstance(e, NotifyCarer) for e in t.effects)


def test_code_without_message_asks_for_one(profile):
    ctx = Context(profile, staff=staff(), facts={"named_code": "K7Q", "named_thread": thread()})
    t = relay.from_staff("#K7Q", ctx)
    assert [e.text.key for e in t.effects if isinstance(e, Reply)] == ["relay.staff_empty"]


def test_staff_text_without_code_asks_which_conversation_then_sends(profile):
    recent = (thread("K7Q"), replace(thread("B2C"), child_id=2, child_name="Oscar"))
    ctx = Context(profile, staff=staff(), facts={"recent_threads": recent})
    t = start.run(None, {}, TextReceived("She had a lovely day", ctx), IN_HOURS)
    assert t.flow == "relay" and t.state["step"] == "which_thread"
    (question,) = t.effects
    assert [c.key for c in question.choices] == ["K7Q", "B2C", "not_now"]
    assert question.choices[0] == Choice(
        "K7Q",
        Text(
            "relay.thread_label",
            {"code": "#K7Q", "child": "Amelia", "carer": "Laura", "relationship": "mum"},
        ),
    )

    done = start.run(t.flow, t.state, ChoiceMade("B2C", ctx), IN_HOURS)
    sent = next(e for e in done.effects if isinstance(e, NotifyCarer))
    assert (sent.about_child, sent.text.params["message"]) == (2, "She had a lovely day")
    assert done.flow is None


def test_staff_with_no_threads_is_told_how_codes_work(profile):
    t = relay.from_staff("hello", Context(profile, staff=staff()))
    assert [e.text.key for e in t.effects if isinstance(e, Reply)] == ["relay.staff_no_threads"]


def test_audit_entries_name_ids_only(profile):
    ctx = Context(profile, carer=carer(), facts={"threads": {1: "K7Q"}})
    t = relay.from_carer("private words", ctx, IN_HOURS)
    audit = [e for e in t.effects if isinstance(e, RecordAudit)]
    assert audit and all("private" not in str(a) for a in audit)


def test_the_receipt_names_a_key_person_only_when_the_message_can_reach_them(profile):
    ctx = Context(
        profile, carer=carer(), facts={"threads": {1: "K7Q"}, "unreachable_staff": frozenset({10})}
    )
    t = relay.from_carer("Is she asleep?", ctx, IN_HOURS)
    receipt = [e for e in t.effects if isinstance(e, Reply)][-1]
    assert receipt.text.params["to"] == Text("relay.to_team")
    kids = (child(1, "Jan", 10, "Anna"), child(2, "Leo", 11, "Grace"))
    both = Context(
        profile, carer=carer(*kids), facts={"threads": {1: "A", 2: "B"}, "unreachable_staff": {11}}
    )
    t = relay.step({"step": "which_child", "text": "Hi"}, ChoiceMade("all", both), IN_HOURS)
    receipt = [e for e in t.effects if isinstance(e, Reply)][-1]
    assert receipt.text.params["to"] == Text(
        "relay.to_names", {"names": ("Anna", Text("relay.to_team"))}
    )


def test_good_news_thanks_name_the_key_person_only_when_it_reaches_them(profile):
    ctx = Context(
        profile, carer=carer(), facts={"threads": {1: "K7Q"}, "unreachable_staff": frozenset({10})}
    )
    asked = start.run(None, {}, TextReceived("WOW", ctx), IN_HOURS)
    done = start.run(asked.flow, asked.state, TextReceived("She hopped!", ctx), IN_HOURS)
    assert [e.text.key for e in done.effects if isinstance(e, Reply)] == ["wow.thanks_team"]
