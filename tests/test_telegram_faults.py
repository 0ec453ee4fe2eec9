"""The Telegram webhook on a bad day: malformed updates get 400, unstorable ones 503."""

from __future__ import annotations

import asyncio
import logging

from tests.faults.inject import disk_full
from tests.test_e2e_telegram import HEADER, SECRET, message, running


async def test_a_date_of_ten_to_the_twentieth_is_refused_with_400_and_its_id(tmp_path, caplog):
    async with running(tmp_path) as app:
        update = message(5001, "Hello")
        update["message"]["date"] = 10**20
        with caplog.at_level(logging.WARNING, logger="bot.handlers.telegram.web"):
            response = await app.post(update)
        assert response.status_code == 400
        assert f"telegram update {update['update_id']} refused" in caplog.text
        assert app.scalar("SELECT COUNT(*) FROM inbound") == 0


async def test_json_nested_100000_deep_is_refused_with_400(tmp_path, caplog):
    async with running(tmp_path) as app:
        body = '{"update_id": 424242, "message": ' + "[" * 100_000 + "]" * 100_000 + "}"
        with caplog.at_level(logging.WARNING, logger="bot.handlers.telegram.web"):
            response = await app.http.post(
                "/webhooks/telegram",
                content=body,
                headers={HEADER: SECRET, "content-type": "application/json"},
            )
        assert response.status_code == 400
        assert "telegram update 424242 refused: nested too deeply" in caplog.text


async def test_an_update_that_cannot_be_stored_gets_503_and_is_taken_when_sent_again(tmp_path):
    async with running(tmp_path) as app:
        update = message(5001, "Hello")
        async with disk_full(app.keyperson.db):
            refused = await app.post(update)
        assert refused.status_code == 503  # Telegram delivers it again
        assert (await app.post(update)).status_code == 200
        assert app.scalar("SELECT COUNT(*) FROM inbound") == 1


async def test_the_poller_keeps_an_update_it_could_not_store_and_stores_it_later(tmp_path):
    async with running(tmp_path, polling=True) as app:
        kp = app.keyperson
        async with disk_full(kp.db) as refused:
            app.telegram.queue_update(message(5001, "Hello"))
            for _ in range(200):
                if refused:
                    break
                await asyncio.sleep(0.01)
        assert refused  # the poller tried, and was refused
        for _ in range(300):
            if app.scalar("SELECT COUNT(*) FROM inbound") == 1:
                break
            await asyncio.sleep(0.01)
        assert app.scalar("SELECT COUNT(*) FROM inbound") == 1
        poller = kp.supervisor.tasks["telegram.poller"]
        assert poller.running and not poller.dead
