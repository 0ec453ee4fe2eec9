"""The keyperson command: help, init, import with problems, configuration errors."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import sys
from asyncio.subprocess import PIPE
from datetime import UTC, datetime

import httpx
import pytest

from bot import cli
from bot.config import Settings
from bot.demo import demo_clock
from bot.engine.backoff import waits
from bot.handlers.startup import Channels, check_channels, describe
from tests.fakes.telegram_api import TOKEN, fake_telegram, serve_fake_telegram
from tests.fakes.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FakeTwilio,
    free_port,
    running_fake_twilio,
    serve_app,
)
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
        "TWILIO_API_URL",
        "KEYPERSON_LOG_LEVEL",
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
    assert "inbound messages are stored beside it, in " in out and "-inbound.db" in out


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


@pytest.mark.parametrize(
    ("key", "value"), [("KEYPERSON_PORT", "eighty"), ("KEYPERSON_LOG_LEVEL", "loud")]
)
def test_configuration_error_names_the_key(env, monkeypatch, capsys, key, value):
    monkeypatch.setenv(key, value)
    assert cli.main(["init"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"keyperson: {key}: ")


def test_serve_without_any_channel_names_the_keys(env, capsys):
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in err and "TWILIO_ACCOUNT_SID" in err


def test_telegram_webhook_needs_its_secret(env, monkeypatch, capsys):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("KEYPERSON_PUBLIC_URL", "https://keyperson.example")
    assert cli.main(["serve"]) == 2
    assert "TELEGRAM_WEBHOOK_SECRET" in capsys.readouterr().err


def imported(env, capsys) -> None:
    cli.main(["import", "staff", str(DATA / "staff.csv")])
    cli.main(["import", "families", str(DATA / "families.csv")])
    capsys.readouterr()


def code_of(out: str) -> str:
    return next(line.split()[1] for line in out.splitlines() if line.startswith("code:"))


async def test_invite_prints_the_real_bot_username_and_link(env, monkeypatch, capsys):
    await asyncio.to_thread(imported, env, capsys)
    async with serve_fake_telegram(fake_telegram()) as url:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_API_URL", url)
        assert await asyncio.to_thread(cli.main, ["invite", "--carer", "P01"]) == 0
    out = capsys.readouterr()
    code = code_of(out.out)
    assert "Laura Hughes" in out.out and "bot: @KeypersonTestBot" in out.out
    assert f"link: https://t.me/KeypersonTestBot?start={code}" in out.out
    assert out.err == ""


@pytest.mark.parametrize(
    ("token", "api", "why"),
    [
        (None, None, "TELEGRAM_BOT_TOKEN is not set"),
        ("987654:AAEthis-token-is-not-the-fakes-one", "fake", "Telegram refused this token"),
        (TOKEN, "http://127.0.0.1:9", "cannot reach Telegram at http://127.0.0.1:9"),
    ],
    ids=["no token", "refused token", "no network"],
)
async def test_invite_without_a_username_says_why_in_one_line(
    env, monkeypatch, capsys, token, api, why
):
    await asyncio.to_thread(imported, env, capsys)
    async with serve_fake_telegram(fake_telegram()) as url:
        if token is not None:
            monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
            monkeypatch.setenv("TELEGRAM_API_URL", url if api == "fake" else api)
        assert await asyncio.to_thread(cli.main, ["invite", "--staff", "S04", "--days", "3"]) == 1
    out = capsys.readouterr()
    assert code_of(out.out)  # the code is made and stored all the same
    assert "link:" not in out.out and "t.me/<" not in out.out
    (line,) = out.err.strip().splitlines()
    assert "could not be read" in line and why in line
    assert token is None or token not in out.err


def test_invite_warns_about_a_carer_who_receives_no_information(env, capsys):
    imported(env, capsys)
    cli.main(["invite", "--carer", "P02"])  # Dan Hughes: receives_information = no for Amelia
    err = capsys.readouterr().err
    warning = next(line for line in err.splitlines() if line.startswith("warning:"))
    assert "Dan Hughes" in warning and "receives_information = no for Amelia" in warning
    assert "nothing about Amelia" in warning
    cli.main(["invite", "--carer", "P01"])
    assert "warning:" not in capsys.readouterr().err


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


# --- serve: start-up in one line ----------------------------------------------------------------

WRONG_TOKEN = "987654:AAEthis-token-is-not-the-fakes-one"


def serve_env(tmp_path, **values: str) -> dict[str, str]:
    """The environment of a `keyperson serve` child process: these keys and nothing stray."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("KEYPERSON_", "TWILIO_"))}
    keep = {k: v for k, v in keep.items() if not k.startswith("TELEGRAM_")}
    return {
        **keep,
        "PYTHONPATH": str(ROOT),
        "KEYPERSON_DATABASE": str(tmp_path / "k.db"),
        "KEYPERSON_SETTING_FILE": str(ROOT / "setting.example.toml"),
        **values,
    }


