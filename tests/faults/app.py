"""The running app for in-process fault runs: `keyperson serve`'s wiring on loopback, the fake
Twilio (and Telegram) beside it, short timings so that faults are injected, not waited out."""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

from bot.admin.importer import import_families, import_staff
from bot.app import Keyperson, Tuning, build
from bot.domain.messages import Channel
from bot.engine.caps import Limits
from bot.engine.delivery import Timing
from bot.engine.outbox import Backoff
from bot.handlers.base import Sender
from bot.handlers.sms.send import TwilioSender
from bot.handlers.telegram.send import TelegramSender
from bot.handlers.telegram.web import build_application
from bot.web import create_app
from tests.fakes.telegram_api import TOKEN, FakeTelegram, serve_fake_telegram
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, running_fake_twilio
from tests.fakes.twilio_api import serve_app as serve
from tests.harness import DAN, DATA, KASIA, LAURA, RunningClock, settings_for
from tests.test_e2e_sms import inbound_form, signed

FROM = "+447700900999"
CARERS = (LAURA, DAN, KASIA)  # one child each: every message is relayed to a key person
# Short enough that a fault run takes seconds; the caps stay out of the way of the counting.
FAULT_TUNING = Tuning(
    limits=Limits(loop_exchanges=10**6),
    timing=Timing(
        reconcile_after=timedelta(seconds=0.3),
        blind_resend_after=timedelta(seconds=0.3),
        check_again=timedelta(seconds=0.2),
    ),
    backoff=Backoff(base_s=0.05, cap_s=0.5, max_attempts=6),
    give_up_after_s=120.0,
)
_sids = itertools.count(1)


@dataclass
class FaultApp:
    """The app under test, its fakes, and the inbound messages acknowledged so far."""

    http: httpx.AsyncClient
    public: str
    twilio: FakeTwilio
    keyperson: Keyperson
    clock: RunningClock
    db: Path
    telegram: FakeTelegram | None = None
    acknowledged: set[str] = field(default_factory=set)
    refused: int = 0  # webhook answers that were not 200 (the sender asked again)

    async def text(self, sender: str, body: str) -> str:
        """Post one signed inbound SMS until it is acknowledged, as Twilio retries."""
        sid = f"SM{next(_sids):032d}"
        path = "/webhooks/twilio/sms"
        request = signed(self.public, path, inbound_form(sid, sender, body))
        while True:
            try:
                response = await self.http.post(path, timeout=30, **request)
                if response.status_code == 200:
                    self.acknowledged.add(sid)
                    return sid
            except httpx.TransportError:
                pass
            self.refused += 1
            await asyncio.sleep(0.05)

    async def load(self, count: int, start: int = 0, concurrency: int = 8) -> None:
        """`count` messages from the carers, each with its own token (q0001…)."""
        numbers = iter(range(start, start + count))

        async def worker() -> None:
            for n in numbers:
                await self.text(CARERS[n % len(CARERS)], f"Question q{n:04d}: how was the day?")

        await asyncio.gather(*(worker() for _ in range(concurrency)))


@asynccontextmanager
async def fault_app(
    tmp_path: Path,
    tuning: Tuning = FAULT_TUNING,
    telegram: bool = False,
    twilio_timeout: float = 0.5,
) -> AsyncIterator[FaultApp]:
    """The app with SMS (and Telegram) on fakes, the test families imported, started."""
    clock = RunningClock()
    fake_tg = FakeTelegram() if telegram else None
    async with running_fake_twilio(clock=clock) as twilio, _telegram(fake_tg) as tg_url:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        public = f"http://127.0.0.1:{sock.getsockname()[1]}"
        settings = settings_for(
            tmp_path,
            public_url=public,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_from_number=FROM,
            twilio_api_url=twilio.url,
        )
        holder: dict[str, Keyperson] = {}
        application = build_application(TOKEN, tg_url, timeout_s=0.5) if tg_url else None

        async def factory() -> Keyperson:
            senders: dict[Channel, Sender] = {
                Channel.SMS: TwilioSender(
                    ACCOUNT_SID,
                    AUTH_TOKEN,
                    from_number=FROM,
                    messaging_service_sid=None,
                    status_callback_url=None,
                    api_url=twilio.url,
                    timeout=twilio_timeout,
                    rate_per_s=200,
                )
            }
            if application is not None:
                await application.bot.initialize()
                senders[Channel.TELEGRAM] = TelegramSender(
                    application.bot, rate_per_s=200, chat_gap_s=0
                )
            kp = await build(settings, senders, clock, tuning=tuning)
            await import_staff(kp.db, kp.setting_id, DATA / "staff.csv", "GB")
            await import_families(kp.db, kp.setting_id, DATA / "families.csv", "GB", now=kp.clock())
            holder["kp"] = kp
            return kp

        fatal: list[int] = []
        app = create_app(factory, on_fatal=fatal.append, on_stopped=fatal.append)
        async with serve(app, lifespan="on", sock=sock), httpx.AsyncClient(base_url=public) as http:
            yield FaultApp(http, public, twilio, holder["kp"], clock, tmp_path / "k.db", fake_tg)
        if application is not None:
            await application.bot.shutdown()
        assert not fatal, "a task could not recover"


@asynccontextmanager
async def _telegram(fake: FakeTelegram | None) -> AsyncIterator[str | None]:
    if fake is None:
        yield None
        return
    async with serve_fake_telegram(fake) as url:
        yield url
