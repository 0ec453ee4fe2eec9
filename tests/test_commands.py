"""Capabilities add `keyperson` commands and reports as modules of bot.commands."""

from __future__ import annotations

import argparse
import types

import pytest

from bot import cli, commands
from bot.commands import Admin
from tests import test_cli

env = test_cli.env  # the fixture: a temporary database and the example setting


def _fake_group() -> types.ModuleType:
    module = types.ModuleType("bot.commands.fake")

    async def run(args: argparse.Namespace, admin: Admin) -> int:
        async with admin.db.reading() as repos:
            assert repos is not None
        print(f"ran for {admin.profile.name} with {args.word}")
        return 3

    def add(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        fake = subparsers.add_parser("fake", help="a command a capability adds")
        fake.add_argument("word")
        fake.set_defaults(handler=run)

    module.add = add  # type: ignore[attr-defined]
    return module


def test_a_command_module_adds_its_command_and_runs_with_the_database(env, capsys, monkeypatch):
    monkeypatch.setattr(commands, "COMMANDS", ("fake",))
    real = commands._module
    monkeypatch.setattr(
        commands, "_module", lambda name: _fake_group() if name == "fake" else real(name)
    )
    assert cli.main(["fake", "hello"]) == 3
    assert "with hello" in capsys.readouterr().out


def test_reports_of_capabilities_are_offered_by_report(capsys):
    with pytest.raises(SystemExit):
        cli.main(["report", "--help"])
    out = capsys.readouterr().out
    for name, module in commands.reports().items():
        assert name in out
        assert module.HELP.startswith(name)
