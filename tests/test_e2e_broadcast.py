"""A broadcast end to end: `keyperson broadcast` queues into the database of the running
server (another connection, as another process would), the server's dispatcher sends it
through Twilio's API, a family confirms with "1" through the signed webhook, and the report
says where it stands."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import httpx
import pytest

from bot import cli
from bot.config import load_settings
from tests.fakes.twilio_api import running_fake_twilio
from tests.harness import KASIA, LAURA, MAREK, RunningClock
from tests.test_e2e_absence import Sms
from tests.test_e2e_sms import running_keyperson

SNOW = "Closed today because of the snow. Stay safe!"


def _args(*argv: str) -> argparse.Namespace:
    return cli.parser().parse_args(list(argv))


async def _admin(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert await cli._admin(_args(*argv), load_settings(), RunningClock()) == 0
    return capsys.readouterr().out


async def test_a_broadcast_from_the_cli_reaches_families_and_is_confirmed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KEYPERSON_DATABASE", str(tmp_path / "k.db"))
    monkeypatch.setenv(
        "KEYPERSON_SETTING_FILE", str(Path(__file__).parent.parent / "setting.example.toml")
    )
    async with running_fake_twilio() as fake, running_keyperson(tmp_path, fake) as public:
        async with httpx.AsyncClient(base_url=public) as http:
            phone = Sms(http, public, fake)
            await phone.send(LAURA, "Hello")
            await phone.to(LAURA, 1)  # the welcome
            out = await _admin(
                capsys, "broadcast", "--text", SNOW, "--audience", "room:Acorns", "--confirm"
            )
            assert "It reaches 2 families (carers: 2)." in out and "B-1: 2 message(s)" in out
            laura = (await phone.to(LAURA, 2))[-1]
            assert laura == (
                f"Message from Little Acorns Nursery:\n{SNOW}\n\n"
                "Please reply 1 to say you have seen this."
            )
            assert SNOW in (await phone.to(MAREK, 1))[-1]
            assert not [m for m in fake.messages if m["To"] == KASIA]  # Oaks, not Acorns
            await phone.send(LAURA, "1")
            assert (await phone.to(LAURA, 3))[-1] == (
                "Thank you for letting us know you have seen it."
            )
            for _ in range(100):
                report = await _admin(capsys, "report", "broadcast", "B-1")
                if "waiting: 0" in report:
                    break
                await asyncio.sleep(0.05)
            lines = report.splitlines()
            assert "families reached: 2 (2 carers)" in lines
            assert "sent, no receipt yet: 2" in lines and "waiting: 0" in lines
            assert "confirmed: 1 of 2" in lines
            assert any(line.startswith("reminders waiting: 1 (at ") for line in lines)


async def test_broadcast_from_a_managers_phone_in_the_demo_simulator(tmp_path: Path) -> None:
    from bot.config import Settings
    from bot.demo import demo_app
    from tests.fakes.twilio_api import serve_app
    from tests.test_simulator import DEMO_KASIA, DEMO_LAURA, messages

    sarah = "+447700900001"  # the demo's manager
    app = demo_app(Settings(), tmp_path, clock=RunningClock())
    async with serve_app(app, lifespan="on") as url, httpx.AsyncClient(base_url=url) as http:

        async def send(address: str, text: str) -> None:
            body = {"address": address, "text": text}
            assert (await http.post("/simulator/api/send", json=body)).status_code == 200

        await send(sarah, "BROADCAST")
        said = len(await messages(http, sarah, 2))  # the welcome, then "Who is it for?"
        for answer in ("1", SNOW, "2", "1"):  # all, the words, ask to confirm, send
            await send(sarah, answer)
            said = len(await messages(http, sarah, said + 2))
        told = (await messages(http, sarah, said + 1))[-1]["text"]
        assert told.startswith("B-1 is on its way to ")
        laura = await messages(http, DEMO_LAURA, 2)
        assert [m["text"].split("\n")[0] for m in laura] == [
            "Message from Little Acorns Nursery:",
            "Reminder from Little Acorns Nursery:",  # shown held: it goes tomorrow unless…
        ]
        assert laura[0]["text"].startswith(f"Message from Little Acorns Nursery:\n{SNOW}")
        assert laura[1]["status"] == "held"
        kasia = (await messages(http, DEMO_KASIA, 1))[0]["text"]
        assert kasia.startswith(f"Wiadomość od: Little Acorns Nursery\n{SNOW}")
        await send(DEMO_LAURA, "1")
        for _ in range(300):  # …Laura confirms: the reminder is withdrawn, she is thanked
            laura = await messages(http, DEMO_LAURA, 2)
            if laura[-1]["text"] == "Thank you for letting us know you have seen it.":
                break
            await asyncio.sleep(0.02)
        texts = [m["text"].split("\n")[0] for m in laura]
        assert texts[-1] == "Thank you for letting us know you have seen it."
        assert not [t for t in texts if t.startswith("Reminder")]
