"""Daily updates delivered through the router: each update mode, quiet hours, photo consent."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.messages import Channel, Inbound, InboundKind
from bot.domain.setting import load_profile
from bot.domain.time import after_staff_day, next_summary, quiet_end
from bot.engine.news import sms_cost
from bot.flows.base import News, ShareNews, Transition
from bot.language.catalogs import Catalogs
from tests.harness import ANNA, KASIA, MAREK, ROOT, Clock, make_keyperson, say

LONDON = ZoneInfo("Europe/London")
PROFILE = load_profile(ROOT / "setting.example.toml")
CATALOGS = Catalogs.load()


async def update_from_anna(kp, words="Lovely day at the sand tray.", families=3):
    """Anna (key person of Jan and Zofia, and Tom's cover for Amelia) updates all three."""
    await say(kp, ANNA, "hi")
    await say(kp, ANNA, "UPDATE")  # 1 Jan, 2 Zofia, 3 Amelia, 4 All my children, 5 Cancel
    await say(kp, ANNA, "4")  # all: straight on to writing
    await say(kp, ANNA, "1")  # the first quick phrase: ate well
    preview = await say(kp, ANNA, words)
    # Laura, Kasia, Marek (Dan may not be told), less any who get only important messages
    assert f"This will go to {families} families." in preview[-1].body
    return await say(kp, ANNA, "1")  # send


def told(rows):
    """What the sender was told once the update went."""
    (last,) = [r for r in rows if r.address == ANNA]
    return last.body


async def digest_rows(kp):
    async with kp.db.reading() as repos:
        return await repos.conn.execute_fetchall(
            "SELECT carer_id, due_at, text FROM digest_items ORDER BY id"
        )


@pytest.mark.parametrize(
    ("mode", "now_rows", "held_until"),
    [
        ("instant", 1, None),
        ("evening", 0, datetime(2026, 11, 24, 17, 30, tzinfo=UTC)),
        ("weekly", 0, datetime(2026, 11, 27, 17, 30, tzinfo=UTC)),  # Friday
        ("essentials", 0, None),
    ],
)
async def test_each_update_mode(tmp_path, mode, now_rows, held_until):
    kp = await make_keyperson(tmp_path)
    async with kp.db.transaction() as repos:
        kasia = await repos.people.contact("sms", KASIA)
        await repos.news.set_update_mode(kasia.person_id, mode)
    sent = await update_from_anna(kp, families=2 if mode == "essentials" else 3)
    to_kasia = [r for r in sent if r.address == KASIA]
    assert len(to_kasia) == now_rows
    if to_kasia:
        assert "Apetyt dopisał." in to_kasia[0].body  # the phrase in her language
        assert "Zofia" in to_kasia[0].body and "Jan" not in to_kasia[0].body
    held = [row for row in await digest_rows(kp) if row[0] == kasia.person_id]
    if held_until is None:
        assert held == []
    else:
        (item,) = held
        assert item[1] == held_until.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        assert "sand tray" in item[2]
    to_marek = [r for r in sent if r.address == MAREK]
    assert len(to_marek) == 1 and "Jan" in to_marek[0].body  # instant by default
    await kp.db.close()


async def test_quiet_hours_hold_an_update_until_morning(tmp_path):
    clock = Clock(datetime(2026, 11, 24, 21, 0, tzinfo=UTC))
    kp = await make_keyperson(tmp_path, clock)
    sent = await update_from_anna(kp)
    async with kp.db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT next_attempt_at FROM outbox WHERE address = ? AND priority = 5", (KASIA,)
        )
    assert [r[0] for r in rows] == ["2026-11-25T07:30:00.000000Z"]
    assert told(sent) == (
        "Sent: the update about Jan, Zofia, and Amelia.\n"
        "It will reach 3 families tomorrow at 07:30, when quiet hours end."
    )
    await kp.db.close()


