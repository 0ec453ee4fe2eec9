"""Concerns: CONCERN or the menu; child, topic, urgency, words, how to answer; kept with a
reference, routed by topic, acknowledged by a deadline counted in staff hours; staff ACK,
answer and CLOSE by reference; the family adds to it and says whether they are happy."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

import pytest

from bot.domain.concerns import ConcernInfo
from bot.domain.messages import Choice, ChoiceStyle, Priority, Text
from bot.flows import concerns
from bot.flows.base import (
    ChoiceMade,
    Context,
    NotifyCarer,
    NotifyStaff,
    RecordAudit,
    Reply,
    SetTimer,
    TextReceived,
    TimerFired,
    Transition,
    Write,
)
from bot.flows.concerns import Acknowledged, Closed, Concern, Note, Rated
from bot.flows.steps.questions import LEAVE, OTHER
from tests.conftest import carer, child, staff
from tests.flows.dispatch import start

TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 10:00 in London, staff hours
NOAH = child(7, "Noah", 10, "Tom", relationship="dad")
JAN = child(8, "Jan", 11, "Anna", relationship="dad")
MILA = child(9, "Mila", 12, "Grace", relationship="dad", informed=False)
# Who holds each role concerns go to: manager 1, SENCo 2, DSL 1 and deputy DSL 3.
ROLES = {"manager": (1,), "senco": (2,), "dsl": (1,), "deputy_dsl": (3,)}


def ctx_for(profile, *kids, number: int | None = 1042, roles=ROLES) -> Context:
    parent = carer(*(kids or (NOAH,)), name="Craig")
    facts: dict[str, object] = {"concern_roles": roles, "threads": {7: "K7Q", 8: "J8Q", 9: "M9Q"}}
    if number is not None:
        facts["concern_number"] = number
    return Context(profile, carer=parent, setting_id=1, facts=facts)


def talk(ctx: Context, *said: str | Choice, now: datetime = TUESDAY) -> list[Transition]:
    flow, state, steps = None, {}, []
    for item in said:
        event = ChoiceMade(item.key, ctx) if isinstance(item, Choice) else TextReceived(item, ctx)
        t = start.run(flow, state, event, now)
        flow, state = t.flow, t.state
        steps.append(t)
    return steps


def press(key: str) -> Choice:
    return Choice(key, Text("label.raw", {"text": key}))


def of(t: Transition, kind: type) -> list:
    return [e for e in t.effects if isinstance(e, kind)]


def question(t: Transition) -> Reply:
    return of(t, Reply)[-1]


def keys(t: Transition) -> list[str]:
    return [c.key for c in question(t).choices]


FULL = (
    press("care"),
    press("week"),
    "He came home with a bruise nobody told me about",
    press("phone"),
)


def test_concern_with_one_child_asks_each_step_then_keeps_it_and_tells_the_family(profile):
    topic, urgency, words, answer, done = talk(ctx_for(profile), "CONCERN", *FULL)
    assert topic.flow == concerns.NAME
    assert question(topic).text == Text("concern.ask_topic")
    assert keys(topic) == ["development", "care", "complaint", "safety", LEAVE]
    assert keys(urgency) == ["today", "week", "no_rush", LEAVE]
    assert question(words).text == Text("concern.ask_words")
    assert keys(words) == [LEAVE]
    assert keys(answer) == ["message", "phone", "meeting", LEAVE]
    assert done.flow is None
    (kept,) = [w.record for w in of(done, Write)]
    assert kept == Concern(
        1042, 7, "care", "week", "He came home with a bruise nobody told me about", "phone",
        (10, 1), concerns.acknowledge_by(profile, TUESDAY),
    )  # fmt: skip
    received = question(done).text
    assert received.key == "concern.received"
    assert received.params["reference"] == "C-1042"
    assert received.params["steps"] == profile.concern_steps
    assert received.params["when"].key == "when.day"  # 48 staff hours: days later
    (timer,) = of(done, SetTimer)
    assert (timer.flow, timer.rule, timer.payload) == ("concerns", "acknowledge", {"number": 1042})
    assert timer.due == kept.acknowledge_by
    assert [a.action for a in of(done, RecordAudit)] == ["concern.opened"]


def test_the_menu_entry_starts_the_same_questions(profile):
    (topic,) = talk(ctx_for(profile), press("concern"))
    assert topic.flow == concerns.NAME and keys(topic)[0] == "development"


def test_staff_hear_everything_a_family_said(profile):
    *_, done = talk(ctx_for(profile), "concern", *FULL)
    notes = of(done, NotifyStaff)
    assert [n.staff_id for n in notes] == [10, 1]
    params = notes[0].text.params
    assert notes[0].text.key == "concern.to_staff"
    assert params["reference"] == "C-1042" and params["child"] == "Noah"
    assert params["carer"] == "Craig (dad)"
    assert params["topic"] == Text("concern.topic_care")
    assert params["urgency"] == Text("concern.urgency_week")
    assert params["answer_by"] == Text("concern.answer_by_phone")
    assert params["message"] == "He came home with a bruise nobody told me about"
    assert notes[0].priority == Priority.REPLY


@pytest.mark.parametrize(
    ("topic", "to"),
    [
        ("development", (10, 2)),  # key person and SENCo
        ("care", (10, 1)),  # key person and manager
        ("complaint", (1,)),  # manager
        ("safety", (1, 3)),  # DSL and deputy DSL
    ],
)
def test_routing_by_topic(profile, topic, to):
    *_, done = talk(
        ctx_for(profile), "concern", press(topic), press("today"), "words", press("message")
    )
    assert tuple(n.staff_id for n in of(done, NotifyStaff)) == to
    assert of(done, Write)[0].record.staff == to


def test_route_falls_back_to_managers_then_the_dsl():
    assert concerns.route("development", child(1, key_person=None), {"manager": (5,)}) == (5,)
    assert concerns.route("complaint", None, {"dsl": (6,)}) == (6,)
    assert concerns.route("safety", None, {"dsl": (6,)}) == (6,)


def test_safety_says_call_999_and_goes_on_the_urgent_lane(profile):
    _, urgency, *_, done = talk(
        ctx_for(profile), "concern", press("safety"), press("no_rush"), "words", press("message")
    )
    emergency, ask = of(urgency, Reply)
    assert emergency.text == Text("concern.emergency", {"number": "999"})
    assert ask.text == Text("concern.ask_urgency")
    assert all(n.priority == Priority.URGENT for n in of(done, NotifyStaff))


def test_the_emergency_number_comes_from_the_setting(profile):
    other = dataclasses.replace(profile, emergency_number="112")
    _, urgency = talk(ctx_for(other), "concern", press("safety"))
    assert of(urgency, Reply)[0].text == Text("concern.emergency", {"number": "112"})


def test_several_children_asked_which_and_never_named_when_not_told(profile):
    ctx = ctx_for(profile, NOAH, JAN, MILA)
    which, topic = talk(ctx, "concern", press("8"))
    assert question(which).text == Text("concern.which_child")
    assert keys(which) == ["7", "8", OTHER, LEAVE]
    labels = [c.label for c in question(which).choices]
    assert Text("label.raw", {"text": "Mila"}) not in labels
    assert topic.state["child"] == "8"
    *_, done = talk(ctx, "concern", press(OTHER), *FULL)
    assert of(done, Write)[0].record.child_id == 9  # staff may know Mila: she is named to them
    assert "Mila" not in repr(of(done, Reply))


@pytest.mark.parametrize("at", range(1, 6))  # at the child, topic, urgency, words, answer
def test_not_now_leaves_every_step_and_nothing_is_raised(profile, at):
    ctx = ctx_for(profile, NOAH, JAN)
    answers = ["concern", press("7"), press("care"), press("week"), "words"]
    *asked, left = talk(ctx, *answers[:at], press(LEAVE))
    assert asked[-1].flow == concerns.NAME  # a question was open
    # What they gave is kept as a draft for a day, and they are told so; nothing is raised.
    assert question(left).text == Text("concern.draft_kept")
    assert left.flow is None
    assert not of(left, Write) and not of(left, NotifyStaff) and not of(left, SetTimer)
    kept = [w.record for t in asked for w in of(t, Write)]
    assert not any(isinstance(r, Concern) for r in kept)
    assert isinstance(kept[0], concerns.Draft) and kept[0].number == 1042


@pytest.mark.parametrize("word", ["not now", "BACK"])
def test_typed_words_leave_the_words_step(profile, word):
    *_, left = talk(ctx_for(profile), "concern", press("care"), press("week"), word)
    assert left.flow is None and not of(left, Write)


def test_typed_answers_and_answers_that_say_nothing(profile):
    _, urgency, words, again = talk(ctx_for(profile), "concern", "complaint", "today", "ok")
    assert urgency.state["topic"] == "complaint"
    assert words.state["step"] == "words" and words.state["urgency"] == "today"
    assert again.flow == concerns.NAME and again.state["step"] == "words"  # "ok": asked again
    assert question(again).text == Text("concern.ask_words")
    (repeat,) = talk(ctx_for(profile), "concern")
    assert repeat.state["step"] == "topic"


def test_reference_format():
    assert concerns.reference(1042) == "C-1042"
    assert re.fullmatch(r"C-\d+", concerns.reference(1001))


# The deadline: staff hours (08:00-17:30) on open days (Monday to Friday) only.


def test_deadline_counts_only_staff_hours(profile):
    four = dataclasses.replace(profile, concern_ack_hours=4)
    due = concerns.acknowledge_by(four, TUESDAY)  # 10:00 Tuesday + 4 h
    assert due == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    late = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)  # 1 h left today, 3 h tomorrow
    assert concerns.acknowledge_by(four, late) == datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
    night = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)  # counted from 08:00 tomorrow
    assert concerns.acknowledge_by(four, night) == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_deadline_skips_the_weekend(profile):
    four = dataclasses.replace(profile, concern_ack_hours=4)
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # 1.5 h left on Friday
    assert concerns.acknowledge_by(four, friday) == datetime(2026, 11, 30, 10, 30, tzinfo=UTC)
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert concerns.acknowledge_by(four, saturday) == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    # 48 hours are more than five staff days (9.5 h each): Tuesday 10:00 to the next Tuesday.
    assert concerns.acknowledge_by(profile, TUESDAY) == datetime(2026, 12, 1, 10, 30, tzinfo=UTC)


def test_deadline_across_the_clocks_going_back(profile):
    # British Summer Time ends at 02:00 on Sunday 25 October 2026: Friday 16:00 BST (15:00
    # UTC) plus 4 staff hours is Monday 10:30 GMT, 10:30 UTC, not 09:30.
    four = dataclasses.replace(profile, concern_ack_hours=4)
    friday = datetime(2026, 10, 23, 15, 0, tzinfo=UTC)
    assert concerns.acknowledge_by(four, friday) == datetime(2026, 10, 26, 10, 30, tzinfo=UTC)


def test_deadline_across_the_clocks_going_forward(profile):
    # Summer time starts on Sunday 29 March 2026: Friday 16:00 GMT + 4 h is Monday 10:30 BST.
    four = dataclasses.replace(profile, concern_ack_hours=4)
    friday = datetime(2026, 3, 27, 16, 0, tzinfo=UTC)
    assert concerns.acknowledge_by(four, friday) == datetime(2026, 3, 30, 9, 30, tzinfo=UTC)


# Acting on a concern.


def info(**changes) -> ConcernInfo:
    base = ConcernInfo(
        id=5, setting_id=1, number=1042, child_id=7, child="Noah", child_full="Noah Hughes",
        carer_id=100, carer="Craig (dad)", informed=True, topic="care", urgency="week",
        words="a bruise", answer_by="phone", staff=(10, 1), stage="received",
        opened_at=TUESDAY, acknowledge_by=datetime(2026, 12, 1, 10, 30, tzinfo=UTC),
        acknowledged_at=None, acknowledged_by=None, acknowledged_by_name=None, closed_at=None,
        summary=None, satisfaction=None,
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


def staff_ctx(profile, who=None, concern=None, **facts) -> Context:
    return Context(
        profile,
        staff=who or staff(10, "Tom"),
        setting_id=1,
        facts={"concern": concern, "concern_roles": ROLES, **facts},
    )


def say(ctx: Context, text: str, flow=None, state=None) -> Transition:
    return start.run(flow, state or {}, TextReceived(text, ctx), TUESDAY)


def test_ack_tells_the_family_who_is_looking(profile):
    done = say(staff_ctx(profile, concern=info()), "ACK C-1042")
    assert of(done, Write)[0].record == Acknowledged(1042, 10)
    (told,) = of(done, NotifyCarer)
    assert told.carer_id == 100 and told.essential
    assert told.text == Text("concern.looking", {"reference": "C-1042", "name": "Tom"})
    assert question(done).text == Text("concern.acked", {"reference": "C-1042"})


def test_staff_not_given_the_concern_may_not_act_on_it(profile):
    done = say(staff_ctx(profile, who=staff(11, "Anna"), concern=info()), "ack c-1042")
    assert not of(done, Write) and not of(done, NotifyCarer)
    assert question(done).text.key == "concern.not_yours"
    manager = staff(1, "Sarah", ("manager", "dsl"))
    assert of(say(staff_ctx(profile, who=manager, concern=info()), "ACK C-1042"), Write)


def test_unknown_reference(profile):
    done = say(staff_ctx(profile, concern=None), "ACK C-9999")
    assert question(done).text == Text("concern.unknown", {"reference": "C-9999"})


def test_staff_answer_goes_to_the_family(profile):
    done = say(staff_ctx(profile, concern=info()), "C-1042 We have spoken to the room team.")
    assert of(done, Write)[0].record == Note(1042, "answer", "We have spoken to the room team.")
    (told,) = of(done, NotifyCarer)
    assert told.text.key == "concern.answer"
    assert told.text.params["message"] == "We have spoken to the room team."


def test_close_needs_a_summary_then_asks_the_family(profile):
    bare = say(staff_ctx(profile, concern=info()), "CLOSE C-1042")
    assert not of(bare, Write) and question(bare).text.key == "concern.close_needs_summary"
    done = say(staff_ctx(profile, concern=info()), "close C-1042 We changed the nappy routine.")
    assert of(done, Write)[0].record == Closed(1042, "We changed the nappy routine.")
    (told,) = of(done, NotifyCarer)
    assert told.text.key == "concern.closed"
    # Asked as choices (buttons; numbered on SMS), kept as the family's open question.
    assert [c.key for c in told.choices] == [
        "concern_rate:1042:yes", "concern_rate:1042:not_really", "concern_rate:1042:manager"
    ]  # fmt: skip
    assert [c.label for c in told.choices] == [
        Text("concern.rate_yes"), Text("concern.rate_not_really"), Text("concern.rate_manager")
    ]  # fmt: skip
    assert told.opens == ("concerns", {"step": "rate", "number": 1042})


@pytest.mark.parametrize(
    ("answer", "reopened"), [("yes", False), ("not_really", True), ("manager", True)]
)
def test_the_rating_is_answered_by_its_choices_whatever_is_open(profile, answer, reopened):
    closed = info(stage="closed", summary="done", closed_at=TUESDAY)
    key = f"concern_rate:1042:{answer}"
    assert start.is_action(key)  # a button stays valid whatever the family is doing
    ctx = family_ctx(profile, closed)
    for flow, state in ((None, {}), ("concerns", {"step": "rate", "number": 1042})):
        done = start.run(flow, state, ChoiceMade(key, ctx), TUESDAY)
        assert done.flow is None
        assert of(done, Write)[0].record == Rated(1042, answer)
        assert bool(of(done, NotifyStaff)) is reopened


def test_the_rating_is_taken_once_and_only_from_that_family(profile):
    key = "concern_rate:1042:manager"
    rated = info(stage="closed", summary="done", satisfaction="yes")
    again = start.run(None, {}, ChoiceMade(key, family_ctx(profile, rated)), TUESDAY)
    assert not of(again, Write) and question(again).text.key == "concern.already_rated"
    theirs = info(stage="closed", carer_id=999)
    other = start.run(None, {}, ChoiceMade(key, family_ctx(profile, theirs)), TUESDAY)
    assert not of(other, Write) and question(other).text.key == "concern.unknown"


def test_leaving_the_rating_says_how_to_answer_later(profile):
    ctx = family_ctx(profile, info(stage="closed"))
    state = {"step": "rate", "number": 1042}
    left = start.run("concerns", state, ChoiceMade("not_now", ctx), TUESDAY)
    assert left.flow is None and question(left).text.key == "concern.rate_later"


def test_concerns_lists_open_ones(profile):
    ctx = staff_ctx(profile, my_concerns=[info(), info(number=1043, topic="safety")])
    done = say(ctx, "CONCERNS")
    text = question(done).text
    assert text.key == "concern.list"
    assert [line.params["reference"] for line in text.params["lines"]] == ["C-1042", "C-1043"]
    empty = say(staff_ctx(profile, my_concerns=[]), "concerns")
    assert question(empty).text == Text("concern.list_none")


def family_ctx(profile, concern) -> Context:
    ctx = ctx_for(profile)
    return dataclasses.replace(ctx, facts={**ctx.facts, "concern": concern})


def test_family_adds_to_their_concern(profile):
    done = say(family_ctx(profile, info()), "C-1042 He is still upset about it")
    assert of(done, Write)[0].record == Note(1042, "family", "He is still upset about it")
    assert [n.staff_id for n in of(done, NotifyStaff)] == [10, 1]
    acked = say(family_ctx(profile, info(acknowledged_by=2, stage="acknowledged")), "C-1042 more")
    assert [n.staff_id for n in of(acked, NotifyStaff)] == [2]


def test_another_familys_concern_is_not_found(profile):
    done = say(family_ctx(profile, info(carer_id=999)), "C-1042 hello")
    assert not of(done, Write)
    assert question(done).text.key == "concern.unknown"


@pytest.mark.parametrize(
    ("said", "rating", "reopened"),
    [("C-1042 yes", "yes", False), ("C-1042 not really", "not_really", True),
     ("c-1042 manager", "manager", True)],
)  # fmt: skip
def test_family_rates_a_closed_concern(profile, said, rating, reopened):
    closed = info(stage="closed", summary="done", closed_at=TUESDAY)
    done = say(family_ctx(profile, closed), said)
    assert of(done, Write)[0].record == Rated(1042, rating)
    managers = [n.staff_id for n in of(done, NotifyStaff)]
    assert managers == ([1] if reopened else [])
    assert question(done).text.key == ("concern.reopened" if reopened else "concern.thanks_happy")


# The deadline timer.


def fire(profile, concern, state=None, now=TUESDAY) -> Transition:
    ctx = Context(profile, carer=carer(NOAH), setting_id=1,
                  facts={"concern": concern, "concern_roles": ROLES})  # fmt: skip
    fired = TimerFired("acknowledge", {"number": 1042}, now, ctx)
    return concerns.timer(state or {}, fired, now)


def test_unacknowledged_goes_to_the_manager_and_again_next_working_day(profile):
    friday = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
    done = fire(profile, info(), now=friday)
    assert [n.staff_id for n in of(done, NotifyStaff)] == [1]
    assert of(done, NotifyStaff)[0].text.key == "concern.escalated"
    (again,) = of(done, SetTimer)
    assert again.due == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday, start of staff hours


def test_unacknowledged_safety_goes_to_the_deputy_dsl_urgently(profile):
    done = fire(profile, info(topic="safety"))
    (note,) = of(done, NotifyStaff)
    assert note.staff_id == 3 and note.priority == Priority.URGENT
    no_deputy = {**ROLES, "deputy_dsl": ()}
    ctx = Context(profile, carer=carer(NOAH), setting_id=1,
                  facts={"concern": info(topic="safety"), "concern_roles": no_deputy})  # fmt: skip
    fired = concerns.timer({}, TimerFired("acknowledge", {}, TUESDAY, ctx), TUESDAY)
    assert [n.staff_id for n in of(fired, NotifyStaff)] == [1]


def test_acknowledged_or_closed_is_not_escalated_and_an_open_question_stays(profile):
    acked = fire(profile, info(acknowledged_at=TUESDAY, acknowledged_by=10))
    assert not acked.effects and acked.flow is None
    state = {"step": "words", "number": 1050}
    kept = fire(profile, info(stage="closed"), state=state)
    assert kept.flow == concerns.NAME and kept.state == state and not kept.effects


@pytest.mark.parametrize(
    "said",
    [
        "I'm worried about Noah's speech, he isn't saying many words",
        "Not happy with how pick up was handled today",
        "I would like to make a complaint about the garden gate",
        "Martwię się, że Noah mało je",
        "Nie jestem zadowolona z tego, co się stało",
    ],
)
def test_a_message_that_reads_like_a_concern_is_asked_about_never_assumed(profile, said):
    (asked,) = talk(ctx_for(profile), said)
    assert asked.flow == concerns.NAME and not of(asked, Write) and not of(asked, NotifyStaff)
    assert question(asked).text == Text("concern.offer", {"to": "Tom"})
    assert keys(asked) == ["raise_concern", "send", LEAVE]


@pytest.mark.parametrize(
    "said",
    [
        "Noah loved the painting today",
        "Is Noah worried about the new room?",  # "worried" alone, about the child, is a question
        "Can you remind me about the complaints procedure?",
        "Happy with how settling in went, thank you",
    ],
)
def test_ordinary_messages_are_not_asked_about(profile, said):
    (sent,) = talk(ctx_for(profile), said)
    assert sent.flow != concerns.NAME
    assert [n.text.key for n in of(sent, NotifyStaff)] == ["relay.to_staff"]


def test_raising_it_keeps_the_words_and_does_not_ask_for_them_again(profile):
    said = "I'm worried about a bruise on his arm"
    _, topic, _, answer, done = talk(
        ctx_for(profile),
        said,
        press("raise_concern"),
        press("care"),
        press("week"),
        press("phone"),
    )
    assert question(topic).text == Text("concern.ask_topic")
    assert question(answer).text == Text("concern.ask_answer_by")  # no "in your words" again
    (kept,) = [w.record for w in of(done, Write) if isinstance(w.record, Concern)]
    assert kept.words == said and kept.number == 1042


def test_just_sending_it_relays_the_words_to_the_key_person(profile):
    said = "Not happy about the nappy rash cream they used"
    _, sent = talk(ctx_for(profile), said, press("send"))
    assert sent.flow is None and not [w for w in of(sent, Write) if isinstance(w.record, Concern)]
    (note,) = of(sent, NotifyStaff)
    assert note.text.key == "relay.to_staff" and note.text.params["message"] == said


def test_staff_get_buttons_on_telegram_and_pressing_them_acts_on_the_concern(profile):
    *_, done = talk(ctx_for(profile), "CONCERN", *FULL)
    for note in of(done, NotifyStaff):
        assert [c.key for c in note.choices] == [
            "concern_ack:1042", "concern_reply:1042", "concern_close:1042",
        ]  # fmt: skip
        assert all(c.style is ChoiceStyle.TAP for c in note.choices)  # SMS says the words
    ctx = staff_ctx(profile, concern=info())
    acked = start.run(None, {}, ChoiceMade("concern_ack:1042", ctx), TUESDAY)
    assert of(acked, Write)[0].record == Acknowledged(1042, 10)
    assert of(acked, NotifyCarer)[0].text.key == "concern.looking"
    how = start.run(None, {}, ChoiceMade("concern_close:1042", ctx), TUESDAY)
    assert question(how).text == Text("concern.how_to_close", {"reference": "C-1042"})
    assert not of(how, Write)
    someone_else = staff_ctx(profile, who=staff(11, "Anna"), concern=info())
    refused = start.run(None, {}, ChoiceMade("concern_ack:1042", someone_else), TUESDAY)
    assert question(refused).text.key == "concern.not_yours" and not of(refused, Write)
