"""The subject of a concern: the DSL names a carer (SUBJECT C-1042 <ref or name>, or buttons on
Telegram); that carer then gets no updates on the concern, while a carer who is not the subject
still does."""

from __future__ import annotations

import pytest

from bot.domain.messages import Text
from bot.flows.base import ChoiceMade, Context, NotifyCarer, Reply, TextReceived, Write
from bot.flows.concern_subject import Subject
from tests.conftest import staff
from tests.flows.dispatch import start
from tests.flows.test_concerns import ROLES, TUESDAY, info, of, staff_ctx

SARAH = staff(1, "Sarah", ("manager", "dsl"))
DEPUTY = staff(3, "Ruth", ("deputy_dsl",))
# The carers C-1042 is about: Craig (who raised it) and Laura, Noah's other carer.
CARERS = [(100, "P01", "Craig Hughes"), (101, "P02", "Laura Hughes")]


def lead_ctx(profile, who=SARAH, concern=None) -> Context:
    facts = {
        "subject_concern": concern or info(topic="safety"),
        "subject_carers": CARERS,
        "concern_roles": ROLES,
    }
    return Context(profile, staff=who, setting_id=1, facts=facts)


def say(ctx: Context, text: str):
    return start.run(None, {}, TextReceived(text, ctx), TUESDAY)


@pytest.mark.parametrize("who", ["P02", "laura hughes", "Laura"])
def test_the_dsl_marks_a_carer_by_ref_or_name(profile, who):
    done = say(lead_ctx(profile), f"SUBJECT C-1042 {who}")
    assert of(done, Write)[0].record == Subject(1042, 101)
    assert of(done, Reply)[-1].text == Text(
        "concern.subject_marked", {"reference": "C-1042", "name": "Laura Hughes"}
    )


def test_the_deputy_may_mark_but_no_one_else(profile):
    assert of(say(lead_ctx(profile, DEPUTY), "subject C-1042 P01"), Write)
    tom = lead_ctx(profile, staff(10, "Tom"))
    refused = say(tom, "SUBJECT C-1042 P01")
    assert not of(refused, Write)
    assert of(refused, Reply)[-1].text.key == "concern.subject_not_yours"


def test_an_unknown_or_unclear_carer_is_asked_about_with_the_list(profile):
    for said in ("SUBJECT C-1042", "SUBJECT C-1042 Hughes", "SUBJECT C-1042 P09"):
        asked = say(lead_ctx(profile), said)
        assert not of(asked, Write)
        text = of(asked, Reply)[-1].text
        assert text.key == "concern.subject_which"
        assert [line.params["ref"] for line in text.params["lines"]] == ["P01", "P02"]


def test_on_telegram_a_button_asks_who_then_a_button_marks(profile):
    ctx = lead_ctx(profile)
    asked = start.run(None, {}, ChoiceMade("concern_subject:1042", ctx), TUESDAY)
    question = of(asked, Reply)[-1]
    assert [c.key for c in question.choices] == [
        "concern_subject:1042:100",
        "concern_subject:1042:101",
    ]
    done = start.run(None, {}, ChoiceMade("concern_subject:1042:100", ctx), TUESDAY)
    assert of(done, Write)[0].record == Subject(1042, 100)


def test_a_safety_concerns_notification_carries_the_who_button(profile):
    from bot.flows import concerns

    keys = [c.key for c in concerns.buttons(1042, safety=True)]
    assert keys[-1] == "concern_subject:1042" and start.is_action(keys[-1])
    assert "concern_subject:1042" not in [c.key for c in concerns.buttons(1042)]


# The updates: nothing to the subject, the same as ever to anyone else.

UPDATES = ["ACK C-1042", "C-1042 We have spoken to the family.", "CLOSE C-1042 Dealt with."]


@pytest.mark.parametrize("said", UPDATES)
def test_the_subject_gets_no_update_on_the_concern(profile, said):
    marked = info(topic="safety", subject_carer_id=100)  # Craig raised it and is its subject
    done = say(staff_ctx(profile, who=SARAH, concern=marked), said)
    assert not of(done, NotifyCarer)
    assert Text("concern.subject_not_told", {"reference": "C-1042"}) in [
        r.text for r in of(done, Reply)
    ]


@pytest.mark.parametrize("said", UPDATES)
def test_a_carer_who_is_not_the_subject_still_gets_each_update(profile, said):
    marked = info(topic="safety", subject_carer_id=101)  # Laura is the subject, Craig raised it
    done = say(staff_ctx(profile, who=SARAH, concern=marked), said)
    (told,) = of(done, NotifyCarer)
    assert told.carer_id == 100
    # Safety: checked against receives_information for the child, by the engine.
    assert told.about_child == 7
