"""`keyperson serve`'s app in its own process, for kill -9 runs: SMS through the fake Twilio
of the test process, the test families, fault timings, and a clock carried over restarts.

    python -m tests.faults.server DATABASE PORT TWILIO_URL CLOCK_START [GIVE_UP_S BUSY_WAIT_S]
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from datetime import datetime
from pathlib import Path

import uvicorn

from bot.admin.importer import import_families, import_staff
from bot.app import Keyperson, build
from bot.domain.messages import Channel
from bot.handlers.base import Sender
from bot.handlers.sms.send import TwilioSender
from bot.web import create_app
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN
from tests.faults.app import FAULT_TUNING, FROM
from tests.harness import DATA, RunningClock, settings_for


def main(database: str, port: str, twilio_url: str, clock_start: str, *waits: str) -> None:
    """Serve until killed (or stopped with SIGINT, or a task cannot recover)."""
    tuning = FAULT_TUNING
    if waits:
        give_up, busy_wait = map(float, waits)
        tuning = dataclasses.replace(
            tuning, give_up_after_s=give_up, busy_timeout_s=busy_wait / 2, busy_wait_s=busy_wait
        )
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    clock = RunningClock(datetime.fromisoformat(clock_start))
    public = f"http://127.0.0.1:{port}"
    settings = settings_for(
        Path(database).parent,
        database=Path(database),
        public_url=public,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_from_number=FROM,
        twilio_api_url=twilio_url,
    )

    async def factory() -> Keyperson:
        senders: dict[Channel, Sender] = {
            Channel.SMS: TwilioSender(
                ACCOUNT_SID,
                AUTH_TOKEN,
                from_number=FROM,
                messaging_service_sid=None,
                status_callback_url=None,
                api_url=twilio_url,
                timeout=2.0,
                rate_per_s=400,
            )
        }
        kp = await build(settings, senders, clock, tuning=tuning)
        async with kp.db.reading() as repos:
            imported = await repos.roster.staff_refs(kp.setting_id)
        if not imported:
            await import_staff(kp.db, kp.setting_id, DATA / "staff.csv", "GB")
            await import_families(kp.db, kp.setting_id, DATA / "families.csv", "GB", now=kp.clock())
        return kp

    uvicorn.run(
        create_app(factory), host="127.0.0.1", port=int(port), log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
