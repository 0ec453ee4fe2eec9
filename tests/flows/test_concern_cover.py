"""Cover: a colleague named as someone's cover (staff.csv cover_ref) gets what that person
would on a concern: the notification, a family's additions, escalations and reopenings."""

from __future__ import annotations

import dataclasses

from bot.flows import concerns
from bot.flows.base import Context, NotifyStaff, TextReceived, TimerFired, Write
from bot.flows.concerns import Concern
from tests.conftest import carer
from tests.flows.dispatch import start
from tests.flows.test_concerns import NOAH, ROLES, TUESDAY, ctx_for, info, of, press, talk

# Tom (10), Noah's key person, is covered by Anna (11); Sarah the manager (1) by Priya (2).
COVERS = {10: (11,), 1: (2,)}


def covered(ctx: Context, concern=None) -> Context:
    facts = {**ctx.facts, "concern_covers": COVERS}
    if concern is not None:
        facts["concern"] = concern
    return dataclasses.replace(ctx, facts=facts)


def test_a_concern_reaches_the_cover_of_each_person_it_goes_to(profile):
    *_, done = talk(
        covered(ctx_for(profile)), "concern", press("care"), press("week"), "a bruise",
        press("phone"),
    )  # fmt: skip
    assert [n.staff_id for n in of(done, NotifyStaff)] == [10, 11, 1, 2]
    (kept,) = [w.record for w in of(done, Write) if isinstance(w.record, Concern)]
    assert kept.staff == (10, 11, 1, 2)  # so CONCERNS lists it for the covers too


def test_without_covers_nothing_changes(profile):
    *_, done = talk(ctx_for(profile), "concern", press("complaint"), press("week"), "x y z",
                    press("phone"))  # fmt: skip
    assert [n.staff_id for n in of(done, NotifyStaff)] == [1]


def test_an_escalation_reaches_the_managers_cover(profile):
    ctx = covered(Context(profile, carer=carer(NOAH), setting_id=1,
                          facts={"concern": info(), "concern_roles": ROLES}))  # fmt: skip
    fired = concerns.timer({}, TimerFired("acknowledge", {"number": 1042}, TUESDAY, ctx), TUESDAY)
    assert [n.staff_id for n in of(fired, NotifyStaff)] == [1, 2]


def test_a_familys_addition_reaches_the_cover_of_whoever_acknowledged_it(profile):
    ctx = ctx_for(profile)
    acked = info(carer_id=ctx.carer.id, acknowledged_by=10, stage="acknowledged")

    done = start.run(None, {}, TextReceived("C-1042 she is fine now", covered(ctx, acked)), TUESDAY)
    assert [n.staff_id for n in of(done, NotifyStaff)] == [10, 11]
