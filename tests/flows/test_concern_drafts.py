"""A concern left halfway: one record from the first step, kept as a draft for a day, offered
again ("carry on, or start again?") when the family next raises a concern, and closed as
abandoned (never deleted) after a day."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from bot.domain.messages import Channel, Inbound, Text
from bot.flows import concerns
from bot.flows.base import (
    CancelTimer,
    ChoiceMade,
    Context,
    NotifyStaff,
    RecordAudit,
    Reply,
    SetTimer,
    TextReceived,
    TimerFired,
    Write,
)
from bot.flows.concerns import Abandoned, Concern, Draft, DraftAnswer
from bot.flows.steps.questions import LEAVE
from tests.conftest import carer
from tests.flows.dispatch import start
from tests.flows.test_concerns import JAN, NOAH, ROLES, TUESDAY, ctx_for, info, of, press, talk

DAY = timedelta(days=1)
DAY_LATER = TUESDAY + DAY


def records(*steps) -> list:
    return [w.record for t in steps for w in of(t, Write)]


def with_draft(profile, draft, *kids, number=1077) -> Context:
    ctx = ctx_for(profile, *(kids or (NOAH,)), number=number)
    facts = {**ctx.facts, "concern_draft": draft, "concern_draft_until": DAY_LATER}
    return dataclasses.replace(ctx, facts=facts)


def test_the_first_step_makes_the_record_and_each_answer_is_kept_on_it(profile):
    ctx = dataclasses.replace(
        ctx_for(profile, NOAH, JAN),
        facts={**ctx_for(profile).facts, "concern_draft_until": DAY_LATER},
    )
    which, topic, urgency, words = talk(ctx, "concern", press("7"), press("care"), press("week"))
    assert records(which) == [Draft(1042)]
    (timer,) = of(which, SetTimer)
    assert (timer.rule, timer.due, timer.payload) == ("draft", DAY_LATER, {"number": 1042})
    assert records(topic) == [DraftAnswer(1042, {"child_id": 7})]
    assert records(urgency) == [DraftAnswer(1042, {"topic": "care"})]
    assert records(words) == [DraftAnswer(1042, {"urgency": "week"})]


def test_words_are_kept_and_raising_it_cancels_the_draft_timer(profile):
    *_, answer, done = talk(
        ctx_for(profile), "concern", press("care"), press("week"), "a bruise", press("phone")
    )
    assert records(answer) == [DraftAnswer(1042, {"words": "a bruise"})]
    assert any(isinstance(r, Concern) for r in records(done))
    assert CancelTimer("concerns", "draft") in done.effects


def test_leaving_says_what_they_gave_is_kept_for_a_day(profile):
    *_, left = talk(ctx_for(profile), "concern", press("care"), press(LEAVE))
    assert of(left, Reply)[0].text == Text("concern.draft_kept")


def test_stopping_by_writing_something_else_keeps_the_draft_too(profile):
    *_, moved = talk(ctx_for(profile), "concern", press("care"), "INFO")
    assert Text("concern.draft_kept") in [r.text for r in of(moved, Reply)]


def test_a_draft_of_the_last_day_is_offered_again(profile):
    draft = info(number=1042, stage="draft", topic="care", urgency="", words="",
                 answer_by="", acknowledge_by=None)  # fmt: skip
    (offer,) = talk(with_draft(profile, draft), "CONCERN")
    assert offer.flow == concerns.NAME and offer.state["step"] == "resume"
    question = of(offer, Reply)[-1]
    assert question.text == Text("concern.draft_offer")
    assert [c.key for c in question.choices] == ["carry_on", "start_again", LEAVE]
    assert not records(offer)  # no new reference taken


def test_carrying_on_asks_only_what_is_missing_and_raises_the_same_record(profile):
    draft = info(number=1042, stage="draft", topic="care", urgency="", words="",
                 answer_by="", acknowledge_by=None)  # fmt: skip
    ctx = with_draft(profile, draft)
    _, urgency, words, _, done = talk(
        ctx, "CONCERN", press("carry_on"), press("today"), "a bruise", press("message")
    )
    assert of(urgency, Reply)[-1].text == Text("concern.ask_urgency")  # not the topic again
    assert of(words, Reply)[-1].text == Text("concern.ask_words")
    (kept,) = [r for r in records(done) if isinstance(r, Concern)]
    assert (kept.number, kept.topic, kept.urgency) == (1042, "care", "today")
    assert kept.words == "a bruise"


def test_carrying_on_with_words_given_goes_to_the_last_question(profile):
    draft = info(number=1042, stage="draft", urgency="week", acknowledge_by=None, answer_by="")
    (_, answer) = talk(with_draft(profile, draft), "CONCERN", press("carry_on"))
    assert of(answer, Reply)[-1].text == Text("concern.ask_answer_by")


def test_starting_again_closes_the_draft_as_abandoned_and_takes_a_new_reference(profile):
    draft = info(number=1042, stage="draft", acknowledge_by=None, answer_by="")
    ctx = with_draft(profile, draft, number=1077)
    ctx = dataclasses.replace(ctx, facts={**ctx.facts, "concern_draft": None})  # not loaded now
    state = {"step": "resume", "draft": 1042}
    again = start.run(concerns.NAME, state, ChoiceMade("start_again", ctx), TUESDAY)
    assert records(again)[:2] == [Abandoned(1042), Draft(1077)]
    assert of(again, Reply)[-1].text == Text("concern.ask_topic")


def test_not_now_at_the_offer_keeps_the_draft(profile):
    # (Not now loads no draft: only CONCERN, the menu entry and Carry on do.)
    state = {"step": "resume", "draft": 1042}
    left = start.run(concerns.NAME, state, ChoiceMade(LEAVE, ctx_for(profile)), TUESDAY)
    assert left.flow is None and not records(left)
    assert of(left, Reply)[0].text == Text("concern.draft_kept")


def _expire(profile, concern, state):
    ctx = Context(profile, carer=carer(NOAH), setting_id=1,
                  facts={"concern": concern, "concern_roles": ROLES})  # fmt: skip
    fired = TimerFired("draft", {"number": 1042}, DAY_LATER, ctx)
    return concerns.timer(state, fired, DAY_LATER)


def test_after_a_day_a_draft_is_closed_as_abandoned_and_its_question_ends(profile):
    draft = info(stage="draft", acknowledge_by=None)
    gone = _expire(profile, draft, {"step": "urgency", "number": 1042})
    assert gone.flow is None
    assert records(gone) == [Abandoned(1042)]
    assert [a.action for a in of(gone, RecordAudit)] == ["concern.abandoned"]
    assert not of(gone, NotifyStaff) and not of(gone, Reply)  # the family is not nagged


def test_a_raised_concern_is_not_abandoned_and_another_question_stays_open(profile):
    other = {"step": "words", "number": 1050}
    kept = _expire(profile, info(stage="received"), other)
    assert kept.flow == concerns.NAME and kept.state == other and not kept.effects
    assert _expire(profile, info(stage="draft", acknowledge_by=None), other).state == other


def test_typing_something_else_at_the_offer_is_taken_as_a_message(profile):
    draft = info(number=1042, stage="draft", acknowledge_by=None)
    ctx = with_draft(profile, draft)
    t = start.run(concerns.NAME, {"step": "resume", "draft": 1042},
                  TextReceived("Is it sunny there?", ctx), TUESDAY)  # fmt: skip
    assert t.flow != concerns.NAME
    assert not [r for r in records(t) if type(r).__module__ == concerns.__name__]
    assert [n.text.key for n in of(t, NotifyStaff)] == ["relay.to_staff"]


def test_the_menu_entry_offers_the_draft_too(profile):
    draft = info(number=1042, stage="draft", acknowledge_by=None)
    (offer,) = talk(with_draft(profile, draft), press("concern"))
    assert offer.state["step"] == "resume"


def _inbound(text: str = "", choice: str | None = None) -> Inbound:
    return Inbound(Channel.SMS, "+447400200001", "SM1", TUESDAY, text=text, choice=choice)


def test_which_messages_look_for_a_draft_and_which_take_a_new_reference(profile):
    ctx = ctx_for(profile, number=None)
    looks = {
        "CONCERN": _inbound("CONCERN"),
        "menu": _inbound(choice="concern"),
        "carry on": _inbound(choice="carry_on"),
    }
    for said, inbound in looks.items():
        assert concerns._draft_args(ctx, inbound, TUESDAY) == (1, ctx.carer.id, TUESDAY - DAY), said
    # Raising a message that read like a concern, or starting again, takes a new reference.
    for choice in ("raise_concern", "start_again"):
        assert concerns._draft_args(ctx, _inbound(choice=choice), TUESDAY) is None
        assert concerns._number_args(ctx, _inbound(choice=choice), TUESDAY) == (1,)
    # A draft offered again takes none.
    offered = dataclasses.replace(ctx, facts={**ctx.facts, "concern_draft": info(stage="draft")})
    assert concerns._number_args(offered, _inbound("CONCERN"), TUESDAY) is None
    assert concerns._draft_args(ctx, _inbound("hello"), TUESDAY) is None


def test_carrying_on_a_draft_closed_meanwhile_starts_afresh_with_a_new_reference(profile):
    ctx = ctx_for(profile, number=None)
    assert concerns._number_args(ctx, _inbound(choice="carry_on"), TUESDAY) == (1,)
    fresh = dataclasses.replace(
        ctx_for(profile, number=1077),
        facts={**ctx_for(profile, number=1077).facts, "concern_draft": None},
    )
    state = {"step": "resume", "draft": 1042}
    again = start.run(concerns.NAME, state, ChoiceMade("carry_on", fresh), TUESDAY)
    assert records(again)[0] == Draft(1077)
    assert of(again, Reply)[-1].text == Text("concern.ask_topic")


def test_concern_in_the_middle_of_raising_one_offers_the_draft_without_saying_it_twice(profile):
    draft = info(number=1042, stage="draft", topic="care", acknowledge_by=None)
    ctx = with_draft(profile, draft)
    state = {"step": "urgency", "number": 1042, "topic": "care", "child": "7"}
    again = start.run(concerns.NAME, state, TextReceived("CONCERN", ctx), TUESDAY)
    assert [r.text.key for r in of(again, Reply)] == ["concern.draft_offer"]
