"""The safeguarding capability as pure steps: the watch, the timer, ACK."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.domain.messages import Priority, Text
from bot.flows.base import Context, NotifyStaff, Reply, SetTimer, TimerFired, Write
from bot.flows.safeguarding import (
    DEPUTIES,
    DSLS,
    ESCALATE_AFTER,
    MANAGERS,
    NUMBER,
    RECORD,
    RULE,
    SIGNS,
    Acknowledged,
    Escalated,
    Raised,
    recognise,
    timer,
    watch,
)
from tests.conftest import carer, staff

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Record:
    number: int = 1001
    carer: str = "Laura"
    relationship: str = "mum"
    children: tuple[str, ...] = ("Amelia",)
    signs: tuple[str, ...] = ("hitting",)
    words: str = "daddy hits her"
    told: tuple[int, ...] = (1,)
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None

    @property
    def reference(self) -> str:
        return f"S-{self.number}"


def fired(record: Record | None, **facts: object) -> TimerFired:
    ctx = Context(carer=carer(), setting_id=1, facts={RECORD: record, **facts})
    return TimerFired(RULE, {"number": 1001}, NOW, ctx)


def test_the_watch_tells_dsls_and_deputies_at_once_keeps_it_and_sets_the_timer() -> None:
    facts = {SIGNS: ("hitting",), NUMBER: 1001, DSLS: [1], DEPUTIES: [2], MANAGERS: [1, 3]}
    ctx = Context(carer=carer(), setting_id=1, facts=facts)
    effects = watch("daddy hits her", ctx, NOW)
    told = [e for e in effects if isinstance(e, NotifyStaff)]
    assert [e.staff_id for e in told] == [1, 2]
    assert all(e.priority is Priority.URGENT and e.text.key == "safeguarding.alert" for e in told)
    (write,) = [e for e in effects if isinstance(e, Write)]
    assert isinstance(write.record, Raised) and write.record.told == (1, 2)
    assert SetTimer("safeguarding", NOW + ESCALATE_AFTER, RULE, {"number": 1001}) in effects
    assert not [e for e in effects if isinstance(e, Reply)]  # the family is told nothing


def test_without_a_dsl_on_file_the_managers_are_told_and_without_signs_nothing() -> None:
    ctx = Context(carer=carer(), setting_id=1, facts={SIGNS: ("alone",), NUMBER: 7, MANAGERS: [3]})
    assert [e.staff_id for e in watch("x", ctx, NOW) if isinstance(e, NotifyStaff)] == [3]
    quiet = Context(carer=carer(), setting_id=1, facts={SIGNS: (), NUMBER: None})
    assert watch("She hit a new milestone", quiet, NOW) == ()


def test_the_timer_escalates_to_deputies_and_managers_unless_acknowledged() -> None:
    taken = timer({}, fired(Record(), **{DEPUTIES: [2], MANAGERS: [1, 3]}), NOW)
    told = [e for e in taken.effects if isinstance(e, NotifyStaff)]
    assert [e.staff_id for e in told] == [2, 1, 3]
    assert told[0].text.key == "safeguarding.escalated" and told[0].priority is Priority.URGENT
    assert all(n.every_channel for n in told)  # by every channel they have, at once
    assert Write(Escalated(1001)) in taken.effects
    acknowledged = Record(acknowledged_at=NOW, acknowledged_by="Sarah")
    assert timer({}, fired(acknowledged, **{DEPUTIES: [2]}), NOW).effects == ()
    assert timer({}, fired(None), NOW).effects == ()
    # No deputy and no manager: the leads first told hear again.
    alone = timer({}, fired(Record(told=(1,))), NOW)
    assert [e.staff_id for e in alone.effects if isinstance(e, NotifyStaff)] == [1]


def test_ack_from_a_lead_is_kept_and_the_others_hear() -> None:
    sarah = staff(1, "Sarah", ("manager", "dsl"))
    ctx = Context(staff=sarah, setting_id=1, facts={RECORD: Record(told=(1, 2))})
    taken = recognise("Ack S-1001.", ctx)
    assert taken is not None
    assert Write(Acknowledged(1001)) in taken.effects
    others = [e for e in taken.effects if isinstance(e, NotifyStaff)]
    assert [(e.staff_id, e.text) for e in others] == [
        (2, Text("safeguarding.ack_by", {"reference": "S-1001", "name": "Sarah"}))
    ]
    assert recognise("ACK S-1001", Context(carer=carer())) is None  # carers: just words
    assert recognise("ACK please", ctx) is None
