"""The keyperson command: help, init, import with problems, configuration errors."""

from __future__ import annotations

import pytest

from bot import cli
from tests.fakes.telegram_api import TOKEN
from tests.harness import DATA, ROOT


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    monkeypatch.setenv("KEYPERSON_DATABASE", str(tmp_path / "k.db"))
    monkeypatch.setenv("KEYPERSON_SETTING_FILE", str(ROOT / "setting.example.toml"))
    for key in (
        "KEYPERSON_PUBLIC_URL",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_FROM_NUMBER",
        "TWILIO_MESSAGING_SERVICE_SID",
        "KEYPERSON_PORT",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_WEBHOOK_SECRET",
        "TELEGRAM_API_URL",
    ):
        monkeypatch.delenv(key, raising=False)
    return tmp_path


@pytest.mark.parametrize(
    "command", [[], ["init"], ["import"], ["serve"], ["demo"], ["invite"], ["report"]]
)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main([*command, "--help"])
    assert done.value.code == 0
    assert "usage: keyperson" in capsys.readouterr().out


def test_init_then_import_staff_and_families(env, capsys):
    assert cli.main(["init"]) == 0
    assert cli.main(["import", "staff", str(DATA / "staff.csv")]) == 0
    assert cli.main(["import", "families", str(DATA / "families.csv")]) == 0
    out = capsys.readouterr().out
    assert "Little Acorns Nursery" in out and "imported 5 row(s)" in out


def test_a_bad_file_prints_every_problem_and_changes_nothing(env, tmp_path, capsys):
    bad = tmp_path / "staff.csv"
    bad.write_text(
        "staff_ref,name,roles,phone,languages,cover_ref\n"
        "S1,,cook,07400 100001,en,\nS2,Ann,manager,12,en,\n"
    )
    assert cli.main(["import", "staff", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2: name:" in err and f"{bad}:2: roles:" in err and f"{bad}:3: phone:" in err
    assert "nothing was imported" in err


def test_configuration_error_names_the_key(env, monkeypatch, capsys):
    monkeypatch.setenv("KEYPERSON_PORT", "eighty")
    assert cli.main(["init"]) == 2
    assert "KEYPERSON_PORT" in capsys.readouterr().err


def test_serve_without_any_channel_names_the_keys(env, capsys):
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in err and "TWILIO_ACCOUNT_SID" in err


def test_telegram_webhook_needs_its_secret(env, monkeypatch, capsys):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("KEYPERSON_PUBLIC_URL", "https://keyperson.example")
    assert cli.main(["serve"]) == 2
    assert "TELEGRAM_WEBHOOK_SECRET" in capsys.readouterr().err


def test_invite_prints_a_one_time_code_and_link(env, monkeypatch, capsys):
    cli.main(["import", "staff", str(DATA / "staff.csv")])
    cli.main(["import", "families", str(DATA / "families.csv")])
    capsys.readouterr()
    assert cli.main(["invite", "--carer", "P01"]) == 0
    out = capsys.readouterr()
    code = next(line.split()[1] for line in out.out.splitlines() if line.startswith("code:"))
    assert "Laura Hughes" in out.out and f"?start={code}" in out.out
    assert "TELEGRAM_BOT_TOKEN" in out.err
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:9")  # nothing listens there
    assert cli.main(["invite", "--staff", "S04", "--days", "3"]) == 0
    assert "could not ask Telegram" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--carer", "NOPE"], "no carer with ref 'NOPE'"),
        (["--staff", "S04", "--days", "0"], "--days"),
    ],
)
def test_invite_problems_are_explained(env, capsys, args, message):
    cli.main(["import", "staff", str(DATA / "staff.csv")])
    assert cli.main(["invite", *args]) == 1
    assert message in capsys.readouterr().err


async def test_bot_username_comes_from_get_me():
    from bot.handlers.telegram_web import bot_username
    from tests.fakes.telegram_api import fake_telegram, serve_fake_telegram

    async with serve_fake_telegram(fake_telegram()) as url:
        assert await bot_username(TOKEN, url) == "KeypersonTestBot"


def test_missing_setting_file_is_named(env, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("KEYPERSON_SETTING_FILE", str(tmp_path / "nope.toml"))
    assert cli.main(["init"]) == 2
    assert "KEYPERSON_SETTING_FILE" in capsys.readouterr().err


def test_report_engagement_lists_every_child_and_who_has_heard_nothing(env, capsys):
    cli.main(["import", "staff", str(DATA / "staff.csv")])
    cli.main(["import", "families", str(DATA / "families.csv")])
    capsys.readouterr()
    assert cli.main(["report", "engagement"]) == 0
    out = capsys.readouterr().out
    assert "Amelia Hughes" in out and "never" in out and "no update for 3+ opening days" in out
    assert "5 children; 5 with no recent update" in out


async def test_logs_never_hold_the_bot_token(caplog):
    from bot.handlers.telegram_web import bot_username
    from tests.fakes.telegram_api import fake_telegram, serve_fake_telegram

    cli.configure_logging()
    caplog.set_level("INFO")
    async with serve_fake_telegram(fake_telegram()) as url:
        await bot_username(TOKEN, url)
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text


def test_init_notes_each_text_a_language_offered_lacks(env, tmp_path, monkeypatch, capsys):
    example = (ROOT / "setting.example.toml").read_text(encoding="utf-8")
    assert cli.main(["init"]) == 0
    assert "note:" not in capsys.readouterr().out  # the example gives both texts in Polish
    without = example.replace('concern_steps = "Sarah porozmawia', 'x = "', 1)
    without = "\n".join(line for line in without.splitlines() if not line.startswith("x = "))
    setting = tmp_path / "setting.toml"
    setting.write_text(without, encoding="utf-8")
    monkeypatch.setenv("KEYPERSON_SETTING_FILE", str(setting))
    assert cli.main(["init"]) == 0
    out = capsys.readouterr().out
    assert (
        "note: setting.toml has no concern_steps in Polish (pl): families reading it get the "
        "English (en) text; add it under [setting.pl]"
    ) in out
    assert "important_contact" not in out
