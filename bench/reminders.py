"""Reminder benchmark: 100,000 reminder rows falling due within one minute of a restart, and
the scheduler's idle cost with 100,000 reminders in the future.

Builds Keyperson on a temporary database with 10,000 families (one carer each) and, per
carer, 10 reminders due at moments spread over the minute after the start (10 rows each, so
no carer's timers go past the inbound burst allowance of 30). Each reminder belongs to a real
flow (the good-news thank-you: it loads its facts, checks the audit log and queues one message
to the carer), so "handled" is a real flow step with its outbox row committed. Then the
router and the scheduler start, as after a restart, with a clock that runs in real time.

Figures: per row, how late it was handed to its flow (fired: stored as an event and marked)
and how late its flow step was committed (handled), against its due moment; rows fired or
handled twice (each must be exactly once: the inbound file's unique key, the handled record
and one outbox message per reminder); and the scheduler's CPU per hour with 100,000 future
reminders (120 ticks, the ticks of one hour, timed in CPU seconds). Ends with one JSON line.

    python bench/reminders.py [--rows 100000] [--carers 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.admin.importer import import_families, import_staff  # noqa: E402
from bot.app import Keyperson, build  # noqa: E402
from bot.domain.messages import Channel  # noqa: E402
from bot.engine.scheduler import TICK_S  # noqa: E402
from bot.storage.sqlite.inbound import inbound_path  # noqa: E402
from tests.harness import DATA, FakeSender, RunningClock, settings_for  # noqa: E402

START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # a Tuesday morning: no quiet hours
WINDOW_S = 60.0
GOAL_S = 60.0
SEED = 13


def families_csv(folder: Path, carers: int) -> Path:
    """A families file of `carers` children with one carer each, all key person S04."""
    path = folder / "families.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            "child_ref child_first_name child_last_name date_of_birth room key_person_ref "
            "send_status carer_ref carer_name relationship phone language "
            "receives_information".split()
        )
        for i in range(carers):
            writer.writerow(
                [f"C{i:05d}", "Ada", f"Test{i}", "2022-01-01", "Acorns", "S04", "none",
                 f"P{i:05d}", f"Carer {i}", "mum", f"+4475{i:08d}", "en", "yes"]
            )  # fmt: skip
    return path


async def prepared(folder: Path, carers: int) -> tuple[Keyperson, RunningClock]:
    """Keyperson with the staff and `carers` families on file, workers not started."""
    clock = RunningClock(START - timedelta(minutes=5))
    keyperson = await build(settings_for(folder), {Channel.SMS: FakeSender()}, clock)
    await import_staff(keyperson.db, keyperson.setting_id, DATA / "staff.csv", "GB")
    await import_families(
        keyperson.db, keyperson.setting_id, families_csv(folder, carers), "GB", now=clock()
    )
    return keyperson, clock


async def add_reminders(
    keyperson: Keyperson, rows: int, carers: int, first_due: datetime, spread_s: float
) -> None:
    """`rows` good-news thank-you reminders spread over `spread_s` seconds from `first_due`."""
    random.seed(SEED)
    async with keyperson.db.reading() as repos:
        found = await repos.conn.execute_fetchall(
            "SELECT ca.id, ca.phone, cc.child_id FROM carers ca "
            "JOIN child_carers cc ON cc.carer_id = ca.id ORDER BY ca.id"
        )
    people = [(int(r[0]), str(r[1]), int(r[2])) for r in found][:carers]
    since = (first_due - timedelta(days=1)).isoformat()
    async with keyperson.db.transaction() as repos:
        for n in range(rows):
            carer, phone, child = people[n % len(people)]
            due = first_due + timedelta(seconds=random.uniform(0, spread_s))
            payload = {"carer_id": carer, "child_id": child, "child": "Ada", "since": since}
            await repos.reminders.add(
                keyperson.setting_id, "sms", phone, "celebration", due, "wow_thanks", payload,
                kind="bench", subject=f"bench:{n}", about="Ada",
                event_at=due + timedelta(days=1),
            )  # fmt: skip


def lateness(db: Path) -> dict[str, object]:
    """Per reminder: seconds from due to fired and to handled; and how many went twice."""
    main = sqlite3.connect(db)
    main.execute("ATTACH DATABASE ? AS inbox", (inbound_path(db),))
    fired = [
        r[0]
        for r in main.execute(
            "SELECT (julianday(fired_at) - julianday(due_at)) * 86400 FROM reminders "
            "WHERE kind = 'bench' AND fired_at IS NOT NULL"
        )
    ]
    handled = [
        r[0]
        for r in main.execute(
            "SELECT (julianday(h.handled_at) - julianday(r.due_at)) * 86400 "
            "FROM inbox.inbound i JOIN inbound_handled h ON h.inbound_id = i.id "
            "JOIN reminders r ON r.id = CAST(substr(i.external_id, 7) AS INTEGER) "
            "WHERE i.external_id LIKE 'timer:%' AND r.kind = 'bench'"
        )
    ]
    events = main.execute(
        "SELECT COUNT(*), COUNT(DISTINCT external_id) FROM inbox.inbound "
        "WHERE external_id LIKE 'timer:%'"
    ).fetchone()
    sent = main.execute("SELECT COUNT(*) FROM outbox WHERE person_kind = 'carer'").fetchone()[0]
    missed = main.execute("SELECT COUNT(*) FROM reminders WHERE missed_at IS NOT NULL").fetchone()
    main.close()
    return {
        "fired": len(fired),
        "handled": len(handled),
        "events_stored": events[0],
        "events_twice": events[0] - events[1],
        "messages_queued": sent,
        "missed": missed[0],
        "fired_late_max_s": round(max(fired, default=float("nan")), 2),
        "handled_late_max_s": round(max(handled, default=float("nan")), 2),
        "handled_late_p50_s": round(sorted(handled)[len(handled) // 2], 2) if handled else None,
    }


async def due_burst(folder: Path, rows: int, carers: int) -> dict[str, object]:
    """Restart with `rows` reminders due over the next minute; wait until each is handled."""
    keyperson, clock = await prepared(folder, carers)
    await add_reminders(keyperson, rows, carers, START, WINDOW_S)
    clock.advance(START - clock())  # the restart: the clock stands at the window's start
    router = asyncio.create_task(keyperson.router.run())
    keyperson.scheduler.start()
    began = time.perf_counter()
    deadline = began + WINDOW_S + 30 * GOAL_S  # handling is the router's pace: waited for
    try:
        while time.perf_counter() < deadline:
            await asyncio.sleep(1.0)
            async with keyperson.db.reading() as repos:
                left = await repos.conn.execute_fetchall(
                    "SELECT COUNT(*) FROM reminders WHERE fired_at IS NULL AND kind = 'bench'"
                )
            waiting = 0
            async with keyperson.db.inbound.reading() as inbox:
                waiting = len(await inbox.unhandled_ids())
            if next(iter(left))[0] == 0 and waiting == 0:
                break
        took = time.perf_counter() - began
    finally:
        await keyperson.scheduler.stop()
        router.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await router
        await keyperson.db.close()
    figures = lateness(folder / "k.db")
    figures["wall_s"] = round(took, 1)
    return figures


async def idle_cost(folder: Path, rows: int, carers: int) -> dict[str, object]:
    """CPU seconds the scheduler spends in one hour's ticks with `rows` future reminders."""
    keyperson, _ = await prepared(folder, carers)
    await add_reminders(keyperson, rows, carers, START + timedelta(days=7), 7 * 86400.0)
    ticks = round(3600 / TICK_S)
    cpu = time.process_time()
    for _ in range(ticks):
        await keyperson.scheduler.tick()
    spent = time.process_time() - cpu
    await keyperson.db.close()
    return {
        "idle_ticks_per_hour": ticks,
        "idle_cpu_s_per_hour": round(spent, 3),
        "idle_core_percent": round(spent / 3600 * 100, 4),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--carers", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        burst = await due_burst(Path(folder), args.rows, args.carers)
    with tempfile.TemporaryDirectory() as folder:
        idle = await idle_cost(Path(folder), args.rows, args.carers)
    ok = (
        burst["fired"] == args.rows
        and burst["events_twice"] == 0
        and burst["messages_queued"] == args.rows
        and float(str(burst["fired_late_max_s"])) <= GOAL_S
    )
    print(
        f"{args.rows} reminders due within {WINDOW_S:.0f} s of a restart: fired "
        f"{burst['fired']} (latest {burst['fired_late_max_s']} s after its time, goal "
        f"{GOAL_S:.0f} s), handled {burst['handled']} (latest {burst['handled_late_max_s']} s), "
        f"stored twice {burst['events_twice']}, messages {burst['messages_queued']}"
    )
    print(
        f"idle with {args.rows} future reminders: {idle['idle_cpu_s_per_hour']} CPU s per hour "
        f"({idle['idle_core_percent']}% of a core; goal under 1%)"
    )
    print(json.dumps({"rows": args.rows, **burst, **idle, "goal_met": ok}))


if __name__ == "__main__":
    asyncio.run(main())
