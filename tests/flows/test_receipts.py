"""Acknowledging a family once per conversation, and holding messages for staff hours."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from bot.domain.people import ThreadInfo
from bot.domain.setting import OutOfHours
from bot.flows import relay
from bot.flows.base import ChoiceMade, Context, NotifyStaff, Reply, TextReceived, Write
from bot.flows.steps.receipts import ACKNOWLEDGE_FOR, Acknowledged
from tests.conftest import carer, child, staff
from tests.flows.dispatch import start

TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
FRIDAY_NIGHT = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
MONDAY_8AM = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def laura(profile, acknowledged=None) -> Context:
    return Context(
        profile, carer=carer(), facts={"threads": {1: "K7Q"}, "acknowledged": acknowledged}
    )


def write(ctx: Context, text: str, now: datetime):
    return start.run(None, {}, TextReceived(text, ctx), now)


def told(transition) -> list[str]:
    return [e.text.key for e in transition.effects if isinstance(e, Reply)]


def recorded(transition) -> str | None:
    (ack,) = [e.record for e in transition.effects if isinstance(e, Write)]
    assert isinstance(ack, Acknowledged)
    return ack.what


def test_a_family_writing_several_messages_in_a_row_is_told_once(profile):
    first = write(laura(profile), "Amelia is tired", TUESDAY)
    assert told(first) == ["relay.sent"]
    what = recorded(first)
    assert what == "relay.sent:Tom"
    later = TUESDAY + timedelta(minutes=20)
    second = write(laura(profile, (what, TUESDAY)), "and a bit grumpy", later)
    assert told(second) == [] and any(isinstance(e, NotifyStaff) for e in second.effects)
    assert not [
        e for e in second.effects if isinstance(e, Write) and isinstance(e.record, Acknowledged)
    ]


def test_told_again_after_a_few_hours_or_once_staff_have_answered(profile):
    what = recorded(write(laura(profile), "Amelia is tired", TUESDAY))
    stale = write(laura(profile, (what, TUESDAY)), "Still tired", TUESDAY + ACKNOWLEDGE_FOR)
    assert told(stale) == ["relay.sent"]
    answered = write(laura(profile, None), "Thanks!", TUESDAY + timedelta(minutes=5))
    assert told(answered) == ["relay.sent"]


def test_a_different_acknowledgement_is_given_even_within_the_window(profile):
    what = recorded(write(laura(profile), "Amelia is tired", TUESDAY))
    night = datetime(2026, 11, 24, 17, 45, tzinfo=UTC)  # staff hours ended at 17:30
    note = write(laura(profile, (what, TUESDAY + timedelta(hours=7))), "One more thing", night)
    assert told(note) == ["relay.out_of_hours"]
    kids = (child(1, "Jan", 10, "Anna"), child(2, "Leo", 11, "Grace"))
    marek = Context(profile, carer=carer(*kids), facts={"threads": {1: "A", 2: "B"}})
    asked = relay.from_carer("Hi", marek, TUESDAY)
    to_anna = relay.step(asked.state, ChoiceMade("1", marek), TUESDAY)
    acknowledged = dataclasses.replace(
        marek, facts={**marek.facts, "acknowledged": (recorded(to_anna), TUESDAY)}
    )
    asked = relay.from_carer("Hi again", acknowledged, TUESDAY)
    to_grace = relay.step(asked.state, ChoiceMade("2", acknowledged), TUESDAY)
    assert told(to_grace) == ["relay.sent"]  # Grace was not named before


def test_a_staff_answer_means_the_next_message_is_acknowledged_afresh(profile):
    thread = ThreadInfo("K7Q", 100, "Laura", "mum", 1, "Amelia", 10, True)
    ctx = Context(profile, staff=staff(), facts={"named_code": "K7Q", "named_thread": thread})
    t = relay.from_staff("#K7Q She is fine", ctx)
    assert Write(Acknowledged(100, None)) in t.effects


def test_messages_out_of_staff_hours_wait_for_them_unless_the_setting_says_at_once(profile):
    t = write(laura(profile), "Amelia has a rash", FRIDAY_NIGHT)
    (note,) = [e for e in t.effects if isinstance(e, NotifyStaff)]
    assert note.not_before == MONDAY_8AM
    assert told(t) == ["relay.out_of_hours"]
    at_once = dataclasses.replace(profile, out_of_hours=OutOfHours(messages="at_once"))
    t = write(laura(at_once), "Amelia has a rash", FRIDAY_NIGHT)
    (note,) = [e for e in t.effects if isinstance(e, NotifyStaff)]
    assert note.not_before is None
    in_hours = write(laura(profile), "Amelia has a rash", TUESDAY)
    assert [e.not_before for e in in_hours.effects if isinstance(e, NotifyStaff)] == [None]


def test_good_news_out_of_staff_hours_waits_too(profile):
    ctx = laura(profile)
    asked = write(ctx, "WOW", FRIDAY_NIGHT)
    done = start.run(asked.flow, asked.state, TextReceived("She sang!", ctx), FRIDAY_NIGHT)
    (note,) = [e for e in done.effects if isinstance(e, NotifyStaff)]
    assert note.not_before == MONDAY_8AM