async def serve_until_exit(tmp_path, env: dict[str, str]) -> tuple[int, str, str]:
    """Run `python -m bot serve` until it exits by itself; (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve",
        cwd=tmp_path, env=env, stdout=PIPE, stderr=PIPE,
    )  # fmt: skip
    try:
        # A guard against the old hang, not a timing assertion: start-up takes about a second.
        out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_serve_with_a_refused_bot_token_exits_in_one_line(tmp_path):
    async with serve_fake_telegram(fake_telegram()) as url:
        env = serve_env(tmp_path, TELEGRAM_BOT_TOKEN=WRONG_TOKEN, TELEGRAM_API_URL=url)
        code, out, err = await serve_until_exit(tmp_path, env)
    assert code == 2
    (line,) = err.strip().splitlines()
    assert line.startswith("keyperson: TELEGRAM_BOT_TOKEN: Telegram refused this token")
    assert "@BotFather" in line
    assert WRONG_TOKEN.split(":")[1] not in out + err and "Traceback" not in out + err


@pytest.mark.parametrize(
    ("account", "key"),
    [("refused", "TWILIO_AUTH_TOKEN: Twilio refused"), ("suspended", "TWILIO_ACCOUNT_SID")],
)
async def test_serve_with_refused_twilio_credentials_exits_in_one_line(tmp_path, account, key):
    async with running_fake_twilio() as twilio:
        if account == "suspended":
            twilio.account_status = "suspended"
        env = serve_env(
            tmp_path,
            KEYPERSON_PUBLIC_URL="https://keyperson.example",
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN="not-the-auth-token" if account == "refused" else AUTH_TOKEN,
            TWILIO_FROM_NUMBER="+447700900999",
            TWILIO_API_URL=twilio.url,
        )
        code, out, err = await serve_until_exit(tmp_path, env)
    assert code == 2
    (line,) = err.strip().splitlines()
    assert line.startswith(f"keyperson: {key}")
    assert "not-the-auth-token" not in out + err and "Traceback" not in out + err


async def test_serve_says_which_channels_are_on_and_the_addresses_to_give(tmp_path):
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    fake = fake_telegram()
    async with serve_fake_telegram(fake) as url, running_fake_twilio() as twilio:
        env = serve_env(
            tmp_path,
            KEYPERSON_PORT=str(port),
            KEYPERSON_PUBLIC_URL=public,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_WEBHOOK_SECRET="a-long-random-webhook-secret",
            TELEGRAM_API_URL=url,
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            TWILIO_FROM_NUMBER="+447700900999",
            TWILIO_API_URL=twilio.url,
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve",
            cwd=tmp_path, env=env, stdout=PIPE, stderr=PIPE,
        )  # fmt: skip
        try:
            async with httpx.AsyncClient(base_url=public) as http:
                await until_healthy(http, process)
        finally:
            process.send_signal(signal.SIGINT)
            out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    sms, telegram = out.decode().splitlines()[1:3]
    assert sms.startswith("SMS: on") and f"POST {public}/webhooks/twilio/sms (" in sms
    assert telegram.startswith("Telegram: on as @KeypersonTestBot, by webhook")
    assert f"{public}/webhooks/telegram " in telegram
    assert fake.called("setWebhook")[-1]["url"] == f"{public}/webhooks/telegram"


async def until_healthy(http: httpx.AsyncClient, process: asyncio.subprocess.Process) -> None:
    """Return once /healthz answers 200; fail if the server exits first."""
    while process.returncode is None:
        try:
            if (await http.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"serve exited with {process.returncode}")


def test_serve_by_polling_says_so(tmp_path):
    channels = Channels(telegram_username="KeypersonTestBot", twilio_account=None)
    sms, telegram = describe(Settings(telegram_bot_token=TOKEN), channels)
    assert sms.startswith("SMS: off (set TWILIO_ACCOUNT_SID")
    assert telegram.startswith("Telegram: on as @KeypersonTestBot, by polling")


@pytest.mark.parametrize("provider", ["telegram", "twilio"])
async def test_no_network_at_start_is_said_in_one_line_and_tried_again(caplog, provider):
    caplog.set_level("WARNING")
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, not listening: every connection is refused
    url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    if provider == "telegram":
        settings = Settings(telegram_bot_token=TOKEN, telegram_api_url=url)
        app, said = fake_telegram().app, f"cannot reach Telegram at {url} (NetworkError from"
    else:
        settings = Settings(
            public_url="https://keyperson.example",
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_from_number="+447700900999",
            twilio_api_url=url,
        )
        app, said = FakeTwilio().app, f"cannot reach Twilio at {url} (ClientConnectorError)"
    checking = asyncio.create_task(check_channels(settings, lambda: itertools.repeat(0.05)))
    while len(caplog.records) < 2:  # two tries failed, each said once
        assert not checking.done(), checking
        await asyncio.sleep(0.01)
    async with serve_app(app, sock=closed):  # the network comes back
        channels = await checking
    assert (channels.telegram_username or channels.twilio_account) is not None
    lines = [record.getMessage() for record in caplog.records]
    assert lines[0].startswith(said) and lines[0].endswith("; trying again in 0 s"), lines[0]
    assert all("\n" not in line for line in lines)
    assert all(record.exc_info is None and not record.exc_text for record in caplog.records)


def test_backoff_doubles_up_to_a_minute():
    assert list(itertools.islice(waits(), 8)) == [2, 4, 8, 16, 32, 60, 60, 60]


# --- demo: a clock that starts at a chosen moment ----------------------------------------------

DEMO_LAURA = "+447700900101"


def test_demo_at_takes_a_local_time_and_refuses_anything_else(capsys):
    args = cli.parser().parse_args(["demo", "--at", "2026-12-01 07:25"])
    assert args.at == datetime(2026, 12, 1, 7, 25)
    with pytest.raises(SystemExit) as done:
        cli.parser().parse_args(["demo", "--at", "tomorrow at 7"])
    assert done.value.code == 2
    assert "--at: 'tomorrow at 7' is not a local time like 2026-12-01 07:25" in (
        capsys.readouterr().err
    )


def test_the_demo_clock_starts_at_the_local_moment_and_runs_on():
    clock = demo_clock(datetime(2026, 7, 1, 7, 25))  # London is on summer time in July
    first, second = clock(), clock()
    assert first.tzinfo is not None and first <= second
    assert first.astimezone(UTC).replace(second=0, microsecond=0) == datetime(
        2026, 7, 1, 6, 25, tzinfo=UTC
    )


async def test_demo_started_at_a_moment_runs_its_simulator_at_that_moment(tmp_path):
    port = free_port()
    env = serve_env(tmp_path, KEYPERSON_HOST="127.0.0.1", TMPDIR=str(tmp_path))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "demo", "--port", str(port), "--at", "2026-12-01 07:25",
        cwd=tmp_path, env=env, stdout=PIPE, stderr=PIPE,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            await until_healthy(http, process)
            sent = await http.post(
                "/simulator/api/send", json={"address": DEMO_LAURA, "text": "Hi"}
            )
            assert sent.status_code == 200, sent.text
            conversation = await http.get("/simulator/api/messages", params={"address": DEMO_LAURA})
            first = conversation.json()["messages"][0]
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0
    assert first["text"] == "Hi" and str(first["at"]).startswith("2026-12-01T07:25")
    assert "the clock starts at 2026-12-01 07:25" in out.decode()


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
