"""Wrong reply codes: one answer that names nobody, a limit, and the managers told once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.people import ThreadInfo
from bot.flows import relay
from bot.flows.base import (
    ChoiceMade,
    Context,
    NotifyCarer,
    NotifyStaff,
    RecordAudit,
    Reply,
    TextReceived,
)
from bot.flows.steps import codes
from bot.flows.steps.people import REPLY_ACTION
from tests.conftest import staff
from tests.flows.dispatch import start

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
KASIMIRS = ThreadInfo("K7Q", 100, "Ewa Nowak", "mum", 1, "Kasimir", 99, True)


def tom(**facts: object) -> Context:
    """Tom, with the facts relay declared for a staff message naming #K7Q."""
    return Context(
        staff=staff(10, "Tom"), facts={"named_code": "K7Q", "managers": (1, 10), **facts}
    )


def replies(effects) -> list[Reply]:
    return [e for e in effects if isinstance(e, Reply)]


@pytest.mark.parametrize(
    "event",
    [
        lambda ctx: TextReceived("#K7Q hi", ctx),
        lambda ctx: ChoiceMade(REPLY_ACTION + "K7Q", ctx),
        lambda ctx: TextReceived("#K7Q", ctx),  # no words: still no names
    ],
)
def test_unknown_and_forbidden_codes_get_the_same_answer_naming_nobody(event):
    unknown = start.run(None, {}, event(tom()), NOW)
    forbidden = start.run(None, {}, event(tom(named_thread=KASIMIRS)), NOW)
    assert replies(unknown.effects) == replies(forbidden.effects)
    (reply,) = replies(forbidden.effects)
    assert reply.text.key == "relay.wrong_code" and reply.text.params == {"code": "#K7Q"}
    assert not any(isinstance(e, NotifyCarer) for e in forbidden.effects)
    audit = [e for e in forbidden.effects if isinstance(e, RecordAudit)]
    assert [a.action for a in audit] == [codes.WRONG]
    assert "Kasimir" not in repr(forbidden.effects) and "Ewa" not in repr(forbidden.effects)


def test_the_wrong_code_that_reaches_the_limit_pauses_codes_and_tells_the_managers():
    t = relay.from_staff("#K7Q hi", tom(wrong_codes=codes.LIMIT - 1))
    (reply,) = replies(t.effects)
    assert reply.text.key == "relay.wrong_code_pausing"
    notices = [e for e in t.effects if isinstance(e, NotifyStaff)]
    assert [n.staff_id for n in notices] == [1]  # every manager but the sender
    assert notices[0].text.params == {"count": codes.LIMIT, "staff": "Tom"}
    audit = [(a.action, a.subject) for a in t.effects if isinstance(a, RecordAudit)]
    assert audit == [(codes.WRONG, "staff:10"), (codes.PAUSED, "staff:10")]


def test_below_the_limit_nobody_else_is_told():
    t = relay.from_staff("#K7Q hi", tom(wrong_codes=codes.LIMIT - 2))
    assert not any(isinstance(e, NotifyStaff) for e in t.effects)


def test_while_paused_no_code_is_used():
    # The lookup does not look codes up while paused, so the flow sees no thread.
    t = relay.from_staff("#K7Q hi", tom(codes_paused=True, wrong_codes=codes.LIMIT))
    (reply,) = replies(t.effects)
    assert reply.text.key == "relay.codes_paused"
    assert not any(isinstance(e, NotifyStaff | NotifyCarer) for e in t.effects)
    assert [a.action for a in t.effects if isinstance(a, RecordAudit)] == [codes.WHILE_PAUSED]
