"""The keyperson command for managers: importing families as nurseries have them, marking
leavers, and the contacts report."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import cli
from bot.admin.importer import FAMILY_COLUMNS, import_families
from bot.admin.reports import CONTACT_COLUMNS
from bot.domain.messages import Channel
from bot.domain.people import PersonKind
from tests import test_cli
from tests.harness import DAN, DATA, KASIA, LAURA, TOM, FakeSender, make_keyperson, say
from tests.test_leavers import ROWS
from tests.test_shared_phones import MARK

env = test_cli.env  # the fixture: a temporary database and the example setting


class Terminal:
    """Standard input as a person at a terminal has it."""

    def isatty(self) -> bool:
        return True


def cells(line: str) -> dict[str, str]:
    """A line of the contacts report, cut at its fixed widths."""
    found, start = {}, 0
    for name, width in CONTACT_COLUMNS:
        found[name] = (line[start : start + width] if width else line[start:]).strip()
        start += width + 1
    return found


def families(folder: Path, rows: list[str], delimiter: str = ",") -> Path:
    path = folder / "families_now.csv"
    lines = [",".join(FAMILY_COLUMNS), *rows]
    path.write_text("\n".join(line.replace(",", delimiter) for line in lines) + "\n", "utf-8")
    return path


WITHOUT_ISLA = [row for row in ROWS if not row.startswith("C05,")]


def imported(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", "staff", str(DATA / "staff.csv")]) == 0
    assert cli.main(["import", "families", str(DATA / "families.csv")]) == 0
    capsys.readouterr()


def left_refs(env_path: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(env_path / "k.db") as conn:
        rows = conn.execute(
            "SELECT ref FROM carers WHERE left_at IS NOT NULL UNION ALL "
            "SELECT ref FROM children WHERE left_at IS NOT NULL ORDER BY 1"
        ).fetchall()
    return [row[0] for row in rows]


def test_an_import_that_leaves_people_out_says_so_in_one_line(env, capsys):
    imported(capsys)
    assert cli.main(["import", "families", str(families(env, WITHOUT_ISLA))]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == (
        f"note: 1 child and 1 carer on file are not in {env / 'families_now.csv'} and still get "
        "messages (C05, P05); import again with --remove-missing to mark them left"
    )
    assert left_refs(env) == []


@pytest.mark.parametrize(("answer", "code", "left"), [("yes", 0, ["C05", "P05"]), ("no", 1, [])])
def test_remove_missing_lists_them_and_asks(env, capsys, monkeypatch, answer, code, left):
    imported(capsys)
    asked = []
    monkeypatch.setattr(cli.sys, "stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or answer)
    path = families(env, WITHOUT_ISLA)
    assert cli.main(["import", "families", str(path), "--remove-missing"]) == code
    out = capsys.readouterr()
    assert "  child  C05      Isla Patel (and every carer's link to them)" in out.out
    assert "  carer  P05      Meera Patel" in out.out
    assert asked == ["Mark 1 child and 1 carer left? Type yes to go on: "]
    assert left_refs(env) == left
    if answer == "yes":
        assert "marked left: 1 child and 1 carer" in out.out
    else:
        assert "nothing was changed" in out.err


def test_remove_missing_without_a_terminal_needs_yes(env, capsys):
    imported(capsys)
    path = families(env, WITHOUT_ISLA)
    assert cli.main(["import", "families", str(path), "--remove-missing"]) == 1
    assert "add --yes" in capsys.readouterr().err
    assert left_refs(env) == []
    assert cli.main(["import", "families", str(path), "--remove-missing", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "  carer  P05      Meera Patel" in out and "marked left: 1 child and 1 carer" in out
    assert left_refs(env) == ["C05", "P05"]


def test_remove_missing_is_for_families_only(env, capsys):
    staff = str(DATA / "staff.csv")
    assert cli.main(["import", "staff", staff, "--remove-missing"]) == 2
    assert "for families only" in capsys.readouterr().err


def test_a_semicolon_file_with_uk_dates_is_imported_and_named(env, capsys):
    imported(capsys)
    rows = [row.replace("2022-03-14", "14/03/2022") for row in ROWS]
    path = families(env, rows, ";")
    assert cli.main(["import", "families", str(path)]) == 0
    assert capsys.readouterr().out == f"imported 6 row(s) from {path} (cells separated by ';')\n"


def test_a_language_the_setting_does_not_offer_is_refused_with_the_offered_ones(env, capsys):
    imported(capsys)
    rows = [ROWS[0].replace(",en,yes", ",de,yes"), *ROWS[1:]]
    assert cli.main(["import", "families", str(families(env, rows))]) == 1
    err = capsys.readouterr().err
    where = env / "families_now.csv"
    assert f"{where}:2: language: 'de' is not a language the setting offers (en, pl)" in err
    assert "nothing was imported" in err


def test_report_contacts_shows_how_each_person_is_reached(env, capsys):
    async def history() -> None:
        sms = FakeSender()
        kp = await make_keyperson(env, sender=sms)
        # Mark shares Laura's phone; Isla and her grandmother (P05) have left.
        await import_families(
            kp.db,
            kp.setting_id,
            families(env, [*WITHOUT_ISLA, MARK]),
            "GB",
            remove_missing=True,
            now=kp.clock(),
        )
        await say(kp, LAURA, "Hi")
        to_tom, _ = await say(kp, LAURA, "Is Amelia warm enough?")
        await say(kp, TOM, "hi")
        code = next(word for word in to_tom.body.split() if word.startswith("#"))
        await say(kp, TOM, f"{code} Yes she is")
        await say(kp, KASIA, "STOP")
        async with kp.db.transaction() as repos:
            laura = await repos.people.contact("sms", LAURA)
            await repos.links.link(
                kp.setting_id, "telegram", "447400200001", PersonKind.CARER, laura.person_id,
                datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
            )  # fmt: skip
            await repos.links.set_reachable("telegram", "447400200001", False)
            await repos.links.set_preference(PersonKind.CARER, laura.person_id, "telegram")
            await repos.news.set_update_mode(laura.person_id, "weekly", "16:00", 4)
        while rows := await kp.dispatcher._claim(Channel.SMS, 100):
            for row in rows:
                await kp.dispatcher.send_one(sms, row)
        await kp.stop()

    asyncio.run(history())
    capsys.readouterr()
    assert cli.main(["report", "contacts"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:4] == ["who", "ref", "name", "channels"]
    row = {
        cells(line)["ref"]: cells(line) for line in lines[2:] if line[:6] in ("staff ", "carer ")
    }
    assert set(row) == {"S01", "S02", "S03", "S04", "S05", "P01", "P02", "P03", "P04", "P06"}
    assert row["P01"] == {
        "who": "carer", "ref": "P01", "name": "Laura Hughes", "channels": "sms telegram",
        "prefers": "telegram", "stopped": "-", "unreachable": "telegram (blocked)",
        "updates": "weekly Fri 16:00", "last in": "2026-11-24 10:00",
        "last out": "2026-11-24 10:00", "note": "",
    }  # fmt: skip
    shared = {**row["P01"], "ref": "P06", "name": "Mark Hughes", "note": "shares the phone of P01"}
    assert row["P06"] == shared
    assert lines[-3] == "10 people; 1 carer who left is not listed. Phone numbers are not shown."
    assert (row["P03"]["channels"], row["P03"]["stopped"]) == ("sms", "sms")
    assert (row["P02"]["updates"], row["P02"]["note"]) == ("-", "not told about Amelia")
    assert (row["P04"]["channels"], row["P04"]["last in"]) == ("sms*", "never")
    assert row["S04"]["channels"] == "sms" and row["S04"]["last out"] == "2026-11-24 10:00"
    assert row["S05"]["note"] == "no phone on file"
    for line in lines:  # names and refs, never a number
        for number in (LAURA, DAN, KASIA, LAURA[3:], "447400200001"):
            assert number not in line
