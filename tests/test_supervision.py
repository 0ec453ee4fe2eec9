"""Supervised tasks, a busy or full database, webhooks that cannot store, and /healthz."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime

import httpx
import pytest

from bot.app import Tuning, build
from bot.domain.messages import Channel
from bot.engine.supervisor import Supervisor, TaskDied
from bot.storage.sqlite.inbound import inbound_path
from bot.web import create_app
from tests.fakes.twilio_api import serve_app
from tests.faults.inject import disk_full, write_lock_held
from tests.harness import (
    LAURA,
    TOM,
    Clock,
    FakeSender,
    make_keyperson,
    scalar,
    scalar_at,
    settings_for,
    sms,
)
from tests.test_e2e_sms import inbound_form, signed

FAST = Tuning(busy_timeout_s=0.1, busy_wait_s=0.3)


async def count(kp, sql: str) -> int:
    return int(await scalar(kp, sql))


async def test_a_transaction_waits_for_another_process_to_let_go(tmp_path):
    kp = await make_keyperson(tmp_path)
    kp.db.inbound.busy_wait_s = 10.0
    async with write_lock_held(inbound_path(tmp_path / "k.db"), 0.6):  # where webhooks go
        # Without waiting, BEGIN IMMEDIATE would fail at once ("database is locked").
        assert await kp.router.accept(sms(LAURA, "Hello")) is True
    assert await count(kp, "SELECT COUNT(*) FROM inbound") == 1
    await kp.stop()


async def test_a_lock_held_too_long_fails_the_store_and_changes_nothing(tmp_path):
    kp = await build(settings_for(tmp_path), {Channel.SMS: FakeSender()}, Clock(), tuning=FAST)
    async with write_lock_held(inbound_path(tmp_path / "k.db"), 1.5):
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await kp.router.accept(sms(LAURA, "Hello"))
    assert await kp.router.accept(sms(LAURA, "Hello again")) is True
    await kp.stop()


async def test_a_full_disk_never_marks_a_message_as_failed(tmp_path):
    kp = await make_keyperson(tmp_path)
    for n in range(3):
        await kp.router.accept(sms(LAURA, f"Is Amelia warm enough? {n}"))
    async with disk_full(kp.db):
        with pytest.raises(sqlite3.OperationalError, match="full"):
            await kp.router.handle_batch()
    # Nothing was marked as failed: the rows wait, and are handled once there is room.
    assert await count(kp, "SELECT COUNT(*) FROM inbound WHERE handled_at IS NULL") == 3
    await kp.router.drain()
    assert await count(kp, "SELECT COUNT(*) FROM inbound WHERE error IS NOT NULL") == 0
    async with kp.db.reading() as repos:
        assert len(await repos.outbox.for_address("sms", TOM)) == 3
    await kp.stop()


async def test_the_worker_survives_a_full_disk_and_carries_on(tmp_path):
    kp = await make_keyperson(tmp_path)
    kp.supervisor.backoff_base_s = 0.01
    await kp.start()
    await kp.router.accept(sms(LAURA, "Stored before the disk filled"))
    async with disk_full(kp.db) as refused:
        with pytest.raises(sqlite3.OperationalError):
            await kp.router.accept(sms(LAURA, "Refused: the webhook answers 503"))
        await asyncio.sleep(0.05)
    assert refused
    await kp.router.accept(sms(LAURA, "Is Amelia warm enough?"))
    for _ in range(300):
        if await count(kp, "SELECT COUNT(*) FROM inbound WHERE handled_at IS NULL") == 0:
            break
        await asyncio.sleep(0.01)
    assert await count(kp, "SELECT COUNT(*) FROM inbound WHERE handled_at IS NULL") == 0
    assert kp.supervisor.tasks["router"].running and not kp.supervisor.tasks["router"].dead
    await kp.stop()


async def test_the_worker_waits_out_a_lock_and_the_dispatcher_still_sends(tmp_path):
    sender = FakeSender()
    kp = await build(settings_for(tmp_path), {Channel.SMS: sender}, Clock(), tuning=FAST)
    kp.supervisor.backoff_base_s = 0.01
    from bot.admin.importer import import_families, import_staff
    from tests.harness import DATA

    await import_staff(kp.db, kp.setting_id, DATA / "staff.csv", "GB")
    await import_families(kp.db, kp.setting_id, DATA / "families.csv", "GB", now=kp.clock())
    await kp.router.accept(sms(LAURA, "Hi"))
    async with write_lock_held(tmp_path / "k.db", 2.0):
        await kp.start()  # every batch and every claim fails while the lock is held
        for _ in range(150):
            if kp.supervisor.tasks["router"].failures:
                break
            await asyncio.sleep(0.01)
        assert kp.supervisor.tasks["router"].failures > 0
    for _ in range(300):
        if sender.sent:
            break
        await asyncio.sleep(0.01)
    assert [m.address.value for m in sender.sent] == [LAURA]  # the welcome
    assert not any(t.dead for t in kp.supervisor.tasks.values())
    await kp.stop()


async def test_a_task_that_cannot_recover_is_dead():
    clock = [0.0]
    supervisor = Supervisor(give_up_after_s=60, backoff_base_s=0, monotonic=lambda: clock[0])
    fatal: list[str] = []
    supervisor.on_fatal = fatal.append
    supervisor.state("router").running = True
    await supervisor.failed("router", sqlite3.OperationalError("disk I/O error"))
    clock[0] = 59.0
    await supervisor.failed("router", sqlite3.OperationalError("disk I/O error"))
    assert supervisor.healthy and not fatal
    clock[0] = 60.0
    with pytest.raises(TaskDied):
        await supervisor.failed("router", sqlite3.OperationalError("disk I/O error"))
    assert fatal == ["router"] and not supervisor.healthy


async def test_a_loop_that_ends_is_dead():
    supervisor = Supervisor()
    fatal: list[str] = []
    supervisor.on_fatal = fatal.append

    async def broken() -> None:
        raise RuntimeError("a bug")

    await supervisor.spawn("dispatcher", broken)
    assert fatal == ["dispatcher"] and not supervisor.healthy


async def _serve_sms(tmp_path, **create):
    """The SMS webhooks of `keyperson serve` on loopback (the fake Twilio is not needed)."""
    import socket

    from bot.app import production_senders
    from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    public = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = settings_for(
        tmp_path,
        public_url=public,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_from_number="+447700900999",
        twilio_api_url="http://127.0.0.1:9",  # nothing is sent in these tests
    )
    holder = {}

    async def factory():
        holder["kp"] = await build(settings, production_senders(settings), Clock(), tuning=FAST)
        return holder["kp"]

    return public, sock, holder, create_app(factory, **create)


async def test_the_sms_webhook_answers_503_when_it_cannot_store(tmp_path):
    public, sock, holder, app = await _serve_sms(tmp_path)
    path = "/webhooks/twilio/sms"
    form = inbound_form("SM" + "e" * 32, LAURA, "Hello")
    async with serve_app(app, lifespan="on", sock=sock), httpx.AsyncClient(base_url=public) as http:
        async with disk_full(holder["kp"].db):
            refused = await http.post(path, **signed(public, path, form))
        assert refused.status_code == 503  # Twilio asks again
        again = await http.post(path, **signed(public, path, form))
        assert again.status_code == 200
    assert scalar_at(tmp_path / "k.db", "SELECT COUNT(*) FROM inbound") == 1


async def test_healthz_reports_tasks_and_ages_and_fails_when_a_task_is_dead(tmp_path):
    stopped: list[int] = []
    public, sock, holder, app = await _serve_sms(
        tmp_path, on_fatal=stopped.append, on_stopped=stopped.append, unhealthy_grace_s=0.2
    )
    async with serve_app(app, lifespan="on", sock=sock), httpx.AsyncClient(base_url=public) as http:
        kp = holder["kp"]
        await kp.router.stop()  # no worker batch may take the row before it is looked at
        async with kp.db.inbound.transaction() as inbox:
            await inbox.store("sms", "SMold", LAURA, {}, datetime(2026, 11, 24, 9, 59, tzinfo=UTC))
        health = await http.get("/healthz")
        body = health.json()
        assert health.status_code == 200, body
        assert body["router"] == body["dispatcher"] == body["scheduler"] == "alive"
        assert body["oldest_unhandled_inbound_s"] in (60.0, None)  # None once handled
        assert "oldest_due_outbox_s" in body
        kp.supervisor.die("router", "a test says so")
        dead = await http.get("/healthz")
        assert dead.status_code == 503 and dead.json()["status"] == "unhealthy"
        assert stopped == []  # monitors get a moment to see the 503…
        await asyncio.sleep(0.5)  # past the grace given in this test (0.2 s)
        assert stopped == [75]  # …then the server is asked to stop…
    assert stopped == [75, 75]  # …and, once stopped cleanly, to exit with 75


async def test_healthz_answers_while_another_process_holds_the_lock(tmp_path):
    public, sock, _, app = await _serve_sms(tmp_path)
    async with serve_app(app, lifespan="on", sock=sock), httpx.AsyncClient(base_url=public) as http:
        async with write_lock_held(tmp_path / "k.db", 1.0):
            health = await http.get("/healthz", timeout=0.9)
            assert health.status_code == 200