async def test_the_preview_says_when_quiet_hours_will_let_it_through(tmp_path):
    clock = Clock(datetime(2026, 11, 28, 23, 0, tzinfo=UTC))  # Saturday night
    kp = await make_keyperson(tmp_path, clock)
    await say(kp, ANNA, "hi")
    await say(kp, ANNA, "UPDATE")
    await say(kp, ANNA, "1")  # Jan
    await say(kp, ANNA, "Done")
    (preview,) = await say(kp, ANNA, "Painting today.")
    assert preview.body.startswith("This will go to 1 family.")
    assert "It is quiet hours for families now, so it will reach them tomorrow at 07:30." in (
        preview.body
    )
    await kp.db.close()


async def test_the_sender_hears_how_each_family_gets_it(tmp_path):
    clock = Clock(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    kp = await make_keyperson(tmp_path, clock)
    async with kp.db.transaction() as repos:
        # Dan may now be told: with Laura, one family for Amelia, not two.
        await repos.conn.execute("UPDATE child_carers SET receives_information = 1")
        kasia = await repos.people.contact("sms", KASIA)
        marek = await repos.people.contact("sms", MAREK)
        await repos.news.set_update_mode(kasia.person_id, "evening", "18:00")
        await repos.news.set_update_mode(marek.person_id, "essentials")
    sent = await update_from_anna(kp, families=2)
    assert told(sent) == (
        "Sent: the update about Jan, Zofia, and Amelia.\n"
        "It is on its way to 1 family.\n"
        "1 family will get it in their evening or weekly summary.\n"
        "1 family gets only important messages, so will not get it."
    )
    await kp.db.close()


async def test_a_celebration_at_night_says_when_it_will_arrive(tmp_path):
    clock = Clock(datetime(2026, 11, 27, 22, 0, tzinfo=UTC))  # Friday night
    kp = await make_keyperson(tmp_path, clock)
    await say(kp, ANNA, "hi")
    await say(kp, ANNA, "WOW")
    await say(kp, ANNA, "1")  # Jan
    await say(kp, ANNA, "Done")
    await say(kp, ANNA, "Climbed to the top!")
    sent = await say(kp, ANNA, "Send")
    assert told(sent) == (
        "Sent: the celebration for Jan.\n"
        "It will reach 1 family tomorrow at 07:30, when quiet hours end."
    )
    await kp.db.close()


async def test_an_answer_to_a_family_waits_for_quiet_hours_and_the_sender_is_told(tmp_path):
    clock = Clock(datetime(2026, 11, 24, 16, 0, tzinfo=UTC))
    kp = await make_keyperson(tmp_path, clock)
    await say(kp, KASIA, "hej")
    asked = await say(kp, KASIA, "Czy Zosia jadła obiad?")
    code = next(w for r in asked if r.address == ANNA for w in r.body.split() if w[0] == "#")
    await say(kp, ANNA, "hi")
    clock.now = datetime(2026, 11, 24, 21, 30, tzinfo=UTC)
    rows = await say(kp, ANNA, f"{code} Yes, all of it.")
    (to_kasia,) = [r for r in rows if r.address == KASIA]
    assert "all of it" in to_kasia.body
    assert to_kasia.next_attempt_at == datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
    (to_anna,) = [r for r in rows if r.address == ANNA]
    assert to_anna.body == (
        "Sent to Katarzyna Nowak (mum) about Zofia. "
        "It will reach them tomorrow at 07:30, when the family's quiet hours end."
    )
    clock.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # by day it goes at once
    rows = await say(kp, ANNA, f"{code} See you soon.")
    (to_kasia,) = [r for r in rows if r.address == KASIA]
    assert to_kasia.next_attempt_at == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    (to_anna,) = [r for r in rows if r.address == ANNA]
    assert to_anna.body == "Sent to Katarzyna Nowak (mum) about Zofia."
    await kp.db.close()


async def test_summary_goes_once_and_only_when_due(tmp_path):
    clock = Clock(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    kp = await make_keyperson(tmp_path, clock)
    async with kp.db.transaction() as repos:
        kasia = await repos.people.contact("sms", KASIA)
        await repos.news.set_update_mode(kasia.person_id, "evening", "18:00")
    await update_from_anna(kp, "First.")
    await update_from_anna(kp, "Second.")
    assert await kp.scheduler.send_summaries() == 0
    clock.now = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    assert await kp.scheduler.send_summaries() == 1
    assert await kp.scheduler.send_summaries() == 0
    async with kp.db.reading() as repos:
        (summary,) = [r for r in await repos.outbox.for_address("sms", KASIA) if "First." in r.body]
    assert "Second." in summary.body and summary.body.index("First.") < summary.body.index(
        "Second."
    )
    await kp.db.close()


async def test_a_photo_goes_only_where_there_is_consent(tmp_path):
    kp = await make_keyperson(tmp_path)
    async with kp.db.transaction() as repos:
        await repos.conn.execute("UPDATE children SET photo_consent = 1 WHERE first_name = 'Zofia'")
        ids = dict(await repos.conn.execute_fetchall("SELECT first_name, id FROM children"))
        from bot.engine.effects import Origin

        news = News("celebration", (ids["Zofia"], ids["Jan"]), "Anna", (), "Sandcastles!", "PHOTO1")
        origin = Origin("sms", ANNA, kp.setting_id, None, "en")
        await kp.router.effects.apply(
            repos, origin, Transition(None, {}, (ShareNews(news),)), kp.clock()
        )
        photos = dict(
            await repos.conn.execute_fetchall(
                "SELECT address, photo FROM outbox WHERE priority = 5 ORDER BY id"
            )
        )
    assert photos == {KASIA: "PHOTO1", MAREK: None}
    await kp.db.close()


async def test_good_news_from_home_is_thanked_next_morning_unless_answered(tmp_path):
    clock = Clock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    kp = await make_keyperson(tmp_path, clock)
    await say(kp, KASIA, "hej")
    await say(kp, KASIA, "WOW")
    told = await say(kp, KASIA, "Zosia powiedziała dziś 'jeszcze'!")
    assert any(r.address == ANNA and "jeszcze" in r.body for r in told)
    clock.now = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
    assert await kp.scheduler.fire_timers() == 0  # not yet: the next staff morning
    clock.now = datetime(2026, 11, 25, 8, 1, tzinfo=UTC)
    assert await kp.scheduler.fire_timers() == 1  # handed to the router as an event
    await kp.router.drain()
    async with kp.db.reading() as repos:
        last = (await repos.outbox.for_address("sms", KASIA))[-1]
    assert "Jeszcze raz dziękujemy" in last.body
    assert await kp.scheduler.fire_timers() == 0
    await kp.db.close()


async def test_an_answered_wow_gets_no_extra_thank_you(tmp_path):
    clock = Clock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    kp = await make_keyperson(tmp_path, clock)
    await say(kp, KASIA, "hej")
    await say(kp, KASIA, "WOW")
    told = await say(kp, KASIA, "Zosia powiedziała dziś 'jeszcze'!")
    code = next(w for r in told if r.address == ANNA for w in r.body.split() if w.startswith("#"))
    await say(kp, ANNA, "hi")
    await say(kp, ANNA, f"{code} That is wonderful, thank you!")
    clock.now = datetime(2026, 11, 25, 8, 1, tzinfo=UTC)
    async with kp.db.reading() as repos:
        before = len(await repos.outbox.for_address("sms", KASIA))
    assert await kp.scheduler.fire_timers() == 1
    await kp.router.drain()
    async with kp.db.reading() as repos:
        assert len(await repos.outbox.for_address("sms", KASIA)) == before  # no thank-you
    await kp.db.close()


async def test_keeping_in_touch_goes_to_key_persons_once_a_week(tmp_path):
    clock = Clock(datetime(2026, 11, 30, 9, 5, tzinfo=UTC))  # Monday, after 09:00
    kp = await make_keyperson(tmp_path, clock)
    await say(kp, ANNA, "hi")
    assert await kp.scheduler.keeping_in_touch() >= 1
    assert await kp.scheduler.keeping_in_touch() == 0  # once this week
    async with kp.db.reading() as repos:
        (to_anna,) = [r for r in await repos.outbox.for_address("sms", ANNA) if "Keeping" in r.body]
    assert "Jan" in to_anna.body and "Zofia" in to_anna.body
    clock.now = datetime(2026, 12, 2, 9, 5, tzinfo=UTC)  # Wednesday: too late for a list
    assert await kp.scheduler.keeping_in_touch() == 0
    await kp.db.close()


def test_quiet_hours_end_across_midnight():
    evening = datetime(2026, 11, 24, 21, 0, tzinfo=LONDON)
    assert quiet_end(PROFILE.quiet, evening) == datetime(2026, 11, 25, 7, 30, tzinfo=LONDON)
    early = datetime(2026, 11, 25, 6, 0, tzinfo=LONDON)
    assert quiet_end(PROFILE.quiet, early) == datetime(2026, 11, 25, 7, 30, tzinfo=LONDON)
    assert quiet_end(PROFILE.quiet, datetime(2026, 11, 25, 12, 0, tzinfo=LONDON)) is None


def test_summaries_keep_local_time_across_the_clock_change():
    saturday = datetime(2026, 10, 24, 18, 0, tzinfo=LONDON)  # BST; clocks go back on Sunday
    due = next_summary("evening", time(17, 30), 4, saturday)
    assert due.astimezone(UTC) == datetime(2026, 10, 25, 17, 30, tzinfo=UTC)  # GMT by then
    weekly = next_summary("weekly", time(17, 30), 4, saturday)
    assert weekly == datetime(2026, 10, 30, 17, 30, tzinfo=LONDON)


def test_thank_you_waits_for_the_end_of_the_staff_day():
    morning = datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)  # Tuesday, staff open
    assert after_staff_day(PROFILE.staff, morning) == datetime(2026, 11, 25, 8, 0, tzinfo=LONDON)
    friday_night = datetime(2026, 11, 27, 21, 0, tzinfo=LONDON)
    assert after_staff_day(PROFILE.staff, friday_night) == datetime(
        2026, 12, 1, 8, 0, tzinfo=LONDON
    )  # Monday's staff day to answer, thanks on Tuesday


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("Ate well. Played outside.", ""),  # one text: nothing to say
        ("x" * 200, "By text message: 2 texts."),
        (
            "Lovely day 😀 " + "x" * 80,
            "By text message: 2 texts. The character 😀 makes it cost more: without it, 1 text.",
        ),
        (
            "“Lovely” day 😀 " + "x" * 80,
            "By text message: 2 texts. The characters “ ” 😀 make it cost more: "
            "without them, 1 text.",
        ),
        ("Zajęcia bardzo się dziś podobały. " * 3, "By text message: 2 texts."),  # letters stay
    ],
)
def test_sms_cost_is_said_in_plain_words_only_beyond_one_text(body, said):
    cost = sms_cost(body)
    assert (CATALOGS.render(cost, "en") if cost else "") == said
    assert "UCS" not in said and "part(s)" not in said


