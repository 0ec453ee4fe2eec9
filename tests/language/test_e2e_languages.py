"""End to end through the running app (signed Twilio webhooks, a fake Twilio API): an
Arabic-speaking and a Polish-speaking family, a key person who reads only English, and a
translator. Uses whatever Arabic catalog is shipped: with one, what the Arabic family gets is
Arabic with names isolated; without one, it is the English (and the test says so)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from bot.admin.importer import import_families, import_staff
from bot.app import build, production_senders
from bot.language.bidi import FSI, PDI, RLM
from bot.language.catalogs import Catalogs
from bot.web import create_app
from tests.fakes.twilio_api import ACCOUNT_SID, FakeTwilio, running_fake_twilio, serve_app
from tests.harness import ANNA, DATA, KASIA, ROOT, TOM, RunningClock, settings_for
from tests.test_e2e_sms import FROM, inbound_form, signed

AMIRA = "+447400200006"  # Arabic-speaking mum of Yusuf (key person Tom, who reads English)
LAYLA = "+447400100006"  # translator: English and Arabic
ARABIC = "مرحبا، هل أكل يوسف جيدا اليوم في الحضانة؟"
POLISH = "Dzień dobry, czy Zofia dobrze spała dzisiaj po obiedzie?"
HAS_ARABIC = "ar" in Catalogs.load().messages


def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    setting = tmp_path / "setting.toml"
    text = (ROOT / "setting.example.toml").read_text(encoding="utf-8")
    setting.write_text(text.replace('languages = ["en", "pl"]', 'languages = ["en", "pl", "ar"]'))
    staff = tmp_path / "staff.csv"
    staff.write_text(
        (DATA / "staff.csv").read_text(encoding="utf-8")
        + "S06,Layla Haddad,translator,07400 100006,en;ar,,\n",
        encoding="utf-8",
    )
    families = tmp_path / "families.csv"
    families.write_text(
        (DATA / "families.csv").read_text(encoding="utf-8")
        + "C06,Yusuf,Haddad,2022-01-10,Acorns,S04,none,P06,Amira Haddad,mum,07400 200006,ar,yes\n",
        encoding="utf-8",
    )
    return setting, staff, families


@asynccontextmanager
async def running(tmp_path: Path, fake: FakeTwilio) -> AsyncIterator[str]:
    setting, staff, families = files(tmp_path)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    public = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = settings_for(
        tmp_path,
        setting_file=setting,
        public_url=public,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=fake.auth_token,
        twilio_from_number=FROM,
        twilio_api_url=fake.url,
    )

    async def factory():
        keyperson = await build(settings, production_senders(settings), RunningClock())
        await import_staff(keyperson.db, keyperson.setting_id, staff, "GB")
        await import_families(
            keyperson.db, keyperson.setting_id, families, "GB", now=keyperson.clock()
        )
        return keyperson

    async with serve_app(create_app(factory), lifespan="on", sock=sock):
        yield public


async def received(
    fake: FakeTwilio,
    to: str,
    wanted: Callable[[str], bool],
    timeout: float = 10,  # noqa: ASYNC109
) -> str:
    """The body of the first text to `to` that `wanted` accepts, waiting for it."""
    async with asyncio.timeout(timeout):
        while True:
            for message in fake.messages:
                if message["To"] == to and wanted(message["Body"]):
                    return message["Body"]
            await fake.wait_for(len(fake.messages) + 1, timeout)


async def test_an_arabic_and_a_polish_family_through_the_running_app(tmp_path):
    path = "/webhooks/twilio/sms"
    sids = iter(f"SM{n:032d}" for n in range(1, 100))

    async def text(http: httpx.AsyncClient, public: str, sender: str, body: str) -> None:
        form = inbound_form(next(sids), sender, body)
        assert (await http.post(path, **signed(public, path, form))).status_code == 200

    async with running_fake_twilio() as fake, running(tmp_path, fake) as public:
        async with httpx.AsyncClient(base_url=public) as http:
            for person in (TOM, ANNA, LAYLA):
                await text(http, public, person, "hi")
            await text(http, public, AMIRA, "Hi")
            welcome = await received(fake, AMIRA, lambda b: "Yusuf" in b)
            if HAS_ARABIC:
                assert welcome.startswith(RLM) and f"{FSI}Yusuf{PDI}" in welcome

            # Her Arabic reaches Tom, who reads only English, and Layla gets a task.
            await text(http, public, AMIRA, ARABIC)
            relayed = await received(fake, TOM, lambda b: ARABIC in b)
            code = next(w for w in relayed.split() if w.startswith("#"))
            assert "written in" not in relayed  # Arabic is her language on file
            task = await received(fake, LAYLA, lambda b: b.startswith("T-1001"))
            assert ARABIC in task
            await text(http, public, LAYLA, "T-1001 Hello, did Yusuf eat well today at nursery?")
            translated = await received(fake, TOM, lambda b: b.startswith("T-1001: translation"))
            assert "Hello, did Yusuf eat well today at nursery?" in translated

            # Tom's answer reaches her in her language (the English while no Arabic catalog).
            await text(http, public, TOM, f"{code} Yes, he ate all his lunch")
            answer = await received(fake, AMIRA, lambda b: "he ate all his lunch" in b)
            if HAS_ARABIC:
                assert f"{FSI}Tom Baker{PDI}" in answer and f"{FSI}Yusuf{PDI}" in answer

            # A Polish family: their key person reads Polish, so no task; the answer in Polish.
            await text(http, public, KASIA, "Dzień dobry")
            await text(http, public, KASIA, POLISH)
            relayed = await received(fake, ANNA, lambda b: POLISH in b)
            code = next(w for w in relayed.split() if w.startswith("#"))
            await text(http, public, ANNA, f"{code} Tak, spała godzinę")
            answer = await received(fake, KASIA, lambda b: "spała godzinę" in b)
            assert "Zofia" in answer and FSI not in answer
    assert not any(m["Body"].startswith("T-1002") for m in fake.messages)
