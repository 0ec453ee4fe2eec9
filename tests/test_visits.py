"""`keyperson visit add|list|move|cancel` with good and bad input, the repository, and a visit
told to a family of two informed carers (and not to one who may not be told), each answering
as themselves, reminded the day before."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from bot.admin.visits import Request, add_visit, cancel_visit, move_visit
from bot.config import load_settings
from bot.domain.clock import Clock as ClockProtocol
from tests.harness import DAN, LAURA, TOM, Clock, make_keyperson, queued_since, say
from tests.test_absences import DATA, _imported, env  # noqa: F401 (a fixture)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # Tuesday 10:00 in London
SAM = "+447400200006"  # step-dad of Amelia, receives_information = yes (added below)
ADD = [
    "visit", "add", "--child", "C01", "--who", "speech and language therapist",
    "--name", "Jo Reed", "--at", "2026-11-26 10:00",
    "--why", "to see how Amelia is getting on with her words",
]  # fmt: skip


def run(argv: list[str], clock: ClockProtocol | None = None) -> int:
    """One `keyperson` command on a set clock (cli.main would use the system's)."""
    args = cli.parser().parse_args(argv)
    return asyncio.run(cli._admin(args, load_settings(), clock or Clock(NOW)))


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_visit_add_prints_the_reference_and_queues_the_notice(env, capsys):  # noqa: F811
    _imported(capsys)
    assert run(ADD) == 0
    assert capsys.readouterr().out.strip() == "V-1"
    assert run([*ADD[:-1], "to meet the family", "--home"]) == 0
    assert capsys.readouterr().out.strip() == "V-2"
    visits = rows(env / "k.db", "SELECT number, who, name, at, home, state FROM visits")
    assert visits == [
        (1, "speech and language therapist", "Jo Reed", "2026-11-26T10:00:00.000000Z", 0,
         "planned"),
        (2, "speech and language therapist", "Jo Reed", "2026-11-26T10:00:00.000000Z", 1,
         "planned"),
    ]  # fmt: skip
    timers = rows(env / "k.db", "SELECT address, flow, rule, payload FROM reminders")
    assert [t[1:3] for t in timers] == [("visits", "announce")] * 2
    assert timers[0][0] == TOM  # in the key person's name, so it runs in their setting


def test_jargon_in_the_why_and_a_role_the_glossary_lacks_are_noted(env, capsys):  # noqa: F811
    _imported(capsys)
    argv = list(ADD)
    argv[argv.index("--why") + 1] = "SALT will see her"
    argv[argv.index("--who") + 1] = "dietitian"
    assert run(argv) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "V-1"
    assert captured.err.splitlines() == [
        "note: --why says 'SALT', which families may not know; plainer: "
        "'speech and language therapist'",
        "note: 'dietitian' is not in the glossary, so the family reads it as written",
    ]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("--child", "C99"), "--child 'C99': no child on file has this ref"),
        (("--at", "2026-11-23 10:00"), "--at '2026-11-23 10:00' has already passed"),
        (
            ("--at", "2027-03-28 01:30"),
            "--at '2027-03-28 01:30' does not exist in Europe/London: the clocks go forward "
            "that night; choose another time",
        ),
        (("--at", "soon"), "--at 'soon' is not a day and time; write it like 2026-12-03 10:00"),
        (("--why", "  "), "--why is empty: say why they are coming, as the family will read it"),
    ],
)
def test_bad_input_is_one_clear_line_exit_2_and_changes_nothing(env, capsys, change, says):  # noqa: F811
    _imported(capsys)
    argv = list(ADD)
    flag, value = change
    argv[argv.index(flag) + 1] = value
    assert run(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines() == [f"keyperson: {says}"]
    for table in ("visits", "visit_numbers", "reminders", "visit_notices"):
        assert rows(env / "k.db", f"SELECT COUNT(*) FROM {table}") == [(0,)]


def test_move_and_cancel_queue_a_notice_and_refuse_what_cannot_be(env, capsys):  # noqa: F811
    _imported(capsys)
    assert run(ADD) == 0
    assert run(["visit", "move", "V-1", "--at", "2026-11-27 14:00"]) == 0
    assert run(["visit", "cancel", "v1", "--reason", "the therapist is ill"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "V-1", "V-1 moved; the family is told", "V-1 cancelled; the family is told"
    ]  # fmt: skip
    db = env / "k.db"
    assert rows(db, "SELECT at, state, cancel_reason FROM visits") == [
        ("2026-11-27T14:00:00.000000Z", "cancelled", "the therapist is ill")
    ]
    kinds = [r[0] for r in rows(db, "SELECT json_extract(payload, '$.kind') FROM reminders")]
    assert kinds == ["notice", "moved", "cancelled"]
    assert run(["visit", "cancel", "V-1"]) == 2
    assert run(["visit", "move", "V-7", "--at", "2026-11-27 14:00"]) == 2
    assert run(["visit", "move", "V-1x", "--at", "2026-11-27 14:00"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "keyperson: V-1 is already cancelled",
        "keyperson: V-7: no visit has this reference",
        "keyperson: 'V-1x' is not a visit reference like V-12",
    ]


def test_visit_list_shows_state_and_each_answer(env, capsys):  # noqa: F811
    _imported(capsys)
    assert run(ADD) == 0
    assert run(["visit", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("V-1  Thu 2026-11-26 10:00  Amelia Hughes (C01)  ")
    assert "speech and language therapist, Jo Reed  at Little Acorns Nursery  planned" in out[1]
    assert out[2] == "    why: to see how Amelia is getting on with her words"
    assert out[3] == "    Laura Hughes (mum): no answer yet"
    assert len(out) == 4  # Dan may not be told about Amelia: he is not listed as told
    assert run(["visit", "list", "--child", "C02"]) == 0
    assert capsys.readouterr().out.strip() == "no visits"
    assert run(["visit", "list", "--from", "2026-11-27"]) == 0
    assert capsys.readouterr().out.strip() == "no visits"
    assert run(["visit", "list", "--child", "C99"]) == 2


# Through the running flow, on the harness.

SAM_ROW = "C01,Amelia,Hughes,2022-03-14,Acorns,S04,none,P06,Sam Hughes,step-dad,07400 200006,en,yes"


async def _with_sam(tmp_path: Path, clock: Clock):
    from bot.admin.importer import import_families

    kp = await make_keyperson(tmp_path, clock)
    extra = tmp_path / "extra.csv"
    extra.write_text((DATA / "families.csv").read_text().splitlines()[0] + "\n" + SAM_ROW + "\n")
    await import_families(kp.db, kp.setting_id, extra, "GB", now=clock())
    return kp


async def _fire(kp) -> list:
    async with kp.db.reading() as repos:
        last = (await repos.conn.execute_fetchall("SELECT MAX(id) FROM outbox"))[0][0] or 0
    await kp.scheduler.fire_timers()
    await kp.router.drain()
    return await queued_since(kp, last)


async def test_both_informed_carers_are_told_and_each_answer_is_theirs(tmp_path):
    clock = Clock(NOW)
    kp = await _with_sam(tmp_path, clock)
    request = Request("C01", "speech and language therapist", "2026-11-26 10:00", "to see her")
    info = await add_visit(kp.db, kp.setting_id, kp.profile, request, clock())
    told = await _fire(kp)
    assert sorted(r.address for r in told) == [LAURA, SAM]  # not Dan: he may not be told
    assert all(DAN != r.address for r in told)
    notice = next(r for r in told if r.address == LAURA)
    assert "a visit about Amelia (V-1)" in notice.body
    assert "Reply 1 That's fine, 2 I have questions" in notice.body
    # The answers ride as buttons on the row (shown on Telegram; SMS has the numbers).
    assert [c["key"] for c in notice.choices] == [
        "visit:1:fine", "visit:1:questions", "visit:1:be_there", "visit:1:call"
    ]  # fmt: skip

    clock.now += timedelta(minutes=5)
    to_laura = await say(kp, LAURA, "1")
    to_sam = await say(kp, SAM, "4")
    assert any("noted that the visit (V-1) is fine" in r.body for r in to_laura)
    staff = [r for r in to_sam if r.address == TOM]
    assert "Sam Hughes (step-dad) answered: Please call me." in staff[0].body
    async with kp.db.reading() as repos:
        kept = await repos.visits.by_number(kp.setting_id, info.number)
        assert kept is not None
        ids = {m.name: m.carer_id for m in kept.family}
        answers = [(a.carer_id, a.answer, a.channel) for a in kept.answers]
    assert answers == [
        (ids["Laura Hughes (mum)"], "fine", "sms"),
        (ids["Sam Hughes (step-dad)"], "call", "sms"),
    ]
    # Answered: a later "1" is an ordinary message again.
    again = await say(kp, LAURA, "1")
    assert any(r.address == TOM and "message from Laura" in r.body for r in again)
    await kp.db.close()


async def test_the_reminder_the_day_before_and_not_after_a_move(tmp_path):
    clock = Clock(NOW)
    kp = await _with_sam(tmp_path, clock)
    request = Request("C01", "health visitor", "2026-11-26 10:00", "the two-year check")
    await add_visit(kp.db, kp.setting_id, kp.profile, request, clock())
    await _fire(kp)
    clock.now = datetime(2026, 11, 25, 9, 59, tzinfo=UTC)
    assert await _fire(kp) == []  # not yet: [reminders] time is 10:00
    clock.now = datetime(2026, 11, 25, 10, 0, 30, tzinfo=UTC)
    reminded = await _fire(kp)
    assert sorted(r.address for r in reminded) == sorted([LAURA, SAM, TOM])
    assert all("tomorrow" in r.body for r in reminded if r.address != TOM)
    assert "Reminder: visit V-1 about Amelia" in next(r.body for r in reminded if r.address == TOM)

    # Moved to Friday: the Wednesday reminder of the old time is dropped, the new one comes.
    clock.now = NOW
    request = Request("C01", "health visitor", "2026-11-26 11:00", "the two-year check")
    info = await add_visit(kp.db, kp.setting_id, kp.profile, request, clock())
    await _fire(kp)
    await move_visit(kp.db, kp.setting_id, kp.profile, info.reference, "27/11 11:00", clock())
    moved = await _fire(kp)
    assert all("has a new time" in r.body for r in moved)
    clock.now = datetime(2026, 11, 25, 10, 0, 30, tzinfo=UTC)
    assert not [r for r in await _fire(kp) if "V-2" in r.body]
    clock.now = datetime(2026, 11, 26, 10, 0, 30, tzinfo=UTC)
    assert sorted(r.address for r in await _fire(kp) if "V-2" in r.body) == sorted(
        [LAURA, SAM, TOM]
    )
    await cancel_visit(kp.db, kp.setting_id, info.reference, "", clock())
    cancelled = await _fire(kp)
    assert all("is cancelled" in r.body and not r.choices for r in cancelled)
    await kp.db.close()
