"""A new workshop from a manager's phone, as flow tables: each question and its bad input, Back
and Not now at every step, the plain-words check on the title, the preview, and what Add keeps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.audience import Summary
from bot.domain.messages import Choice, Text
from bot.domain.workshops import AddedWorkshop, NewWorkshop, Workshop
from bot.flows.base import LEAVE, ChoiceMade, Context, RecordAudit, Reply, TextReceived, Transition
from bot.flows.base import Write as WriteRecord
from bot.flows.steps.workshop_draft import ADD, BACK, SKIP
from bot.flows.workshop_invite import NEW, PICK
from bot.language.plain import Glossary
from tests.conftest import staff
from tests.flows.dispatch import start

TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 10:00 in London
GLOSSARY = Glossary.load()
ACORNS = Summary("room:acorns", families=2, carers=2, not_reached={"no_information": 1})
SARAH = staff(12, "Sarah", ("manager",))
TOM = staff()
# The answers that reach each question in turn, from the first.
ANSWERS = {
    "title": "Helping your child with talking",
    "when": "10/12 18:00",
    "until": "19:00",
    "where": "the Acorns room",
    "online": "https://meet.example.org/talking",
    "capacity": "20",
    "audience": "room:Acorns",
}
STEPS = tuple(ANSWERS)
ASKED = {step: f"workshop.ask_{step}" for step in STEPS}


def ctx_for(profile, who=SARAH, **facts: object) -> Context:
    known: dict[str, object] = {
        "workshops_upcoming": [],
        "workshop_next": 4,
        "workshop_audience": ACORNS,
        **facts,
    }
    return Context(profile, staff=who, setting_id=1, glossary=GLOSSARY, facts=known)


def talk(ctx: Context, *said: str | Choice, now: datetime = TUESDAY) -> list[Transition]:
    flow, state, steps = None, {}, []
    for item in ("WORKSHOP", *said):
        event = ChoiceMade(item.key, ctx) if isinstance(item, Choice) else TextReceived(item, ctx)
        t = start.run(flow, state, event, now)
        flow, state = t.flow, t.state
        steps.append(t)
    return steps


def up_to(step: str) -> list[str]:
    """The answers that reach a question."""
    return [ANSWERS[s] for s in STEPS[: STEPS.index(step)]]


def replies(t: Transition) -> list[Reply]:
    return [e for e in t.effects if isinstance(e, Reply)]


def keys(t: Transition) -> list[str]:
    return [r.text.key for r in replies(t)]


def last(t: Transition) -> Reply:
    return replies(t)[-1]


def press(key: str) -> Choice:
    return Choice(key)


def test_with_nothing_to_invite_workshop_asks_for_a_new_ones_title(profile):
    (first,) = talk(ctx_for(profile))
    assert first.flow == "workshop_invite" and keys(first) == ["workshop.ask_title_first"]
    # The first question has no Back (there is nothing before it), only Not now.
    assert [c.key for c in last(first).choices] == [LEAVE]


def test_a_new_workshop_is_offered_beside_those_waiting_for_their_invite(profile):
    waiting = Workshop(
        2, "Meet the team", datetime(2026, 12, 3, 18, 0, tzinfo=UTC), None, "the hall", None,
        None, "all",
    )  # fmt: skip
    ctx = ctx_for(profile, workshops_upcoming=[waiting])
    pick, title = talk(ctx, press(NEW))
    assert keys(pick) == ["workshop.pick_or_new"]
    assert [c.key for c in last(pick).choices] == [f"{PICK}2", NEW, LEAVE]
    assert keys(title) == ["workshop.ask_title"]
    assert [c.key for c in last(title).choices] == [BACK, LEAVE]
    back = talk(ctx, press(NEW), press(BACK))[-1]
    assert keys(back) == ["workshop.pick_or_new"]  # Back from the title: the list again


def test_every_answer_given_add_keeps_it_as_the_command_would_and_invites(profile):
    steps = talk(ctx_for(profile), *ANSWERS.values(), press(ADD))
    for step, t in zip(STEPS[1:], steps[1:], strict=False):
        assert keys(t) == [ASKED[step]], step
    preview = steps[-2]
    assert keys(preview) == ["workshop.new_preview"] and preview.state["step"] == "preview"
    shown = last(preview).text.params
    assert shown["places"] == Text("workshop.places", {"most": 20})
    inner = shown["preview"]
    assert inner.params["count"] == 2 and inner.params["carers"] == 2
    assert inner.params["missed"].params == {"stopped": 0, "unreachable": 0, "no_information": 1}
    assert inner.params["invite"].params["reference"] == "W-4"
    assert [c.key for c in last(preview).choices] == [ADD, BACK, LEAVE]
    added = steps[-1]
    assert added.flow is None
    writes = [e.record for e in added.effects if isinstance(e, WriteRecord)]
    assert writes == [
        AddedWorkshop(
            4,
            NewWorkshop(
                "Helping your child with talking",
                datetime(2026, 12, 10, 18, 0, tzinfo=UTC),  # GMT in December
                datetime(2026, 12, 10, 19, 0, tzinfo=UTC),
                "the Acorns room",
                "https://meet.example.org/talking",
                20,
                "room:acorns",
            ),
            TUESDAY,  # not in quiet hours: the invite goes now
        )
    ]
    audits = [e.action for e in added.effects if isinstance(e, RecordAudit)]
    assert audits == ["workshop.added", "workshop.invited"]
    told = last(added).text
    assert told.key == "workshop.added" and told.params["reference"] == "W-4"
    assert told.params["sent"] == Text("workshop.sent", {"reference": "W-4", "count": 2})


def test_the_optional_questions_can_be_skipped(profile):
    said = [
        ANSWERS["title"], ANSWERS["when"], press(SKIP), ANSWERS["where"], press(SKIP),
        press(SKIP), press("all"), press(ADD),
    ]  # fmt: skip
    everyone = Summary("all", families=5, carers=7)
    added = talk(ctx_for(profile, workshop_audience=everyone), *said)[-1]
    (record,) = [e.record for e in added.effects if isinstance(e, WriteRecord)]
    assert record.new.ends_at is None and record.new.online is None
    assert record.new.capacity is None and record.new.audience == "all"


BAD = [
    ("title", "!!!", "workshop.title_again"),
    ("title", "x" * 121, "workshop.title_again"),
    ("when", "soon", "visit.time_unreadable"),
    ("when", "24/11 09:00", "visit.time_past"),  # today, an hour ago
    ("when", "2026-11-20 10:00", "visit.time_past"),
    ("when", "2027-03-28 01:30", "visit.time_no_such_time"),  # the clocks go forward
    ("until", "later", "workshop.until_again"),
    ("until", "17:00", "workshop.until_before"),
    ("until", "25:00", "workshop.until_again"),
    ("online", "meet.example.org", "workshop.online_again"),
    ("capacity", "0", "workshop.capacity_again"),
    ("capacity", "lots", "workshop.capacity_again"),
    ("capacity", "20000", "workshop.capacity_again"),
    ("audience", "everyone please", "audience.unknown_part"),
]


@pytest.mark.parametrize(("step", "typed", "problem"), BAD)
def test_bad_input_at_each_question_says_why_and_asks_again(profile, step, typed, problem):
    t = talk(ctx_for(profile), *up_to(step), typed)[-1]
    assert keys(t) == [problem, ASKED[step]]
    assert t.flow == "workshop_invite" and t.state["step"] == step
    assert not any(isinstance(e, WriteRecord) for e in t.effects)


def test_a_room_the_setting_does_not_have_is_named_and_asked_again(profile):
    unknown = Summary(
        error="audience.unknown_room", params={"room": "oaktree", "rooms": "Acorns, Oaks"}
    )
    t = talk(ctx_for(profile, workshop_audience=unknown), *up_to("audience"), "room:Oaktree")[-1]
    assert keys(t) == ["audience.unknown_room", ASKED["audience"]]
    assert replies(t)[0].text.params == {"room": "oaktree", "rooms": "Acorns, Oaks"}


def test_a_finishing_time_of_7_after_a_start_at_18_is_seven_in_the_evening(profile):
    t = talk(ctx_for(profile), *up_to("until"), "7")[-1]
    assert t.state["until"] == "2026-12-10T19:00:00+00:00"


@pytest.mark.parametrize("step", STEPS[1:])
def test_back_at_each_question_asks_the_one_before_keeping_the_answers(profile, step):
    t = talk(ctx_for(profile), *up_to(step), press(BACK))[-1]
    before = STEPS[STEPS.index(step) - 1]
    assert keys(t) == [ASKED[before]] and t.state["step"] == before
    kept = talk(ctx_for(profile), *up_to(step))[-1].state
    assert {k: v for k, v in t.state.items() if k != "step"} == {
        k: v for k, v in kept.items() if k != "step"
    }


def test_back_from_the_preview_asks_who_it_is_for_again(profile):
    t = talk(ctx_for(profile), *ANSWERS.values(), press(BACK))[-1]
    assert keys(t) == [ASKED["audience"]]


@pytest.mark.parametrize("step", [*STEPS, "preview"])
@pytest.mark.parametrize("leave", [press(LEAVE), "not now"])
def test_not_now_at_every_step_keeps_nothing(profile, step, leave):
    reach = list(ANSWERS.values()) if step == "preview" else up_to(step)
    t = talk(ctx_for(profile), *reach, leave)[-1]
    assert t.flow is None and "workshop.new_left" in keys(t)
    assert not any(isinstance(e, WriteRecord) for e in t.effects)


def test_jargon_in_the_title_is_flagged_and_its_plain_words_can_be_used(profile):
    said = ["Meet the SALT", *up_to("audience")[1:], ANSWERS["audience"]]
    checked = talk(ctx_for(profile), *said)[-1]
    assert keys(checked) == ["plain.found"] and checked.state["step"] == "plain"
    offered = [c.key for c in last(checked).choices]
    assert offered[0] == "use:0" and BACK in offered
    used = talk(ctx_for(profile), *said, press("use:0"))[-1]
    assert keys(used) == ["workshop.new_preview"]
    assert "SALT" not in used.state["title"]
    edit = talk(ctx_for(profile), *said, press("edit"))[-1]
    assert keys(edit) == [ASKED["title"]]
    again = talk(ctx_for(profile), *said, press("edit"), "Helping with talking")[-1]
    assert keys(again) == ["workshop.new_preview"]  # checked again, then straight to the preview
    assert again.state["title"] == "Helping with talking"


def test_hurtful_wording_in_a_title_is_flagged_too(profile):
    said = ["All children should be able to talk", *up_to("audience")[1:], "room:Acorns"]
    assert keys(talk(ctx_for(profile), *said)[-1]) == ["plain.found"]


def test_a_start_that_passed_while_the_preview_waited_is_asked_again(profile):
    steps = talk(ctx_for(profile), *ANSWERS.values())
    late = datetime(2026, 12, 10, 18, 30, tzinfo=UTC)
    t = start.run(steps[-1].flow, steps[-1].state, ChoiceMade(ADD, ctx_for(profile)), late)
    assert keys(t) == ["visit.time_past", ASKED["when"]]
    assert not any(isinstance(e, WriteRecord) for e in t.effects)


def test_added_in_quiet_hours_the_invite_waits_for_them_to_end(profile):
    steps = talk(ctx_for(profile), *ANSWERS.values())
    night = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)
    t = start.run(steps[-1].flow, steps[-1].state, ChoiceMade(ADD, ctx_for(profile)), night)
    (record,) = [e.record for e in t.effects if isinstance(e, WriteRecord)]
    assert record.invite_due is not None and record.invite_due > night
    assert last(t).text.params["sent"].key == "workshop.sent_later"


def test_only_a_manager_adds_a_workshop(profile):
    (told,) = talk(ctx_for(profile, who=TOM))
    assert told.flow is None and keys(told) == ["workshop.managers_only"]
    # A member of staff who is no longer a manager mid-way is not carried on.
    sarah = talk(ctx_for(profile), ANSWERS["title"])[-1]
    t = start.run(
        sarah.flow, sarah.state, TextReceived("10/12 18:00", ctx_for(profile, who=TOM)), TUESDAY
    )
    assert not any(isinstance(e, WriteRecord) for e in t.effects)
    assert t.flow != "workshop_invite" or t.state.get("step") != "until"
