"""Workshops through the router: the invite by timer, every answer, the waiting list, what
would help, reminders, "maybe" asked again, cancellation, the report, and bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import cli
from bot.admin import workshops as admin
from bot.admin.workshops import WorkshopProblem, new_workshop
from bot.domain.messages import Channel, Inbound, RenderedChoice
from bot.language.choices import sms_lines
from bot.storage.rows import OutboxRow
from tests.harness import (
    DAN,
    KASIA,
    LAURA,
    MAREK,
    SARAH,
    TOM,
    TUESDAY_10AM,
    Clock,
    make_keyperson,
    queued_since,
    say,
    scalar,
)
from tests.test_absences import env  # noqa: F401 (a fixture)

MEERA = "+447400200005"  # grandmother of Isla (Oaks)
WORKSHOP_AT = "2026-12-10 18:00"  # a Thursday, local (GMT in December)


def workshop(profile, now, **changes):
    options = {
        "title": "Helping your child with talking",
        "at": WORKSHOP_AT,
        "until": "19:00",
        "where": "the Acorns room",
        "online": None,
        "capacity": None,
        "audience": None,
    }
    options.update(changes)
    return new_workshop(profile, now, **options)


async def added(kp, **changes) -> int:
    return await admin.add(
        kp.db, kp.setting_id, kp.profile, kp.clock(), workshop(kp.profile, kp.clock(), **changes)
    )


async def last_id(kp) -> int:
    return int(await scalar(kp, "SELECT COALESCE(MAX(id), 0) FROM outbox"))


async def fire(kp, clock: Clock, at: datetime) -> list[OutboxRow]:
    """Move the clock, hand due timers to the router and handle them; what they queued."""
    before = await last_id(kp)
    clock.now = at
    await kp.scheduler.fire_timers()
    await kp.router.drain()
    return await queued_since(kp, before)


async def invited(kp, clock: Clock, **changes) -> tuple[int, list[OutboxRow]]:
    number = await added(kp, **changes)
    await admin.invite(kp.db, kp.setting_id, kp.profile, clock(), f"W-{number}")
    return number, await fire(kp, clock, clock.now)


def to(rows: list[OutboxRow], address: str) -> list[str]:
    """What each message to an address shows by SMS: its text, then its numbered options."""
    shown = []
    for row in rows:
        if row.address == address:
            lines = sms_lines([RenderedChoice.from_dict(c) for c in row.choices])
            shown.append(f"{row.body}\n{lines}" if lines else row.body)
    return shown


@pytest.fixture
async def kp(tmp_path):
    clock = Clock(TUESDAY_10AM)
    keyperson = await make_keyperson(tmp_path, clock)
    keyperson.test_clock = clock  # type: ignore[attr-defined]
    yield keyperson
    await keyperson.db.close()


async def test_the_invite_reaches_every_informed_carer_once_with_yes_no_maybe(kp):
    number, rows = await invited(kp, kp.test_clock)
    assert number == 1
    assert sorted({r.address for r in rows}) == sorted([LAURA, KASIA, MAREK, MEERA])
    assert to(rows, DAN) == []  # receives_information = no: nothing at all
    (laura,) = to(rows, LAURA)
    assert laura.startswith(
        "Little Acorns Nursery invites you to a workshop for families: Helping your child with "
        "talking\nWhen: Thursday 10 December 18:00 to 19:00\nWhere: the Acorns room\n"
        "Will you come? (W-1)"
    )
    assert "1 Yes\n2 No\n3 Maybe" in laura
    (kasia,) = to(rows, KASIA)
    assert "Czy przyjdą Państwo? (W-1)" in kasia and "1 Tak\n2 Nie\n3 Może" in kasia
    # An invite is an ordinary message on the bulk lane, never ahead of replies.
    assert {r.priority for r in rows} == {9}
    # Inviting again reaches nobody twice.
    again = await admin.invite(kp.db, kp.setting_id, kp.profile, kp.clock(), "W-1")
    assert again.newly == 0
    assert await fire(kp, kp.test_clock, kp.clock()) == []


async def test_an_invite_in_quiet_hours_waits_until_they_end(kp):
    clock = kp.test_clock
    clock.now = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
    number = await added(kp)
    done = await admin.invite(kp.db, kp.setting_id, kp.profile, clock(), f"W-{number}")
    assert done.due == datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
    assert await fire(kp, clock, datetime(2026, 11, 25, 7, 29, tzinfo=UTC)) == []
    rows = await fire(kp, clock, datetime(2026, 11, 25, 7, 30, tzinfo=UTC))
    assert len(to(rows, LAURA)) == 1


async def test_yes_books_a_place_and_is_reminded_at_the_set_days_before(kp):
    clock = kp.test_clock
    await invited(kp, clock)
    booked = to(await say(kp, LAURA, "1"), LAURA)[-1]
    assert booked.startswith("Thank you, you have a place at Helping your child with talking (W-1)")
    await say(kp, MEERA, "2")  # no: not reminded
    # [reminders] workshop_days_before = [7, 1] at [reminders].time 10:00.
    assert await fire(kp, clock, datetime(2026, 12, 3, 9, 59, tzinfo=UTC)) == []
    week = await fire(kp, clock, datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    assert [b.split(".")[0] for b in to(week, LAURA)] == [
        "A reminder: Helping your child with talking, Thursday 10 December 18:00 to 19:00, "
        "the Acorns room"
    ]
    assert to(week, MEERA) == []
    day = await fire(kp, clock, datetime(2026, 12, 9, 10, 0, tzinfo=UTC))
    assert len(to(day, LAURA)) == 1 and "1 I can't come now" in to(day, LAURA)[0]


async def test_yes_over_capacity_waits_and_a_freed_place_goes_to_the_first_in_line(kp):
    clock = kp.test_clock
    await invited(kp, clock, capacity=1)
    await say(kp, LAURA, "yes")
    waiting = to(await say(kp, MEERA, "1"), MEERA)[-1]
    assert "full at the moment, so you are on the waiting list: number 1 in line" in waiting
    second = to(await say(kp, KASIA, "Tak"), KASIA)[-1]
    assert "miejsce 2 w kolejce" in second
    still = to(await say(kp, MEERA, "W-1 yes"), MEERA)[-1]
    assert "number 1 in line" in still
    # Laura can no longer come: her place goes to Meera, who is told; Kasia is next in line.
    told = await say(kp, LAURA, "W-1 NO")
    (freed,) = to(told, MEERA)
    assert freed.startswith("Good news: a place has come free at Helping your child with talking")
    assert "reply W-1 NO" in freed
    assert "Would something help you come" in to(told, LAURA)[-1]
    assert await _answers(kp) == {
        "Laura Hughes": "no",
        "Meera Patel": "yes",
        "Katarzyna Nowak": "waiting",
        "Marek Wiśniewski": None,
    }


async def test_no_asks_what_would_help_and_the_managers_hear_it(kp):
    await invited(kp, kp.test_clock)
    asked = to(await say(kp, LAURA, "2"), LAURA)[-1]
    assert (
        "1 Another time of day\n2 Joining online\n3 Childcare\n4 An interpreter\n5 Something else"
        in asked
    )
    told = await say(kp, LAURA, "3")
    assert to(told, LAURA) == ["Thank you. We will use this when we plan the next ones."]
    assert to(told, SARAH) == [
        "Laura Hughes cannot come to W-1 Helping your child with talking. What would help: "
        "Childcare"
    ]
    # Something else, in their own words.
    await say(kp, MEERA, "No")
    ask = to(await say(kp, MEERA, "5"), MEERA)[-1]
    assert ask.startswith("Please tell us in your own words what would help.")
    told = await say(kp, MEERA, "A Saturday morning would be easier")
    assert "What would help: A Saturday morning would be easier" in to(told, SARAH)[0]
    counts = await _report(kp)
    assert counts["helps"] == {"childcare": 1, "other": 1}
    assert counts["words"] == ["A Saturday morning would be easier"]


async def test_maybe_is_asked_again_three_days_before(kp):
    clock = kp.test_clock
    await invited(kp, clock)
    noted = to(await say(kp, LAURA, "3"), LAURA)[-1]
    assert noted.startswith("Thank you. We will ask you again a few days before")
    await say(kp, MEERA, "1")
    again = await fire(kp, clock, datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    (asked,) = to(again, LAURA)
    assert asked.startswith("Helping your child with talking is coming soon") and "1 Yes" in asked
    assert not any("Will you come" in m for m in to(again, MEERA))  # a yes is not asked again
    booked = to(await say(kp, LAURA, "1"), LAURA)[-1]
    assert booked.startswith("Thank you, you have a place")


async def test_cancel_tells_those_who_said_yes_or_maybe_or_wait_and_no_one_else(kp):
    clock = kp.test_clock
    await invited(kp, clock, capacity=1)
    await say(kp, LAURA, "1")
    await say(kp, KASIA, "3")
    await say(kp, MEERA, "1")  # waiting
    await say(kp, MAREK, "2")
    _, told = await admin.cancel(
        kp.db, kp.setting_id, kp.profile, clock(), "W-1", "Our speaker is ill."
    )
    assert told == 3
    rows = await fire(kp, clock, clock.now)
    assert sorted({r.address for r in rows}) == sorted([LAURA, KASIA, MEERA])
    assert to(rows, LAURA)[0] == (
        "We are sorry: Helping your child with talking (W-1), Thursday 10 December 18:00 to "
        "19:00, will not go ahead.\nOur speaker is ill."
    )
    # Reminders of a cancelled workshop are dropped; answers to it are told it is off.
    assert await fire(kp, clock, datetime(2026, 12, 3, 10, 0, tzinfo=UTC)) == []
    off = to(await say(kp, MAREK, "W-1 yes"), MAREK)[-1]
    assert "nie odbędzie się, więc nie trzeba odpowiadać" in off  # Marek reads Polish
    with pytest.raises(WorkshopProblem, match="W-1 was cancelled"):
        await admin.invite(kp.db, kp.setting_id, kp.profile, clock(), "W-1")


async def test_the_report_counts_each_answer_and_the_invites_delivered(kp):
    _, rows = await invited(kp, kp.test_clock, capacity=1)
    sender = kp.senders[Channel.SMS]
    for claimed in await kp.dispatcher._claim(Channel.SMS, 100):
        await kp.dispatcher.send_one(sender, claimed)
    # Twilio says two were delivered and one was not: delivered counts every invite the
    # provider took and did not report failed (Telegram never reports more than "sent").
    ids = {r.address: r.id for r in rows}
    await kp.dispatcher.status(f"SM{ids[LAURA]:032d}", "delivered", None)
    await kp.dispatcher.status(f"SM{ids[KASIA]:032d}", "delivered", None)
    await kp.dispatcher.status(f"SM{ids[MAREK]:032d}", "undelivered", "30003")
    await say(kp, LAURA, "1")
    await say(kp, MEERA, "1")
    await say(kp, KASIA, "2")
    await say(kp, KASIA, "4")
    counts = await _report(kp)
    async with kp.db.reading() as repos:
        w = await repos.workshops.by_number(kp.setting_id, 1)
    assert admin.report_lines(w, counts, kp.profile) == [
        "W-1 Helping your child with talking, Thu 10 Dec 2026 18:00, the Acorns room",
        "capacity: 1",
        "invited: 4",
        "delivered: 3",
        "yes: 1",
        "no: 1",
        "maybe: 0",
        "waiting: 1",
        "no answer: 1",
        "what would help:",
        "  another time of day: 0",
        "  online: 0",
        "  childcare: 0",
        "  an interpreter: 1",
        "  something else: 0",
    ]


async def test_two_yeses_for_the_last_place_in_one_batch_give_one_place_and_one_wait(kp):
    await invited(kp, kp.test_clock, capacity=1)
    for address in (LAURA, MEERA):
        await kp.router.accept(Inbound(Channel.SMS, address, f"SMrace{address}", TUESDAY_10AM, "1"))
    await kp.router.drain()
    answers = await _answers(kp)
    assert sorted(a for n, a in answers.items() if n in ("Laura Hughes", "Meera Patel")) == [
        "waiting",
        "yes",
    ]


async def test_an_answer_for_a_workshop_not_theirs_or_unknown_says_so(kp):
    await invited(kp, kp.test_clock, audience="room:Oaks")
    unknown = to(await say(kp, LAURA, "W-1 yes"), LAURA)[-1]  # Acorns: not invited
    assert unknown == "We could not find a workshop W-1 for you. Please check the reference."
    again = to(await say(kp, MEERA, "W-1"), MEERA)[-1]  # after the welcome: first words
    assert "Will you come? (W-1)" in again and "1 Yes" in again


# Bad input.


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"title": "  "}, "--title: a workshop needs a title"),
        ({"at": "2026-11-20 18:00"}, '--at: "2026-11-20 18:00" is in the past'),
        ({"at": "2027-03-28 01:30"}, "does not exist in Europe/London"),
        ({"at": "2027-02-30 18:00"}, "is not a real date and time"),
        ({"at": "next Thursday"}, "is not a date and time like 2027-01-21 18:00"),
        ({"until": "17:00"}, "is not after the start"),
        ({"online": "zoom"}, "--online"),
        ({"capacity": 0}, "--capacity: must be 1 or more"),
    ],
)
def test_bad_input_to_workshop_add_names_the_option(changes, problem):
    from bot.domain.setting import load_profile
    from tests.harness import ROOT

    profile = load_profile(ROOT / "setting.example.toml")
    with pytest.raises(WorkshopProblem, match=problem):
        workshop(profile, TUESDAY_10AM, **changes)


async def test_an_unknown_room_is_refused_and_nothing_is_kept(kp):
    with pytest.raises(WorkshopProblem, match=r"--audience: There is no room called pinecones"):
        await added(kp, audience="room:Pinecones")
    assert await scalar(kp, "SELECT COUNT(*) FROM workshops") == 0


def test_the_commands_end_to_end_with_their_errors(env, capsys):  # noqa: F811
    from tests.harness import DATA

    assert cli.main(["import", "staff", str(DATA / "staff.csv")]) == 0
    assert cli.main(["import", "families", str(DATA / "families.csv")]) == 0
    capsys.readouterr()
    add = ["workshop", "add", "--title", "Sleep", "--where", "Hall", "--capacity", "2"]
    assert cli.main([*add, "--at", "2099-01-21 18:00", "--audience", "room:Oaks"]) == 0
    assert capsys.readouterr().out.strip() == "W-1"
    assert cli.main([*add, "--at", "2020-01-21 18:00"]) == 2
    assert 'workshop add: --at: "2020-01-21 18:00" is in the past' in capsys.readouterr().err
    assert cli.main([*add, "--at", "2099-01-21 18:00", "--audience", "room:Moon"]) == 2
    assert "no room called moon" in capsys.readouterr().err
    assert cli.main(["workshop", "invite", "W-1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("W-1: the invite goes ") and "to 3 families (3 carers)" in out
    assert cli.main(["workshop", "invite", "W-9"]) == 2
    assert "there is no workshop W-9" in capsys.readouterr().err
    assert cli.main(["report", "workshop", "W-1"]) == 0
    report = capsys.readouterr().out
    assert "invited: 3\n" in report and "no answer: 3\n" in report
    assert cli.main(["workshop", "cancel", "W-1", "--reason", "Snow"]) == 0
    assert "W-1 is cancelled; 0 families" in capsys.readouterr().out
    assert cli.main(["workshop", "cancel", "W-1"]) == 2
    assert cli.main(["report", "workshop"]) == 2


async def _answers(kp) -> dict[str, str | None]:
    async with kp.db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT c.name, g.answer FROM workshop_guests g JOIN carers c ON c.id = g.carer_id"
        )
    return {name: answer for name, answer in rows}


async def _report(kp):
    async with kp.db.reading() as repos:
        return await repos.workshops.report(kp.setting_id, 1)


async def test_a_manager_invites_from_their_phone_after_a_preview_with_the_reach(kp):
    clock = kp.test_clock
    await added(kp, title="Meet the SALT", audience="room:Acorns")
    pick = to(await say(kp, SARAH, "WORKSHOP"), SARAH)[-1]
    assert pick.startswith("Which workshop do you want to invite families to?")
    assert "1 W-1 Meet the SALT, Thursday 10 December 18:00 to 19:00" in pick
    preview = to(await say(kp, SARAH, "1"), SARAH)[-1]
    # Acorns: Laura (Amelia) and Marek (Jan); Dan must not be sent information.
    assert preview.startswith("This invite goes to 2 families (carers in all: 2).")
    assert "Little Acorns Nursery invites you to a workshop for families: Meet the SALT" in preview
    assert "Not reached: 0 have stopped messages, 0 cannot be reached, 1 must not be" in preview
    assert '"SALT": families may not know this' in preview  # the plain-words check
    assert "1 Send the invite\n2 Not now" in preview
    assert await fire(kp, clock, clock.now) == []  # nothing goes before Send
    sent = to(await say(kp, SARAH, "1"), SARAH)[-1]
    assert sent == "The invite to W-1 is on its way to 2 families."
    rows = await fire(kp, clock, clock.now)
    assert sorted({r.address for r in rows}) == sorted([LAURA, MAREK])
    # Once invited it is no longer offered.
    none = to(await say(kp, SARAH, "WORKSHOP"), SARAH)[-1]
    assert none.startswith("There is no workshop waiting for its invite.")


async def test_workshop_is_a_managers_word_only(kp):
    await added(kp)
    rows = await say(kp, LAURA, "workshop")
    assert not any("Which workshop" in body for body in to(rows, LAURA))
    told = to(await say(kp, TOM, "WORKSHOP"), TOM)[-1]
    assert told == "Only a manager can invite families to a workshop."


async def test_a_cancellation_in_quiet_hours_waits_unless_the_workshop_comes_first(kp):
    clock = kp.test_clock
    await invited(kp, clock)
    await say(kp, LAURA, "1")
    clock.now = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
    await admin.cancel(kp.db, kp.setting_id, kp.profile, clock(), "W-1", "")
    assert await fire(kp, clock, clock.now) == []
    rows = await fire(kp, clock, datetime(2026, 11, 25, 7, 30, tzinfo=UTC))
    assert to(rows, LAURA) == [
        "We are sorry: Helping your child with talking (W-1), Thursday 10 December 18:00 to "
        "19:00, will not go ahead."
    ]
    # One that would start before quiet hours end is called off at once, even at night.
    number = await added(kp, at="2026-11-26 07:00", until=None)
    await admin.invite(kp.db, kp.setting_id, kp.profile, clock(), f"W-{number}")
    await fire(kp, clock, clock.now)
    await say(kp, MEERA, f"W-{number} yes")
    clock.now = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)
    await admin.cancel(kp.db, kp.setting_id, kp.profile, clock(), f"W-{number}", "Snow")
    rows = await fire(kp, clock, clock.now)
    assert to(rows, MEERA)[-1].endswith("will not go ahead.\nSnow")


def test_workshop_add_notes_jargon_in_the_title(env, capsys):  # noqa: F811
    from tests.harness import DATA

    assert cli.main(["import", "staff", str(DATA / "staff.csv")]) == 0
    assert cli.main(["import", "families", str(DATA / "families.csv")]) == 0
    capsys.readouterr()
    add = ["workshop", "add", "--title", "Meet our SENCo", "--where", "Hall"]
    assert cli.main([*add, "--at", "2099-01-21 18:00"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "W-1" and 'note: "SENCo" may not be plain for families' in err


async def test_a_number_taken_meanwhile_is_a_conflict_so_the_message_is_handled_again(kp):
    from bot.domain.workshops import AddedWorkshop, WorkshopConflict
    from bot.storage.rows import Writer

    async with kp.db.reading() as repos:
        number = await repos.workshops.next_number(kp.setting_id)
    assert number == 1
    new = workshop(kp.profile, kp.clock())
    await added(kp)  # the command line took W-1 while the preview waited
    by = Writer(kp.setting_id, "staff:1", None, None, kp.clock())
    with pytest.raises(WorkshopConflict):
        async with kp.db.transaction() as repos:
            await repos.workshops.add_numbered(AddedWorkshop(number, new), by)
    async with kp.db.transaction() as repos:
        assert await repos.workshops.next_number(kp.setting_id) == 2
        await repos.workshops.add_numbered(AddedWorkshop(2, new), by)
    assert await scalar(kp, "SELECT COUNT(*) FROM workshops") == 2


async def test_the_manager_is_told_how_many_families_not_how_many_carers_the_invite_goes_to(
    kp, tmp_path
):
    from bot.admin.importer import import_families
    from tests.harness import DATA
    from tests.test_visits import SAM_ROW

    extra = tmp_path / "sam.csv"
    extra.write_text((DATA / "families.csv").read_text().splitlines()[0] + "\n" + SAM_ROW + "\n")
    await import_families(kp.db, kp.setting_id, extra, "GB", now=kp.test_clock())
    await added(kp, title="Meet the SALT", audience="room:Acorns")
    await say(kp, SARAH, "WORKSHOP")
    preview = to(await say(kp, SARAH, "1"), SARAH)[-1]
    # Acorns: Laura and Sam (Amelia's family), Marek (Jan's): two families, three carers.
    assert preview.startswith("This invite goes to 2 families (carers in all: 3).")
    sent = to(await say(kp, SARAH, "1"), SARAH)[-1]
    assert sent == "The invite to W-1 is on its way to 2 families."
