"""`keyperson detect-language`: a code (or und) and a confidence per line of standard input."""

from __future__ import annotations

import io

import pytest

from bot import cli
from tests.harness import ROOT

LINES = [
    "Dziękuję bardzo za wiadomość, była dziś bardzo zadowolona",
    "Thank you for the lovely photos, he was so proud of his painting",
    "ok",
    "Muchas gracias, estaba muy contento con su dibujo",
]


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KEYPERSON_DATABASE", str(tmp_path / "k.db"))
    monkeypatch.setenv("KEYPERSON_SETTING_FILE", str(ROOT / "setting.example.toml"))
    return tmp_path


def run(monkeypatch, capsys, *args: str) -> list[list[str]]:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(LINES) + "\n"))
    assert cli.main(["detect-language", *args]) == 0
    return [line.split("\t") for line in capsys.readouterr().out.splitlines()]


def test_each_line_gets_a_code_and_a_confidence(env, monkeypatch, capsys):
    rows = run(monkeypatch, capsys, "--languages", "en,pl,es")
    assert [code for code, _ in rows] == ["pl", "en", "und", "es"]
    assert all(0.0 <= float(confidence) <= 1.0 for _, confidence in rows)
    assert float(rows[0][1]) >= 0.9


def test_the_settings_languages_by_default(env, monkeypatch, capsys):
    # The example setting offers English and Polish: Spanish is not among them.
    rows = run(monkeypatch, capsys)
    assert [code for code, _ in rows] == ["pl", "en", "und", "und"]


def test_an_empty_language_list_is_refused(env, capsys):
    with pytest.raises(SystemExit):
        cli.main(["detect-language", "--languages", ","])
    assert "at least one language" in capsys.readouterr().err
