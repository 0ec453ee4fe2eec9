"""Two carers of one child on one phone, through the router: the phone is one contact. Staff see
both names; one message to the family reaches the phone once; STOP stops both; threads work."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.admin.importer import FAMILY_COLUMNS, import_families
from bot.domain.messages import Channel, Text
from bot.domain.people import PersonKind
from bot.engine.effects import Origin
from bot.flows.base import NotifyCarer, Transition
from tests.harness import LAURA, TOM, make_keyperson, say
from tests.test_leavers import ROWS, share_update

MARK = "C01,Amelia,Hughes,2022-03-14,Acorns,S04,none,P06,Mark Hughes,dad,07400 200001,en,yes"


@pytest.fixture
async def kp(tmp_path: Path):
    """The test families, and Amelia's dad Mark on Laura's phone."""
    keyperson = await make_keyperson(tmp_path)
    path = tmp_path / "families_mark.csv"
    path.write_text("\n".join([",".join(FAMILY_COLUMNS), *ROWS, MARK]) + "\n", encoding="utf-8")
    assert (
        await import_families(keyperson.db, keyperson.setting_id, path, "GB", now=keyperson.clock())
    ).rows == 7
    yield keyperson
    await keyperson.stop()


async def carer_id(kp, ref: str) -> int:
    async with kp.db.reading() as repos:
        found = await repos.links.by_ref(kp.setting_id, PersonKind.CARER, ref)
    assert found is not None
    return found[0]


async def kp_dispatch_all(kp):
    """Send everything queued on SMS (the dispatcher leaves out stopped numbers)."""
    sender = kp.senders[Channel.SMS]
    while rows := await kp.dispatcher._claim(Channel.SMS, 100):
        for row in rows:
            await kp.dispatcher.send_one(sender, row)
    return sender.sent


async def tell(kp, carer: int, words: str) -> None:
    """An answer from Tom to one carer about Amelia, as the relay flow's effect asks."""
    async with kp.db.transaction() as repos:
        tom = await repos.people.contact("sms", TOM)
        amelia = (await repos.people.carer(carer)).children[0].child_id
        notify = NotifyCarer(carer, Text("label.raw", {"text": words}), about_child=amelia)
        sender = Origin("sms", TOM, kp.setting_id, tom, "en")
        await kp.router.effects.apply(repos, sender, Transition(None, {}, (notify,)), kp.clock())


async def test_staff_see_both_names_and_the_answer_reaches_the_phone_once(kp):
    (welcome,) = await say(kp, LAURA, "Hi")
    assert welcome.body.startswith("Hello Laura Hughes / Mark Hughes")
    to_tom, receipt = await say(kp, LAURA, "Amelia has a cold")
    assert to_tom.address == TOM and receipt.address == LAURA
    assert "Laura Hughes / Mark Hughes (mum / dad)" in to_tom.body
    code = next(word for word in to_tom.body.split() if word.startswith("#"))
    await say(kp, TOM, "hi")
    answer, confirmation = await say(kp, TOM, f"{code} Thank you, we will keep an eye on her")
    assert answer.address == LAURA and confirmation.address == TOM


async def test_one_update_and_one_answer_to_either_carer_reach_the_phone_once(kp):
    sent = await share_update(kp, TOM, ("Amelia",))
    assert [address for address, _ in sent] == [LAURA]
    await tell(kp, await carer_id(kp, "P06"), "For dad")
    await tell(kp, await carer_id(kp, "P01"), "For mum")
    async with kp.db.reading() as repos:
        to_phone = await repos.outbox.for_address("sms", LAURA)
    assert [row.body for row in to_phone][-2:] == ["For dad", "For mum"]
    assert len(to_phone) == 3


async def test_stop_on_the_shared_phone_stops_both(kp):
    await say(kp, LAURA, "Hi")
    await say(kp, LAURA, "STOP")
    await tell(kp, await carer_id(kp, "P06"), "For dad")
    await share_update(kp, TOM, ("Amelia",))
    sent = await kp_dispatch_all(kp)
    to_phone = [m.body for m in sent if m.address.value == LAURA]
    assert len(to_phone) == 1 and "START" in to_phone[0]  # only the STOP confirmation


async def test_settings_on_the_shared_phone_are_the_phones(kp):
    laura, mark = await carer_id(kp, "P01"), await carer_id(kp, "P06")
    async with kp.db.transaction() as repos:
        await repos.news.set_update_mode(laura, "evening")  # what SETTINGS from the phone does
    assert await share_update(kp, TOM, ("Amelia",)) == []  # held once, for the phone's summary
    async with kp.db.reading() as repos:
        held = await repos.conn.execute_fetchall("SELECT carer_id FROM digest_items")
        route = await repos.links.route(PersonKind.CARER, mark)
    assert [row[0] for row in held] == [laura]
    assert [(c.channel, c.address) for c in route.contacts] == [(Channel.SMS.value, LAURA)]
