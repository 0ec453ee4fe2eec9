"""Safeguarding whatever the flow, through the router with the test families: the DSL told at
once on the urgent lane, the family told nothing, the message going on as it was; ACK S-…;
escalation after 15 minutes, as a timer event."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.admin.importer import import_staff
from bot.domain.messages import Priority
from bot.flows.safeguarding import ESCALATE_AFTER
from tests.harness import (
    ANNA,
    DAN,
    DATA,
    KASIA,
    LAURA,
    SARAH,
    TOM,
    Clock,
    make_keyperson,
    say,
    scalar,
)

PRIYA = "+447400100002"  # senco and key person; made deputy DSL where a test says so
DISCLOSURE = "Amelia told me her daddy hits her when she cries"


async def with_deputy(kp, tmp_path: Path) -> None:
    """Priya (S02) becomes the deputy DSL."""
    text = (DATA / "staff.csv").read_text(encoding="utf-8")
    staff = tmp_path / "staff.csv"
    staff.write_text(text.replace("senco;key_person", "senco;key_person;deputy_dsl"), "utf-8")
    await import_staff(kp.db, kp.setting_id, staff, "GB")


async def test_a_relayed_disclosure_reaches_the_dsl_at_once_and_still_goes_to_the_key_person(
    tmp_path,
):
    kp = await make_keyperson(tmp_path)
    await say(kp, LAURA, "hello")
    sent = await say(kp, LAURA, DISCLOSURE)
    to_tom = [r for r in sent if r.address == TOM]
    assert to_tom and DISCLOSURE in to_tom[0].body  # relayed as any message is
    (alert,) = [r for r in sent if r.address == SARAH]  # the DSL (and manager)
    assert alert.priority == Priority.URGENT
    assert alert.body.startswith("SAFEGUARDING S-1001, urgent. A message from Laura Hughes")
    assert "(mum of Amelia)" in alert.body and f'"{DISCLOSURE}"' in alert.body
    assert "- someone may be hitting or hurting a child" in alert.body
    # The family hears only what any message gets: nothing says it was flagged.
    to_laura = [r.body for r in sent if r.address == LAURA]
    assert not any("S-1001" in b or "SAFEGUARDING" in b for b in to_laura)
    assert await scalar(kp, "SELECT words FROM safeguarding WHERE number = 1001") == DISCLOSURE
    assert await scalar(kp, "SELECT COUNT(*) FROM audit WHERE action = 'safeguarding.raised'") == 1
    # An ordinary message raises nothing; the next one gets the next reference.
    assert not [r for r in await say(kp, LAURA, "She hit a new milestone!") if r.address == SARAH]
    again = await say(kp, LAURA, "I'm scared, there is no food in the house")
    assert any(r.address == SARAH and "S-1002" in r.body for r in again)
    await kp.db.close()


async def test_good_news_and_an_answer_to_a_question_are_watched_too_in_polish(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, KASIA, "hej")
    await say(kp, KASIA, "WOW")
    told = await say(kp, KASIA, "Zosia powiedziała, że tata ją bije")
    assert any(r.address == ANNA for r in told)  # the good news went to her key person
    assert any(r.address == SARAH and "S-1001" in r.body for r in told)
    await say(kp, KASIA, "USTAWIENIA")  # a question is open
    answered = await say(kp, KASIA, "boi sie wracac do domu")
    assert any(r.address == SARAH and "S-1002" in r.body for r in answered)
    await kp.db.close()


async def test_a_carer_without_information_gets_nothing_about_it_and_the_dsl_is_warned(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, DAN, "hi")
    async with kp.db.reading() as repos:
        before = len(await repos.outbox.for_address("sms", DAN))
    sent = await say(kp, DAN, "her mum leaves her home alone all night")
    (alert,) = [r for r in sent if r.address == SARAH]
    assert "This person must NOT be given information about Amelia" in alert.body
    ack = await say(kp, SARAH, "ACK S-1001")
    assert not [r for r in ack if r.address == DAN]
    async with kp.db.reading() as repos:
        after = await repos.outbox.for_address("sms", DAN)
    assert not any("S-1001" in r.body or "SAFEGUARDING" in r.body for r in after[before:])
    await kp.db.close()


async def test_ack_by_sms_marks_it_and_tells_the_other_leads(tmp_path):
    kp = await make_keyperson(tmp_path)
    await with_deputy(kp, tmp_path)
    await say(kp, LAURA, "hello")
    sent = await say(kp, LAURA, DISCLOSURE)
    assert {r.address for r in sent if "S-1001" in r.body} == {SARAH, PRIYA}
    await say(kp, PRIYA, "hi")
    acked = await say(kp, PRIYA, "ack s-1001")
    assert [r.body for r in acked if r.address == PRIYA][-1] == (
        "Thank you. S-1001 is marked as acknowledged by you."
    )
    assert [r.body for r in acked if r.address == SARAH] == [
        "S-1001: Priya Shah is dealing with it."
    ]
    again = await say(kp, SARAH, "ACK S-1001")
    assert again[-1].body == "S-1001 was already acknowledged by Priya Shah."
    unknown = await say(kp, SARAH, "ACK S-9999")
    assert unknown[-1].body.startswith("There is no safeguarding message S-9999.")
    await say(kp, TOM, "hi")
    not_his = await say(kp, TOM, "ACK S-1001")
    assert not_his[-1].body == "S-1001 is for the safeguarding lead or a manager to acknowledge."
    assert await scalar(kp, "SELECT acknowledged_by FROM safeguarding") is not None
    await kp.db.close()


async def test_unacknowledged_after_15_minutes_the_deputy_and_managers_hear_once(tmp_path):
    clock = Clock()
    kp = await make_keyperson(tmp_path, clock)
    await with_deputy(kp, tmp_path)
    await say(kp, LAURA, "hello")
    await say(kp, LAURA, DISCLOSURE)
    clock.now += ESCALATE_AFTER - timedelta(seconds=1)
    assert await kp.scheduler.fire_timers() == 0
    clock.now += timedelta(seconds=1)
    assert await kp.scheduler.fire_timers() == 1
    last = await scalar(kp, "SELECT MAX(id) FROM outbox")
    await kp.router.drain()
    async with kp.db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT address, priority, body FROM outbox WHERE id > ?", (last,)
        )
    assert {r[0] for r in rows} == {PRIYA, SARAH}  # the deputy DSL and the manager
    assert all(r[1] == Priority.URGENT for r in rows)
    assert all(
        r[2].startswith("SAFEGUARDING S-1001 has not been acknowledged after 15") for r in rows
    )
    assert not [r for r in rows if r[0] == LAURA]
    assert await scalar(kp, "SELECT escalated_at FROM safeguarding") is not None
    assert await kp.scheduler.fire_timers() == 0  # once
    await kp.db.close()


async def test_acknowledged_in_time_the_timer_sends_nothing(tmp_path):
    clock = Clock()
    kp = await make_keyperson(tmp_path, clock)
    await say(kp, LAURA, "hello")
    await say(kp, LAURA, DISCLOSURE)
    await say(kp, SARAH, "hi")
    await say(kp, SARAH, "ACK S-1001")
    clock.now += ESCALATE_AFTER
    last = await scalar(kp, "SELECT MAX(id) FROM outbox")
    assert await kp.scheduler.fire_timers() == 1
    await kp.router.drain()
    assert await scalar(kp, "SELECT COUNT(*) FROM outbox WHERE id > ?", last) == 0
    assert await scalar(kp, "SELECT escalated_at FROM safeguarding") is None
    await kp.db.close()
