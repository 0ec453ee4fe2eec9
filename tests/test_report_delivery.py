"""`keyperson report delivery`: failed, unknown and waiting sends, and whom they were for."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot import cli
from bot.app import open_database
from bot.config import load_settings
from bot.domain.clock import SystemClock
from bot.domain.setting import load_profile
from bot.storage.rows import NewOutbox
from tests.harness import DATA, LAURA, ROOT, TOM
from tests.test_cli import env  # noqa: F401 - the fixture


async def _outcomes() -> None:
    settings = load_settings()
    # The report reads the command's own clock, so the rows are stamped by the same one.
    clock = SystemClock()
    db, _ = await open_database(settings, load_profile(ROOT / "setting.example.toml"), clock)
    now = clock()
    stamp = now
    async with db.transaction() as repos:
        laura = await repos.people.contact("sms", LAURA)
        tom = await repos.people.contact("sms", TOM)
        assert laura is not None and tom is not None
        rows = [
            NewOutbox(1, "sms", LAURA, "carer", laura.person_id, 1, f"message {n}", [])
            for n in range(4)
        ] + [NewOutbox(1, "sms", TOM, "staff", tom.person_id, 1, "to Tom", [])]
        await repos.outbox.add(rows, stamp)
        claimed = await repos.outbox.claim_due("sms", stamp, 10)
        ids = [r.id for r in claimed]
        await repos.outbox.mark_sent(ids[0], "SM1", "delivered", stamp)
        await repos.outbox.mark_final(ids[1], "failed", "number unreachable", stamp)
        await repos.outbox.mark_unknown(ids[2], "no answer", stamp, None)
        await repos.outbox.mark_unknown(ids[3], "no answer", stamp, now + timedelta(hours=1))
        await repos.outbox.retry_later(ids[4], stamp, "twilio 500", stamp)
    await db.close()


def test_report_delivery_names_what_failed_what_is_unknown_and_what_waits(env, capsys):  # noqa: F811
    cli.main(["import", "staff", str(DATA / "staff.csv")])
    cli.main(["import", "families", str(DATA / "families.csv")])
    asyncio.run(_outcomes())
    capsys.readouterr()
    assert cli.main(["report", "delivery"]) == 0
    out = capsys.readouterr().out
    assert "1 sent, 1 waiting, 2 unknown, 1 failed" in out
    failed = out.split("Finally failed")[1].split("Outcome unknown")[0]
    assert ": 1\n" in failed and "carer Laura Hughes" in failed and "number unreachable" in failed
    unknown = out.split("Outcome unknown")[1].split("Waiting")[0]
    assert "ask them whether it arrived" in unknown and "checking at" in unknown
    waiting = out.split("Waiting to be tried again")[1]
    assert "staff Tom Baker" in waiting and "twilio 500" in waiting
    assert LAURA not in out and TOM not in out  # names, never numbers
