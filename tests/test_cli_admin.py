"""The keyperson command for managers: importing families as nurseries have them, marking
leavers, and the contacts report."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
from bot.importer import FAMILY_COLUMNS
from tests import test_cli
from tests.harness import DATA
from tests.test_leavers import ROWS

env = test_cli.env  # the fixture: a temporary database and the example setting


class Terminal:
    """Standard input as a person at a terminal has it."""

    def isatty(self) -> bool:
        return True


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
