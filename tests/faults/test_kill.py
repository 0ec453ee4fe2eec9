"""kill -9 at random points: a real server process killed with SIGKILL during inbound load and
during a 1,000-row outbox, then started again on the same database."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from tests.fakes.twilio_api import FakeTwilio, free_port, running_fake_twilio
from tests.faults.app import CARERS
from tests.faults.inject import write_lock_held
from tests.faults.ledger import Ledger, count_inbound, count_outbound, count_reported, settled
from tests.harness import ROOT, RunningClock
from tests.test_e2e_sms import inbound_form, signed

SEED = int(os.environ.get("KEYPERSON_FAULT_SEED", "20261124"))


class Server:
    """The server process: started, killed with SIGKILL, started again on the same files."""

    def __init__(self, db: Path, twilio: FakeTwilio, clock: RunningClock, *waits: float) -> None:
        self.waits = [str(w) for w in waits]
        self.db = db
        self.twilio = twilio
        self.clock = clock
        self.port = free_port()
        self.public = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()
        self.in_flight_at_kills = 0
        self.kills = 0

    async def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "tests.faults.server",
            str(self.db),
            str(self.port),
            self.twilio.url,
            self.clock().isoformat(),  # the clock goes on from where it was
            *self.waits,
        ]
        self.proc = subprocess.Popen(command, cwd=ROOT, stdout=self.log, stderr=self.log)  # noqa: ASYNC220
        async with httpx.AsyncClient(base_url=self.public) as http:
            for _ in range(600):
                if self.proc.poll() is not None:
                    self.log.seek(0)
                    raise AssertionError(self.log.read().decode()[-3000:])
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/healthz", timeout=1)).status_code == 200:
                        return
                await asyncio.sleep(0.05)
        raise AssertionError("the server did not become healthy")

    async def kill(self) -> None:
        """SIGKILL, then count the sends caught in flight (the most that may go twice)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(self.proc.wait)
        self.kills += 1
        with sqlite3.connect(self.db, timeout=30) as conn:
            self.in_flight_at_kills += conn.execute(
                "SELECT COUNT(*) FROM outbox WHERE status = 'sending'"
            ).fetchone()[0]

    async def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(asyncio.to_thread(self.proc.wait), 30)
            except TimeoutError:
                self.proc.kill()
        self.log.close()


async def _ledger(fault: str, server: Server, acknowledged: set[str], **notes: object) -> Ledger:
    assert await settled(server.db, timeout=60), "did not settle"
    ledger = Ledger(fault, in_flight_at_kills=server.in_flight_at_kills, notes=notes)
    count_inbound(ledger, server.db, acknowledged)
    count_outbound(ledger, server.db, server.twilio.messages)
    await count_reported(ledger, server.db)
    return ledger


async def test_kill_9_at_random_points_during_inbound_load(tmp_path):
    rng = random.Random(SEED)
    total = 300
    kill_at = sorted(rng.sample(range(20, total - 20), 3))
    clock = RunningClock()
    async with running_fake_twilio(clock=clock) as twilio:
        server = Server(tmp_path / "k.db", twilio, clock)
        await server.start()
        path = "/webhooks/twilio/sms"
        waiting = [
            (f"SM{n:032d}", CARERS[n % len(CARERS)], f"Question q{n:04d}: is everything ok?")
            for n in range(total)
        ]
        acknowledged: set[str] = set()
        retried = 0

        async def sender(http: httpx.AsyncClient) -> None:
            nonlocal retried
            while waiting:
                sid, number, body = waiting.pop(0)
                request = signed(server.public, path, inbound_form(sid, number, body))
                try:
                    response = await http.post(path, timeout=15, **request)
                    if response.status_code == 200:
                        acknowledged.add(sid)
                        continue
                except httpx.TransportError:
                    pass
                retried += 1  # not acknowledged: sent again later, as Twilio would
                waiting.append((sid, number, body))
                await asyncio.sleep(0.05)

        async def killer() -> None:
            for point in kill_at:
                await _until(lambda point=point: len(acknowledged) >= point)
                await server.kill()
                await server.start()

        try:
            async with httpx.AsyncClient(base_url=server.public) as http:
                await asyncio.gather(killer(), *(sender(http) for _ in range(16)))
            ledger = await _ledger(
                "kill -9 x3 during inbound load",
                server,
                acknowledged,
                seed=SEED,
                kill_after_acks=kill_at,
                retried=retried,
            )
        finally:
            await server.stop()
    assert ledger.acknowledged_inbound == total and server.kills == 3
    ledger.check()


async def test_kill_9_at_random_points_during_a_1000_row_outbox(tmp_path):
    rng = random.Random(SEED + 1)
    kill_at = sorted(rng.sample(range(50, 950), 3))
    clock = RunningClock()
    async with running_fake_twilio(clock=clock) as twilio:
        server = Server(tmp_path / "k.db", twilio, clock)
        await server.start()  # creates and fills the database
        await server.stop()
        server.log = tempfile.TemporaryFile()
        _queue_broadcast(server.db, clock(), 1000)
        try:
            await server.start()
            for point in kill_at:
                await _until(lambda point=point: len(twilio.messages) >= point)
                await server.kill()
                await server.start()
            ledger = await _ledger(
                "kill -9 x3 during a 1,000-row outbox",
                server,
                set(),
                seed=SEED + 1,
                kill_after_sends=kill_at,
            )
        finally:
            await server.stop()
    assert ledger.outbound_queued == 1000 and ledger.sent == 1000
    ledger.check()


async def _until(reached: Callable[[], bool]) -> None:
    """Return as soon as `reached()` holds (the kill then lands wherever the run is)."""
    while True:
        if reached():
            return
        await asyncio.sleep(0.002)


async def test_a_task_that_cannot_recover_fails_healthz_and_the_process_exits_75(tmp_path):
    clock = RunningClock()
    async with running_fake_twilio(clock=clock) as twilio:
        server = Server(tmp_path / "k.db", twilio, clock, 1.0, 0.2)  # give up after 1 s
        await server.start()
        # Due in a moment, when the lock is surely held: the lane must write to claim them.
        _queue_broadcast(server.db, clock() + timedelta(seconds=2), 5)
        statuses = []
        try:
            # Long enough for a lane to wake (at most 5 s), fail for 1 s and give up.
            async with (
                write_lock_held(server.db, 12.0),
                httpx.AsyncClient(base_url=server.public) as http,
            ):
                assert server.proc is not None
                for _ in range(300):
                    if server.proc.poll() is not None:
                        break
                    with contextlib.suppress(httpx.TransportError):
                        statuses.append((await http.get("/healthz", timeout=2)).status_code)
                    await asyncio.sleep(0.05)
            code = server.proc.poll()
        finally:
            await server.stop()
    assert 503 in statuses  # unhealthy before it went
    assert code == 75  # a supervisor (systemd, a container runtime) starts a fresh one


def _queue_broadcast(db: Path, now: datetime, count: int) -> None:
    """A broadcast-sized outbox: one message to each of `count` fictional numbers."""
    from bot.storage.sqlite.database import iso

    stamp = iso(now)
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO outbox (setting_id, channel, address, priority, body, choices, "
            "next_attempt_at, created_at, updated_at) VALUES (1, 'sms', ?, 9, ?, '[]', ?, ?, ?)",
            [
                (f"+447700900{n:03d}", f"Workshop on Thursday, invitation {n:04d}", stamp, stamp,
                 stamp)
                for n in range(count)
            ],
        )  # fmt: skip
