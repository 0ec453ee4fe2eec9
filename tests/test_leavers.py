"""Leavers through the router: once families.csv no longer lists a carer (or their link to a
child) and the import marks them left, nothing more reaches them about that child, by any path."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.admin.importer import FAMILY_COLUMNS, import_families
from bot.admin.invites import InviteError, create_invite
from bot.domain.errors import SendError
from bot.domain.messages import Channel, Inbound, InboundKind, Text
from bot.domain.people import PersonKind
from bot.engine.effects import Origin
from bot.flows.base import News, NotifyCarer, ShareNews, Transition
from tests.harness import (
    ANNA,
    DATA,
    LAURA,
    MAREK,
    SARAH,
    STRANGER,
    TOM,
    make_keyperson,
    say,
)

LEO_MUM = "C04,Leo,Wiśniewski,2020-09-01,Oaks,S05,ehcp,P07,Ewa Wiśniewska,mum,07400 200007,pl,yes"
LATER = "2999-01-01T00:00:00.000000Z"
ROWS = (DATA / "families.csv").read_text(encoding="utf-8").splitlines()[1:]


def without(tmp_path: Path, *patterns: str, extra: tuple[str, ...] = ()) -> Path:
    """families.csv without the rows that hold every part of any pattern (',P01,' is Laura's
    row; 'C04,|,P04,' Marek's as Leo's carer), and with `extra` rows."""

    def dropped(row: str) -> bool:
        return any(all(part in row for part in pattern.split("|")) for pattern in patterns)

    kept = [row for row in ROWS if not dropped(row)]
    path = tmp_path / "families_now.csv"
    lines = [",".join(FAMILY_COLUMNS), *kept, *extra]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def leave(kp, tmp_path: Path, *patterns: str, extra: tuple[str, ...] = ()) -> None:
    path = without(tmp_path, *patterns, extra=extra)
    result = await import_families(
        kp.db, kp.setting_id, path, "GB", remove_missing=True, now=kp.clock()
    )
    assert result.marked_left


@pytest.fixture
async def kp(tmp_path):
    """The test setting; stopped even when a test fails, so no database thread is left open."""
    keyperson = await make_keyperson(tmp_path)
    yield keyperson
    await keyperson.stop()


def code_in(body: str) -> str:
    return next(word for word in body.split() if word.startswith("#"))


async def person(kp, address: str) -> int:
    async with kp.db.reading() as repos:
        contact = await repos.people.contact("sms", address)
    assert contact is not None
    return contact.person_id


async def share_update(kp, author_address: str, child_names: tuple[str, ...]):
    """A daily update as the router applies the daily-update flow's ShareNews effect; what it
    queued for families (the author's own "sent" note left out)."""
    marks = ",".join("?" * len(child_names))
    async with kp.db.reading() as repos:
        staff = await repos.people.contact("sms", author_address)
        rows = await repos.conn.execute_fetchall(
            f"SELECT id FROM children WHERE first_name IN ({marks})", child_names
        )
    sender = Origin("sms", author_address, kp.setting_id, staff, "en")
    news = News("update", tuple(int(r[0]) for r in rows), "Tom Baker", ("ate_well",), "Sand play.")
    async with kp.db.transaction() as repos:
        [(last,)] = await repos.conn.execute_fetchall("SELECT COALESCE(MAX(id), 0) FROM outbox")
        share = Transition(None, {}, (ShareNews(news),))
        await kp.router.effects.apply(repos, sender, share, kp.clock())
        rows = await repos.conn.execute_fetchall(
            "SELECT address, body FROM outbox WHERE id > ? AND address != ? ORDER BY id",
            (last, author_address),
        )
    return [tuple(row) for row in rows]


async def waiting_answer(kp, carer: int, child: str, words: str, *, later: bool = True) -> None:
    """Queue an answer from Tom to a carer about a child, as the relay flow's effect does; with
    `later`, held (as by quiet hours) so it is still waiting when the import runs."""
    async with kp.db.transaction() as repos:
        tom = await repos.people.contact("sms", TOM)
        [about] = [
            c.child_id for c in (await repos.people.carer(carer)).children if c.first_name == child
        ]
        notify = NotifyCarer(carer, Text("label.raw", {"text": words}), about, essential=True)
        sender = Origin("sms", TOM, kp.setting_id, tom, "en")
        [(last,)] = await repos.conn.execute_fetchall("SELECT COALESCE(MAX(id), 0) FROM outbox")
        await kp.router.effects.apply(repos, sender, Transition(None, {}, (notify,)), kp.clock())
        if later:
            await repos.conn.execute(
                "UPDATE outbox SET next_attempt_at = ? WHERE id > ?", (LATER, last)
            )


async def test_a_carer_who_left_gets_no_answer_by_thread_code(kp, tmp_path):
    await say(kp, LAURA, "Hi")
    to_tom, _ = await say(kp, LAURA, "Is Amelia eating well?")
    code = code_in(to_tom.body)
    await leave(kp, tmp_path, ",P01,")  # Laura is no longer in families.csv
    await say(kp, TOM, "hi")
    answered = await say(kp, TOM, f"{code} Yes, all of her lunch")
    assert [row.address for row in answered] == [TOM]  # told the code is unknown, nothing else
    assert "Amelia" not in answered[0].body
    # Her phone no longer links her to Amelia: she is answered as a stranger would be.
    (polite,) = await say(kp, LAURA, "How was Amelia today?")
    (stranger,) = await say(kp, STRANGER, "How was Amelia today?")
    assert polite.body == stranger.body and "Amelia" not in polite.body


async def test_a_carer_no_longer_linked_to_one_child_hears_only_about_the_other(kp, tmp_path):
    await say(kp, MAREK, "Hi")
    await say(kp, MAREK, "Leo is tired today")
    rows = await say(kp, MAREK, "2")  # Leo: key person Grace has no phone, so the manager
    code = code_in(next(r for r in rows if r.address == SARAH).body)
    marek = await person(kp, MAREK)
    await waiting_answer(kp, marek, "Leo", "Leo ate well")
    await waiting_answer(kp, marek, "Jan", "Jan ate well")
    # Marek stays Jan's dad, but is no longer Leo's carer; Leo's mum is now.
    await leave(kp, tmp_path, "C04,|,P04,", extra=(LEO_MUM,))
    async with kp.db.reading() as repos:
        waiting = await repos.conn.execute_fetchall(
            "SELECT body, status FROM outbox WHERE address = ? AND body LIKE '% ate well'",
            (MAREK,),
        )
    assert [tuple(row) for row in waiting] == [
        ("Leo ate well", "canceled"),
        ("Jan ate well", "queued"),
    ]
    await say(kp, SARAH, "hi")
    answered = await say(kp, SARAH, f"{code} Let him rest tonight")
    assert MAREK not in [row.address for row in answered]
    # No more "which child?": his messages are about Jan, and go to Jan's key person.
    # (The "it has gone to..." receipt was given a moment ago, so none comes this time.)
    (to_anna,) = [r for r in await say(kp, MAREK, "Jan has a cough") if r.address != MAREK]
    assert to_anna.address == ANNA and "Jan" in to_anna.body
    await say(kp, MAREK, "INFO")
    (answer,) = await say(kp, MAREK, "1")  # who the key person is
    assert "Leo" not in answer.body and "Grace" not in answer.body


async def test_news_and_menus_leave_out_a_child_who_left(kp, tmp_path):
    await leave(kp, tmp_path, "C03,")  # Jan left the nursery
    await say(kp, ANNA, "hi")
    (pick,) = await say(kp, ANNA, "UPDATE")
    labels = " ".join(c["label"] for c in pick.choices)
    assert "Zofia" in labels and "Jan" not in labels
    sent = await share_update(kp, ANNA, ("Jan", "Zofia"))
    assert MAREK not in [address for address, _ in sent]
    async with kp.db.reading() as repos:
        report = await kp.scheduler.report(repos, kp.clock())
    assert "Jan" not in [row["first_name"] for row in report]


async def test_news_to_a_family_skips_the_carer_who_left(kp, tmp_path):
    assert LAURA in [address for address, _ in await share_update(kp, TOM, ("Amelia",))]
    await leave(kp, tmp_path, ",P01,")
    assert await share_update(kp, TOM, ("Amelia",)) == []  # Dan may not be told; Laura left


async def test_a_held_summary_and_a_queued_update_do_not_go_after_leaving(kp, tmp_path):
    laura = await person(kp, LAURA)
    async with kp.db.transaction() as repos:
        await repos.news.set_update_mode(laura, "evening")
    await share_update(kp, TOM, ("Amelia",))  # held for her 17:30 summary
    await waiting_answer(kp, laura, "Amelia", "Amelia slept well")  # held by quiet hours
    await leave(kp, tmp_path, ",P01,")
    evening = kp.clock().replace(hour=18)
    kp.clock.now = evening  # type: ignore[attr-defined]
    assert await kp.scheduler.send_summaries() == 0
    async with kp.db.reading() as repos:
        waiting = await repos.conn.execute_fetchall(
            "SELECT status, error FROM outbox WHERE address = ?", (LAURA,)
        )
    assert [tuple(row) for row in waiting] == [("canceled", "left")]


async def test_a_failed_essential_message_falls_back_to_nobody_who_left(kp, tmp_path):
    sms = kp.senders[Channel.SMS]
    laura = await person(kp, LAURA)
    async with kp.db.transaction() as repos:
        await repos.links.link(
            kp.setting_id,
            "telegram",
            "447400200001",
            PersonKind.CARER,
            laura,
            datetime(2999, 1, 1, tzinfo=UTC),
        )
    await waiting_answer(kp, laura, "Amelia", "She is fine", later=False)
    [row] = await kp.dispatcher._claim(Channel.SMS, 10)  # on its way when she is marked left
    await leave(kp, tmp_path, ",P01,")
    sms.failures.append(SendError("number unreachable", retryable=False, unreachable=True))
    await kp.dispatcher.send_one(sms, row)
    async with kp.db.reading() as repos:
        queued = await repos.conn.execute_fetchall(
            "SELECT channel FROM outbox WHERE status = 'queued' AND person_id = ?", (laura,)
        )
        route = await repos.links.route(PersonKind.CARER, laura)
    assert list(queued) == [] and route.contacts == ()


async def test_an_invite_made_before_leaving_links_nobody(kp, tmp_path):
    invite = await create_invite(kp.db, kp.setting_id, PersonKind.CARER, "P01", 7, kp.clock())
    await leave(kp, tmp_path, ",P01,")
    start = Inbound(
        Channel.TELEGRAM, "5550001", "tg-1", kp.clock(), invite.code, kind=InboundKind.START
    )
    await kp.router.accept(start)
    await kp.router.drain()
    async with kp.db.reading() as repos:
        assert await repos.people.contact("telegram", "5550001") is None
        [reply] = await repos.outbox.for_address("telegram", "5550001")
    assert "Amelia" not in reply.body and "Laura" not in reply.body
    with pytest.raises(InviteError):
        await create_invite(kp.db, kp.setting_id, PersonKind.CARER, "P01", 7, kp.clock())
