"""Inbound SMS benchmark: Keyperson's end-to-end handling rate against a bare baseline.

Prints the baseline (Starlette + signature check + one SQLite transaction per request) in
messages/s, Keyperson's rate of signed SMS webhooks handled end to end (flow step committed with
its outbox rows), their ratio, and the acknowledgement latency p50/p99 at 500 requests/s; ends
with one line of JSON. Both servers run in their own process on loopback; this process is the
load generator and a tiny fake Twilio API.

    python bench/inbound.py [--messages 3000] [--families 300]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-auth-token"
SID = "AC" + "0" * 32
CONCURRENCY = 64


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_csvs(folder: Path, families: int) -> tuple[Path, Path]:
    """Staff and families files for a setting with `families` carers, one child each."""
    staff = folder / "staff.csv"
    rows = ["staff_ref,name,roles,phone,languages,cover_ref", "M1,Manager One,manager;dsl,,en,"]
    rows += [f"K{k},Key Person {k},key_person,07700 900{k:03d},en," for k in range(1, 11)]
    staff.write_text("\n".join(rows) + "\n")
    fam = folder / "families.csv"
    lines = [
        "child_ref,child_first_name,child_last_name,date_of_birth,room,key_person_ref,"
        "send_status,carer_ref,carer_name,relationship,phone,language,receives_information"
    ]
    for i in range(families):
        lines.append(
            f"C{i},Child{i},Family{i},2022-01-01,Room,K{i % 10 + 1},none,P{i},"
            f"Carer {i},mum,+4474001{i:05d},{'pl' if i % 4 == 0 else 'en'},yes"
        )
    fam.write_text("\n".join(lines) + "\n")
    return staff, fam


def signed_requests(
    public: str, count: int, families: int, prefix: str
) -> list[tuple[dict[str, str], str]]:
    """Webhook forms with their signatures, made before the clock starts."""
    validator = RequestValidator(TOKEN)
    url = public + "/webhooks/twilio/sms"
    made = []
    for i in range(count):
        form = {
            "MessageSid": f"SM{prefix}{i:030d}",
            "AccountSid": SID,
            "From": f"+4474001{i % families:05d}",
            "To": "+447700900999",
            "Body": f"Message {i}: is my child eating well today?",
            "NumSegments": "1",
        }
        made.append((form, validator.compute_signature(url, form)))
    return made


async def fake_twilio(port: int) -> AsyncIterator[None]:
    """Accepts sends so the dispatcher stays quiet; not part of what is measured."""
    from aiohttp import web

    counter = iter(range(10**9))

    async def create(request: web.Request) -> web.Response:
        await request.post()
        return web.json_response({"sid": f"SM{next(counter):032d}", "status": "queued"}, status=201)

    async def account(request: web.Request) -> web.Response:
        # `keyperson serve` checks its credentials against the account before it starts.
        return web.json_response({"sid": request.match_info["sid"], "status": "active"})

    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", create)
    app.router.add_get("/2010-04-01/Accounts/{sid}.json", account)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner  # type: ignore[return-value]


@contextlib.asynccontextmanager
async def server(cmd: list[str], env: dict[str, str], port: int) -> AsyncIterator[None]:
    """Run a server process until its port answers; stop it afterwards."""
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(log.read().decode()[-2000:])
            await asyncio.sleep(0.1)
        yield
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(asyncio.to_thread(proc.wait), 30)
        except TimeoutError:
            proc.kill()
            raise


async def post(session: aiohttp.ClientSession, url: str, form: dict[str, str], sig: str) -> float:
    """POST one webhook; return the latency in seconds."""
    start = time.perf_counter()
    async with session.post(url, data=form, headers={"X-Twilio-Signature": sig}) as resp:
        await resp.read()
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status}")
    return time.perf_counter() - start


async def flood(url: str, requests: list[tuple[dict[str, str], str]]) -> float:
    """Send every request with bounded concurrency; return the elapsed seconds."""
    queue = list(reversed(requests))
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            while queue:
                form, sig = queue.pop()
                await post(session, url, form, sig)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return time.perf_counter() - start


async def paced(url: str, requests: list[tuple[dict[str, str], str]], rate: float) -> list[float]:
    """Open-loop load at `rate` requests/s; return each acknowledgement latency."""
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as session:
        loop = asyncio.get_running_loop()
        start = loop.time()
        tasks = []
        for i, (form, sig) in enumerate(requests):
            delay = start + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(session, url, form, sig)))
        return list(await asyncio.gather(*tasks))


def handled(db: Path) -> int:
    """Inbound rows handled so far: recorded in the main file in the same transaction as their
    flow step and outbox rows (read through a second connection, as WAL allows)."""
    with sqlite3.connect(db, timeout=10) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM inbound_handled").fetchone()[0])


async def wait_handled(db: Path, count: int, started: float) -> float:
    """Seconds from `started` until `count` rows are handled."""
    while handled(db) < count:
        await asyncio.sleep(0.02)
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of `values`."""
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def main() -> None:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--families", type=int, default=300)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="keyperson-bench-"))
    python = sys.executable

    base_port = free_port()
    base_public = f"http://127.0.0.1:{base_port}"
    base_reqs = signed_requests(base_public, args.messages, args.families, "B")
    async with server(
        [
            python,
            "bench/baseline_app.py",
            str(folder / "base.db"),
            str(base_port),
            TOKEN,
            base_public,
        ],
        dict(os.environ),
        base_port,
    ):
        base_s = await flood(base_public + "/webhooks/twilio/sms", base_reqs)
    baseline = args.messages / base_s
    print(f"baseline (Starlette + signature + 1 SQLite transaction): {baseline:,.0f} messages/s")

    twilio_port, port = free_port(), free_port()
    runner = await fake_twilio(twilio_port)
    public = f"http://127.0.0.1:{port}"
    db = folder / "keyperson.db"
    env = dict(
        os.environ,
        KEYPERSON_DATABASE=str(db),
        KEYPERSON_PORT=str(port),
        KEYPERSON_SETTING_FILE=str(ROOT / "setting.example.toml"),
        KEYPERSON_PUBLIC_URL=public,
        TWILIO_ACCOUNT_SID=SID,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_FROM_NUMBER="+447700900999",
        TWILIO_API_URL=f"http://127.0.0.1:{twilio_port}",
    )
    staff, fam = write_csvs(folder, args.families)
    for kind, path in (("staff", staff), ("families", fam)):
        subprocess.run(
            [python, "-m", "bot", "import", kind, str(path)],
            env=env,
            cwd=folder,
            check=True,
            capture_output=True,
        )
    url = public + "/webhooks/twilio/sms"
    reqs = signed_requests(public, args.messages, args.families, "K")
    paced_count = int(args.rate * args.seconds)
    paced_reqs = signed_requests(public, paced_count, args.families, "P")
    async with server([python, "-m", "bot", "serve"], env, port):
        started = time.perf_counter()
        await flood(url, reqs)
        kp_s = await wait_handled(db, args.messages, started)
        latencies = await paced(url, paced_reqs, args.rate)
        await wait_handled(db, args.messages + paced_count, time.perf_counter())
    await runner.cleanup()
    rate = args.messages / kp_s
    p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    print(
        f"keyperson, handled end to end (flow step + outbox rows committed): {rate:,.0f} messages/s"
    )
    print(f"ratio: {rate / baseline:.2f} (goal: at least 0.5)")
    print(
        f"acknowledgement at {args.rate:.0f} requests/s: p50 {p50:.1f} ms, p99 {p99:.1f} ms "
        f"(goal: p99 under 50 ms)"
    )
    print(
        json.dumps(
            {
                "baseline_per_s": round(baseline, 1),
                "handled_per_s": round(rate, 1),
                "ratio": round(rate / baseline, 3),
                "ack_p50_ms": round(p50, 2),
                "ack_p99_ms": round(p99, 2),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
