"""`keyperson agency` and `keyperson referral` on the command line: what they print, and bad
input refused with a clear message and nothing kept or sent."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from tests import test_cli
from tests.harness import DATA

env = test_cli.env  # the fixture: a temporary database and the example setting
HEADER = (DATA / "families.csv").read_text().splitlines()[0]
# A child whose only carer must not be sent information: nobody can be told about Ruby.
RUBY = "C09,Ruby,Stone,2022-01-01,Oaks,S02,none,P09,Kim Stone,mum,07400 200009,en,no"


@pytest.fixture
def imported(env: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert cli.main(["import", "staff", str(DATA / "staff.csv")]) == 0
    assert cli.main(["import", "families", str(DATA / "families.csv")]) == 0
    extra = env / "ruby.csv"
    extra.write_text(f"{HEADER}\n{RUBY}\n", encoding="utf-8")
    assert cli.main(["import", "families", str(extra)]) == 0
    capsys.readouterr()
    return env


def rows(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(folder / "k.db") as conn:
        return conn.execute(sql).fetchall()


def kept(folder: Path) -> tuple[int, int, int]:
    """Agency contacts, referrals and outbox rows."""
    return tuple(  # type: ignore[return-value]
        rows(folder, f"SELECT COUNT(*) FROM {table}")[0][0]
        for table in ("agency_contacts", "referrals", "outbox")
    )


@pytest.mark.parametrize("command", [["agency"], ["agency", "add"], ["referral", "sent"]])
def test_every_new_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main([*command, "--help"])
    assert done.value.code == 0
    assert "usage: keyperson" in capsys.readouterr().out


def test_agency_add_tells_the_family_and_list_shows_whom_and_when(imported, capsys):
    assert cli.main(
        ["agency", "add", "--child", "c01", "--agency", "health visitor",
         "--what", "we shared Amelia's notes from her check", "--when", "2020-01-02"]
    ) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "recorded: Amelia Hughes (C01), health visitor" in out
    assert "family told: Laura Hughes (mum) by sms" in out
    # Laura only: Dan is on file with receives_information = no.
    (notice,) = rows(imported, "SELECT address, body FROM outbox")
    assert notice[0] == "+447400200001"
    assert notice[1].startswith("About Amelia: we were in touch with the health visitor on ")
    assert cli.main(["agency", "list", "--child", "C01"]) == 0
    listed = capsys.readouterr().out
    assert "Amelia Hughes (C01): health visitor on 2020-01-02 (done, recorded " in listed
    assert "family told: Laura Hughes (mum) by sms at " in listed


@pytest.mark.parametrize(
    ("arguments", "code", "says"),
    [
        (["--child", "C99", "--agency", "portage", "--what", "notes"], 1, "no child C99 on file"),
        (["--child", "C01", "--agency", "portage", "--what", "  "], 2, "--what: must not be empty"),
        (["--child", "C01", "--agency", "", "--what", "notes"], 2, "--agency: must not be empty"),
        (
            ["--child", "C01", "--agency", "portage", "--what", "notes", "--when", "3.12.2026"],
            2,
            "'3.12.2026' is not a date: write YYYY-MM-DD",
        ),
        (
            ["--child", "C01", "--agency", "portage", "--what", "notes", "--when", "2026-02-30"],
            2,
            "is not a date",
        ),
        (
            ["--child", "C01", "--agency", "portage", "--what", "notes", "--when", "2099-01-01"],
            2,
            "add --not-yet to tell the family before it happens",
        ),
        (
            ["--child", "C01", "--agency", "portage", "--what", "notes", "--when", "2020-01-01",
             "--not-yet"],
            2,
            "--when 2020-01-01 is in the past",
        ),
        (
            ["--child", "C01", "--agency", "portage", "--what", "the SENCo sent the EHCP"],
            1,
            "write it plainly, or add --as-written",
        ),
        (
            ["--child", "C09", "--agency", "portage", "--what", "notes"],
            1,
            "nobody in Ruby Stone's family can be told now",
        ),
    ],
)  # fmt: skip
def test_agency_add_refuses_bad_input_and_keeps_nothing(imported, capsys, arguments, code, says):
    assert run(["agency", "add", *arguments]) == code
    assert says in capsys.readouterr().err
    assert kept(imported) == (0, 0, 0)


def run(arguments: list[str]) -> int:
    """The exit code, whether the command returned it or argparse exited with it."""
    try:
        return cli.main(arguments)
    except SystemExit as done:
        return int(done.code or 0)


def test_jargon_may_go_as_written_when_asked_to(imported, capsys):
    arguments = ["--child", "C01", "--agency", "SALT", "--what", "notes from the SENCo"]
    assert cli.main(["agency", "add", *arguments]) == 1
    assert '"SENCo": Families may not know' in capsys.readouterr().err
    assert cli.main(["agency", "add", *arguments, "--as-written"]) == 0
    (body,) = rows(imported, "SELECT body FROM outbox")[0]
    assert "we have been in touch with the speech and language therapist." in body


def test_not_yet_tells_the_family_before_it_happens(imported, capsys):
    arguments = ["--child", "C02", "--agency", "early help", "--what", "we will share your form"]
    assert cli.main(["agency", "add", *arguments, "--when", "2099-03-05", "--not-yet"]) == 0
    assert "planned: Zofia Nowak (C02), early help" in capsys.readouterr().out
    (body,) = rows(imported, "SELECT body FROM outbox")[0]
    # In Polish, Katarzyna's language, with the day written as people say it.
    assert body.startswith(
        "Dotyczy: Zofia. Planujemy kontakt z: early help w dniu czwartek 5 marca"
    )
    assert "Early Help to bezpłatne wsparcie" in body


def test_referral_add_prints_its_reference_and_sent_needs_consent(imported, capsys):
    arguments = ["--to", "speech and language therapy service", "--why", "to help with words"]
    assert cli.main(["referral", "add", "--child", "C01", *arguments]) == 0
    out = capsys.readouterr().out
    assert out.startswith("R-1001: Amelia Hughes (C01) to speech and language therapy service")
    assert "consent asked of: Laura Hughes (mum) by sms" in out
    (body,) = rows(imported, "SELECT body FROM outbox")[0]
    assert "Reply R-1001 YES, R-1001 NO, or R-1001 ASK if you have questions first." in body
    assert cli.main(["referral", "sent", "R-1001"]) == 1
    err = capsys.readouterr().err
    assert "R-1001 cannot be sent: the family has not agreed to it (waiting for the family)" in err
    assert rows(imported, "SELECT sent_at FROM referrals") == [(None,)]
    assert cli.main(["referral", "list"]) == 0
    listed = capsys.readouterr().out
    assert "R-1001  Amelia Hughes (C01) to speech and language therapy service: waiting" in listed
    assert "asked: Laura Hughes (mum) by sms at " in listed


def test_referral_sent_once_the_family_agreed(imported, capsys):
    assert cli.main(["referral", "add", "--child", "C05", "--to", "portage", "--why", "play"]) == 0
    with sqlite3.connect(imported / "k.db") as conn:  # Meera's yes, as the flow keeps it
        conn.execute(
            "INSERT INTO referral_answers (referral_id, carer_id, answer, channel, answered_at) "
            "SELECT r.id, c.id, 'yes', 'sms', '2026-11-24T10:00:00.000000Z' FROM referrals r, "
            "carers c WHERE c.ref = 'P05'"
        )
    assert cli.main(["referral", "sent", "r-1001"]) == 0
    assert "R-1001 recorded as sent to portage; the family was told" in capsys.readouterr().out
    bodies = [b for (b,) in rows(imported, "SELECT body FROM outbox ORDER BY id")]
    assert bodies[-1].startswith("The referral R-1001 for Isla, which you agreed to, has been sent")
    assert cli.main(["referral", "sent", "R-1001"]) == 0
    assert "already recorded as sent" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "code", "says"),
    [
        (["add", "--child", "C77", "--to", "x", "--why", "y"], 1, "no child C77 on file"),
        (["add", "--child", "C01", "--to", "x", "--why", ""], 2, "--why: must not be empty"),
        (["add", "--child", "C09", "--to", "x", "--why", "y"], 1, "nothing was referred"),
        (["sent", "R-4242"], 1, "there is no referral R-4242"),
        (["sent", "next week"], 2, "is not a referral reference such as R-1001"),
    ],
)
def test_referral_refuses_bad_input_and_keeps_nothing(imported, capsys, arguments, code, says):
    assert run(["referral", *arguments]) == code
    assert says in capsys.readouterr().err
    assert kept(imported) == (0, 0, 0)


async def test_in_the_families_quiet_hours_it_says_when_the_notices_go(tmp_path, capsys):
    import argparse
    from datetime import UTC, datetime

    from bot.commands import Admin
    from bot.commands.agency import run_add
    from tests.harness import Clock, make_keyperson

    evening = Clock(datetime(2026, 11, 24, 21, 15, tzinfo=UTC))  # 21:15 in London
    kp = await make_keyperson(tmp_path, evening)
    try:
        admin = Admin(kp.settings, kp.db, kp.setting_id, kp.profile, kp.clock)
        arguments = argparse.Namespace(
            child="C01", agency="portage", what="we will ask about visits", when=None,
            not_yet=True, as_written=False,
        )  # fmt: skip
        assert await run_add(arguments, admin) == 0
        out = capsys.readouterr().out
        assert (
            "family told: Laura Hughes (mum) by sms (it is their quiet hours: the messages go "
            "tomorrow at 07:30)" in out
        )
        async with kp.db.reading() as repos:
            (row,) = await repos.outbox.for_address("sms", "+447400200001")
        assert row.next_attempt_at == datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
    finally:
        await kp.db.close()
