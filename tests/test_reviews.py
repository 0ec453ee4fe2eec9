"""Reviews: invited, the family's views first, reminders, moved and cancelled, the summary;
through the scheduler and the router with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.admin import reviews as admin
from bot.storage.rows import OutboxRow
from tests.harness import (
    ANNA,
    DAN,
    KASIA,
    LAURA,
    SARAH,
    TOM,
    Clock,
    make_keyperson,
    queued_since,
    say,
    scalar,
)

PRIYA = "+447400100002"  # SENCo
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # Tuesday
AT = datetime(2026, 12, 7, 10, 0, tzinfo=LONDON)  # Monday, the review


async def _review(kp, child: str = "C01", at: datetime = AT) -> admin.Scheduled:
    async with kp.db.transaction() as repos:
        return await admin.schedule(
            repos, kp.profile, kp.setting_id, child, at, "at nursery",
            "SEN support plan review", [], "cli", kp.clock(),
        )  # fmt: skip


async def _fire(kp) -> list[OutboxRow]:
    last = await scalar(kp, "SELECT COALESCE(MAX(id), 0) FROM outbox")
    await kp.scheduler.fire_timers()
    await kp.router.drain()
    return await queued_since(kp, last)


def _labels(rows: list[OutboxRow], address: str) -> list[str]:
    return [c["label"] for r in rows if r.address == address for c in r.choices]


def _to(rows: list[OutboxRow], address: str) -> list[str]:
    return [r.body for r in rows if r.address == address]


async def _keyperson(tmp_path: Path, clock: Clock):
    kp = await make_keyperson(tmp_path, clock)
    for phone in (LAURA, TOM, PRIYA, SARAH, ANNA, KASIA):
        await say(kp, phone, "hi")  # linked and welcomed, so nothing else is pending
    return kp


async def test_the_invitation_reaches_carers_told_about_the_child_only(tmp_path: Path) -> None:
    clock = Clock(NOW)
    kp = await _keyperson(tmp_path, clock)
    done = await _review(kp)
    assert done.review.ref == "P-1001"
    assert done.invited == ("Laura Hughes",)  # Dan: receives_information = no
    rows = await _fire(kp)
    (invite,) = _to(rows, LAURA)
    assert _labels(rows, LAURA) == [
        "I can come", "Please find another time", "I'd like an interpreter",
        "I'd like to bring someone", "Not now",
    ]  # fmt: skip
    assert invite.startswith("We would like to meet with you to talk about how Amelia")
    assert "When: Monday 7 December 10:00. Where: at nursery." in invite
    assert not _to(rows, DAN)
    assert await _fire(kp) == []  # once
    answer = await say(kp, LAURA, "1")
    assert _to(answer, LAURA) == [
        "Thank you. We look forward to seeing you on Monday 7 December 10:00."
    ]
    assert _to(answer, TOM) == [
        "Review P-1001 of Amelia (Monday 7 December 10:00): Laura Hughes can come."
    ]
    await kp.db.close()


async def test_another_time_reaches_the_senco_and_an_interpreter_the_manager_and_translators(
    tmp_path: Path,
) -> None:
    clock = Clock(NOW)
    kp = await _keyperson(tmp_path, clock)
    await _review(kp)
    await _review(kp, child="C02")  # Zofia: Katarzyna reads Polish
    await _fire(kp)
    await say(kp, LAURA, "Please find another time")
    times = await say(kp, LAURA, "Tuesdays after 3pm")
    assert _to(times, PRIYA) == [
        "Review P-1001 of Amelia (Monday 7 December 10:00): Laura Hughes asks for another time. "
        "Times that suit: Tuesdays after 3pm"
    ]
    asked = await say(kp, KASIA, "3")
    assert _to(asked, KASIA) == ["Dziękujemy. Zapewnimy tłumacza na spotkanie."]
    told = (
        "Review P-1002 of Zofia (Monday 7 December 10:00): Katarzyna Nowak would like an "
        "interpreter for pl."
    )
    assert _to(asked, SARAH) == [told]  # the manager
    assert _to(asked, ANNA) == [told]  # the translator who speaks Polish
    async with kp.db.reading() as repos:
        lines = await admin.listed(repos, kp.setting_id, kp.profile, None)
    assert lines[0].endswith("[invited]") and lines[0].startswith("P-1001  Amelia Hughes")
    assert lines[1] == '    Laura Hughes: asked to move ("Tuesdays after 3pm")'
    assert lines[2].endswith("[invited; interpreter: pl]")
    assert lines[3] == "    Katarzyna Nowak: asked for an interpreter"
    await kp.db.close()


async def test_views_one_question_at_a_time_and_back_later_with_views(tmp_path: Path) -> None:
    clock = Clock(NOW)
    kp = await _keyperson(tmp_path, clock)
    await _review(kp)
    await _fire(kp)
    await say(kp, LAURA, "I can come")
    clock.now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # 5 days before, at 10:00
    rows = await _fire(kp)
    intro, first = _to(rows, LAURA)
    assert intro.startswith("Before the meeting about Amelia on Monday 7 December 10:00")
    assert first.startswith("1 of 3: What is going well for Amelia?")
    second = await say(kp, LAURA, "She loves painting and sings all the time")
    assert _to(second, LAURA)[0].startswith("2 of 3: Is anything worrying you?")
    later = await say(kp, LAURA, "not now")
    assert _to(later, LAURA) == ["That's fine. Send VIEWS when you want to carry on."]
    back = await say(kp, LAURA, "VIEWS")
    assert _to(back, LAURA)[0].startswith("2 of 3: Is anything worrying you?")
    await say(kp, LAURA, "1")  # skip
    done = await say(kp, LAURA, "Saying more words")
    assert _to(done, LAURA) == ["Thank you. We will talk about what you said at the meeting."]
    views = (
        "Views for review P-1001 of Amelia (Monday 7 December 10:00) from Laura Hughes, "
        "written in en:\nGoing well: She loves painting and sings all the time\n"
        "Worries: (not answered)\nTo work on next: Saying more words"
    )
    assert _to(done, TOM) == [views] and _to(done, PRIYA) == [views]
    clock.now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)  # 09:00 the day before: already sent
    assert not _to(await _fire(kp), TOM)
    again = await say(kp, LAURA, "VIEWS")
    assert _to(again, LAURA) == ["There are no questions waiting for you just now."]
    await kp.db.close()


async def test_a_family_that_skips_every_question(tmp_path: Path) -> None:
    clock = Clock(NOW)
    kp = await _keyperson(tmp_path, clock)
    await _review(kp)
    await _fire(kp)
    await say(kp, LAURA, "I can come")
    clock.now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    await _fire(kp)
    await say(kp, LAURA, "Skip this question")
    await say(kp, LAURA, "1")
    done = await say(kp, LAURA, "skip this question")
    assert _to(done, PRIYA) == [
        "Views for review P-1001 of Amelia (Monday 7 December 10:00) from Laura Hughes, "
        "written in en:\nGoing well: (not answered)\nWorries: (not answered)\n"
        "To work on next: (not answered)"
    ]
    await kp.db.close()


async def test_views_not_finished_go_to_staff_at_nine_the_day_before(tmp_path: Path) -> None:
    clock = Clock(NOW)
    kp = await _keyperson(tmp_path, clock)
    await _review(kp)
    await _fire(kp)
    await say(kp, LAURA, "I can come")
    clock.now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    await _fire(kp)
    await say(kp, LAURA, "Her words")
    await say(kp, LAURA, "not now")
    clock.now = datetime(2026, 12, 6, 8, 59, tzinfo=UTC)
    assert not _to(await _fire(kp), TOM)
    clock.now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    rows = await _fire(kp)
    assert _to(rows, TOM)[0].endswith("Going well: Her words\nWorries: (not answered)\n"
                                       "To work on next: (not answered)")  # fmt: skip
    await kp.db.close()


async def test_reminders_at_review_days_before_to_family_and_staff(tmp_path: Path) -> None:
    clock = Clock(NOW)
    kp = await _keyperson(tmp_path, clock)
    await _review(kp)
    await _fire(kp)
    await say(kp, LAURA, "I can come")
    clock.now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # 7 days before at 10:00
    rows = await _fire(kp)
    assert _to(rows, LAURA) == [
        "A reminder: the meeting about Amelia is on Monday 7 December 10:00, at nursery."
    ]
    assert (
        _to(rows, TOM)
        == _to(rows, PRIYA)
        == [
            "Reminder: review P-1001 of Amelia (SEN support plan review) is on Monday 7 December "
            "10:00, at nursery."
        ]
    )
    await kp.db.close()


async def test_a_moved_review_asks_again_and_its_old_reminders_never_fire(tmp_path: Path) -> None:
    clock = Clock(NOW)
    kp = await _keyperson(tmp_path, clock)
    review = (await _review(kp)).review
    await _fire(kp)
    await say(kp, LAURA, "I can come")
    later = datetime(2026, 12, 14, 14, 0, tzinfo=LONDON)
    async with kp.db.transaction() as repos:
        await admin.move(repos, kp.profile, review, later, "cli", clock.now)
    rows = await _fire(kp)
    (moved,) = _to(rows, LAURA)
    assert "New time: Monday 14 December 14:00" in moved
    assert _labels(rows, LAURA)[0] == "I can come"
    clock.now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # the old 7-day reminder's time
    assert _to(await _fire(kp), LAURA) == []
    clock.now = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # the new one's
    assert _to(await _fire(kp), LAURA) == [
        "A reminder: the meeting about Amelia is on Monday 14 December 14:00, at nursery."
    ]
    await kp.db.close()


async def test_a_cancelled_review_tells_the_family_and_nothing_else_fires(tmp_path: Path) -> None:
    clock = Clock(NOW)
    kp = await _keyperson(tmp_path, clock)
    review = (await _review(kp)).review
    await _fire(kp)
    await say(kp, LAURA, "I can come")
    async with kp.db.transaction() as repos:
        await admin.cancel(repos, kp.profile, review, "cli", clock.now)
    assert _to(await _fire(kp), LAURA) == [
        "The meeting about Amelia on Monday 7 December 10:00 is cancelled. We will be in touch "
        "about a new time."
    ]
    for day in (30, 2, 6):
        clock.now = datetime(2026, 11 if day == 30 else 12, day, 10, 0, tzinfo=UTC)
        assert await _fire(kp) == []
    await kp.db.close()


async def test_the_summary_can_be_agreed_added_to_or_questioned(tmp_path: Path) -> None:
    clock = Clock(NOW)
    kp = await _keyperson(tmp_path, clock)
    review = (await _review(kp)).review
    await _fire(kp)
    await say(kp, LAURA, "I can come")
    clock.now = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    async with kp.db.transaction() as repos:
        sent = await admin.send_summary(
            repos, kp.profile, review, "Amelia will have 10 minutes of talk time each day.",
            "cli", clock.now,
        )  # fmt: skip
    assert sent == 1
    rows = await _fire(kp)
    (summary,) = _to(rows, LAURA)
    assert summary.startswith("Thank you for coming to the meeting about Amelia. What we agreed: "
                              "Amelia will have 10 minutes")  # fmt: skip
    assert _labels(rows, LAURA) == ["I agree", "I'd like to add something", "I have a question"]
    await say(kp, LAURA, "2")
    added = await say(kp, LAURA, "She also likes picture cards at home")
    assert _to(added, PRIYA) == [
        "Review P-1001 of Amelia: Laura Hughes added to the summary: She also likes picture "
        "cards at home"
    ]
    async with kp.db.reading() as repos:
        lines = await admin.listed(repos, kp.setting_id, kp.profile, "C01")
    assert "summary sent 2026-12-07 15:00 +00:00" in lines[0]
    assert lines[1] == (
        '    Laura Hughes: accepted; summary: added "She also likes picture cards at home"'
    )
    await kp.db.close()


async def test_reminders_list_shows_the_review(tmp_path: Path) -> None:
    from bot.admin.reminders import upcoming_lines

    clock = Clock(NOW)
    kp = await _keyperson(tmp_path, clock)
    await _review(kp)
    async with kp.db.reading() as repos:
        lines = await upcoming_lines(
            repos, kp.setting_id, kp.profile, clock.now, clock.now + timedelta(days=14)
        )
    assert (
        lines[0]
        == "2026-11-24 10:00 +00:00  review  Amelia Hughes, review P-1001  to: Laura Hughes"
    )
    assert (
        "2026-11-30 10:00 +00:00  review  Amelia Hughes, review P-1001  "
        "to: Laura Hughes, Tom Baker, Priya Shah"
    ) in lines
    await kp.db.close()


async def test_an_invitation_waits_while_another_question_is_open(tmp_path: Path) -> None:
    clock = Clock(NOW)
    kp = await _keyperson(tmp_path, clock)
    await say(kp, LAURA, "WOW")  # asked for her good news: a question is open
    await _review(kp)
    assert _to(await _fire(kp), LAURA) == []  # the open question keeps its options
    clock.now += timedelta(minutes=10)
    assert _to(await _fire(kp), LAURA) == []
    await say(kp, LAURA, "She counted to ten!")  # the good news: that question is done
    clock.now += timedelta(minutes=10)
    rows = await _fire(kp)
    assert _to(rows, LAURA)[0].startswith("We would like to meet with you")
    assert (await say(kp, LAURA, "1"))[-1].body.startswith("Thank you. We look forward")
    await kp.db.close()


async def test_an_abandoned_question_gives_way_after_an_hour(tmp_path: Path) -> None:
    clock = Clock(NOW)
    kp = await _keyperson(tmp_path, clock)
    await say(kp, LAURA, "WOW")
    await _review(kp)
    for _ in range(6):
        assert _to(await _fire(kp), LAURA) == []
        clock.now += timedelta(minutes=10)
    assert _to(await _fire(kp), LAURA)[0].startswith("We would like to meet with you")
    await kp.db.close()


def test_keyperson_review_add_prints_the_reference(tmp_path, monkeypatch, capsys) -> None:
    from bot import cli
    from tests.harness import DATA, ROOT

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KEYPERSON_DATABASE", str(tmp_path / "k.db"))
    monkeypatch.setenv("KEYPERSON_SETTING_FILE", str(ROOT / "setting.example.toml"))
    monkeypatch.setattr(cli, "SystemClock", lambda: Clock(NOW))
    assert cli.main(["import", "staff", str(DATA / "staff.csv")]) == 0
    assert cli.main(["import", "families", str(DATA / "families.csv")]) == 0
    capsys.readouterr()
    assert cli.main(["review", "add", "--child", "C01", "--at", "2027-03-29 10:00",
                     "--with", "S03", "--kind", "SEN support plan review"]) == 0  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "P-1001: SEN support plan review for Amelia Hughes, 2027-03-29 10:00 +01:00, at the nursery"
    )
    assert out[1] == "invited: Laura Hughes"
    assert cli.main(["review", "add", "--child", "C99", "--at", "2027-03-29 10:00"]) == 1
    assert "no child 'C99'" in capsys.readouterr().err
    assert cli.main(["reminders", "--days", "14"]) == 0
    assert capsys.readouterr().out.startswith(
        "2026-11-24 10:00 +00:00  review  Amelia Hughes, review P-1001  to: Laura Hughes"
    )
    assert cli.main(["review", "summary", "P-1001", "--text", "We agreed an EHCP request."]) == 0
    out = capsys.readouterr().out
    assert 'plain words: "EHCP"' in out and "P-1001: summary sent to 1 family" in out
    assert cli.main(["review", "cancel", "p1001"]) == 0
    assert cli.main(["review", "move", "P-1001", "--at", "2027-04-01 10:00"]) == 1
    assert cli.main(["review", "list"]) == 0
    assert "[cancelled]" in capsys.readouterr().out


async def test_review_from_the_key_persons_phone(tmp_path: Path) -> None:
    clock = Clock(NOW)
    kp = await _keyperson(tmp_path, clock)
    asked = await say(kp, TOM, "REVIEW")
    assert _to(asked, TOM)[0].startswith("Which child is the review for? Choose, or write")
    assert _labels(asked, TOM)[-1] == "Not now" and "Amelia" in _labels(asked, TOM)
    nobody = await say(kp, TOM, "Nobody Atall")
    assert _to(nobody, TOM)[0].startswith("I could not find that child.")
    when = await say(kp, TOM, "amelia hughes")
    assert _to(when, TOM)[0].startswith("When is the review of Amelia Hughes?")
    again = await say(kp, TOM, "next monday")
    assert _to(again, TOM)[0].startswith("Please write the date and time like this: 29/3 10:00.")
    past = await say(kp, TOM, "2026-11-01 10:00")
    assert _to(past, TOM)[0].startswith("That time has passed.")
    await say(kp, TOM, "7/12 10:00")
    confirm = await say(kp, TOM, "At the nursery")
    assert _to(confirm, TOM)[0].startswith(
        "Review of Amelia Hughes: Monday 7 December 10:00, at the nursery. Every carer who is "
        "told about Amelia Hughes will be invited, in their language. Send the invitations?"
    )
    sent = await say(kp, TOM, "1")
    assert _to(sent, TOM)[0].startswith("Thank you. The review of Amelia Hughes is being set up")
    told = await _fire(kp)
    assert _to(told, TOM) == [
        "P-1001: the review of Amelia on Monday 7 December 10:00, at the nursery. "
        "1 family is invited."
    ]
    invited = await _fire(kp)
    assert _to(invited, LAURA)[0].startswith("We would like to meet with you")
    assert "Where: at the nursery." in _to(invited, LAURA)[0]
    assert not _to(invited, DAN)
    clock.now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    reminded = await _fire(kp)
    assert _to(reminded, TOM)[0].startswith("Reminder: review P-1001 of Amelia")
    await kp.db.close()


async def test_a_carer_cannot_schedule_a_review(tmp_path: Path) -> None:
    clock = Clock(NOW)
    kp = await _keyperson(tmp_path, clock)
    rows = await say(kp, LAURA, "REVIEW")
    assert not any("Which child is the review for" in body for body in _to(rows, LAURA))
    await kp.db.close()


async def test_a_review_scheduled_in_the_evening_invites_when_quiet_hours_end(
    tmp_path: Path,
) -> None:
    clock = Clock(datetime(2026, 11, 24, 21, 0, tzinfo=UTC))  # 21:00: quiet until 07:30
    kp = await _keyperson(tmp_path, clock)
    await _review(kp)
    assert _to(await _fire(kp), LAURA) == []
    clock.now = datetime(2026, 11, 25, 7, 29, tzinfo=UTC)
    assert _to(await _fire(kp), LAURA) == []
    clock.now = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
    assert _to(await _fire(kp), LAURA)[0].startswith("We would like to meet with you")
    await kp.db.close()