async def test_a_timer_is_an_event_that_leaves_the_open_question_open_and_goes_once(tmp_path):
    clock = Clock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    kp = await make_keyperson(tmp_path, clock)
    await say(kp, KASIA, "hej")
    await say(kp, KASIA, "WOW")
    await say(kp, KASIA, "Zosia powiedziała dziś 'jeszcze'!")
    asked = await say(kp, KASIA, "USTAWIENIA")  # a question is open when the timer fires
    assert any(r.address == KASIA and r.choices for r in asked)
    clock.now = datetime(2026, 11, 25, 8, 1, tzinfo=UTC)
    async with kp.db.reading() as repos:
        (timer,) = await repos.reminders.due(clock.now)
    # Stored twice (as after a crash before the timer was marked fired): handled once.
    assert await kp.scheduler.fire_timers() == 1
    await kp.router.accept(
        Inbound(
            Channel(timer.channel),
            timer.address,
            f"timer:{timer.id}",
            clock.now,
            kind=InboundKind.TIMER,
            timer={"id": timer.id, "flow": timer.flow, "rule": timer.rule,
                   "due": timer.due_at.isoformat(), "payload": timer.payload},
        )
    )  # fmt: skip
    await kp.router.drain()
    async with kp.db.reading() as repos:
        bodies = [r.body for r in await repos.outbox.for_address("sms", KASIA)]
        state = await repos.conversations.load("sms", KASIA)
    assert sum("Jeszcze raz dziękujemy" in b for b in bodies) == 1
    assert state is not None and state[0] == "preferences"  # the question is still open
    answered = await say(kp, KASIA, "1")
    assert any(r.address == KASIA for r in answered)
    await kp.db.close()
