"""`keyperson language review LANG`: every message beside English, placeholders filled."""

from __future__ import annotations

import re

import pytest

from bot import cli
from bot.commands.language import review
from bot.language.catalogs import Catalogs
from tests.harness import ROOT


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KEYPERSON_DATABASE", str(tmp_path / "k.db"))
    monkeypatch.setenv("KEYPERSON_SETTING_FILE", str(ROOT / "setting.example.toml"))
    return tmp_path


def test_every_message_is_shown_beside_english_with_samples(env, capsys):
    assert cli.main(["language", "review", "pl"]) == 0
    out = capsys.readouterr().out
    english = Catalogs.load().messages["en"]
    for key in english:
        assert f"\n{key}\n  en" in out
    assert "  pl: Dzień dobry, Laura Hughes." in out
    # Every placeholder the catalogs use has a sample: none is left as {name} or [name].
    assert not re.search(r"\{[a-z_]+\}", out)
    assert not re.search(r"\[[a-z_]+\]", out)


def test_plural_messages_show_each_form():
    lines = review("pl")
    assert any(line.startswith("  pl (n=5): ") for line in lines)
    assert any(line.startswith("  pl (n=2): ") for line in lines)


def test_a_message_the_catalog_lacks_is_marked(monkeypatch):
    loaded = Catalogs.load()
    partial = {**loaded.messages, "xx": {"help.sms": "xx"}}
    monkeypatch.setattr(Catalogs, "load", classmethod(lambda cls: Catalogs(partial)))
    lines = review("xx")
    assert lines[0] == f"# xx: 1 of {len(loaded.messages['en'])} messages"
    assert "  xx: MISSING" in lines


def test_an_unknown_language_is_named(env, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["language", "review", "zz"])
    assert "no catalog for 'zz'" in str(stopped.value)
