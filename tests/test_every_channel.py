"""A message for every channel a member of staff has (an escalated safeguarding message) goes
to each reachable one at once; others go to the channel they chose."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.messages import Priority, Text
from bot.domain.people import PersonKind
from bot.engine.effects import Origin
from bot.flows.base import NotifyStaff, Transition
from tests.harness import SARAH, Clock, make_keyperson

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


async def test_every_channel_reaches_each_linked_channel_and_the_chosen_one_only_otherwise(
    tmp_path,
):
    kp = await make_keyperson(tmp_path, Clock(NOW))
    async with kp.db.transaction() as repos:
        contact = await repos.people.contact("sms", SARAH)
        assert contact is not None
        sarah = contact.person_id
        await repos.links.link(kp.setting_id, "telegram", "5001", PersonKind.STAFF, sarah, NOW)
        await repos.links.set_preference(PersonKind.STAFF, sarah, "telegram")
        origin = Origin("system", "system", kp.setting_id, None, "en")
        text = Text("label.raw", {"text": "Escalated"})
        chosen = NotifyStaff(sarah, text, Priority.URGENT)
        everywhere = NotifyStaff(sarah, text, Priority.URGENT, every_channel=True)
        await kp.router.effects.apply(repos, origin, Transition(None, {}, (chosen,)), NOW, False)
        first = await repos.outbox.for_address("telegram", "5001")
        by_sms = await repos.outbox.for_address("sms", SARAH)
        assert (len(first), len(by_sms)) == (1, 0)  # the channel she chose
        await kp.router.effects.apply(
            repos, origin, Transition(None, {}, (everywhere,)), NOW, False
        )
        assert len(await repos.outbox.for_address("telegram", "5001")) == 2
        assert len(await repos.outbox.for_address("sms", SARAH)) == 1  # and by text at once
    await kp.db.close()
