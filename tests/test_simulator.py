"""The demo: health check, the simulator page and its API, through the same router as SMS."""

from __future__ import annotations

import asyncio

import httpx

from bot.config import Settings
from bot.demo import demo_app
from tests.fakes.twilio_api import serve_app

LAURA = "+447700900101"
TOM = "+447700900004"
KASIA = "+447700900103"


async def messages(http: httpx.AsyncClient, address: str, count: int) -> list[dict]:
    for _ in range(300):
        found = (await http.get("/simulator/api/messages", params={"address": address})).json()
        if len(found["messages"]) >= count:
            return found["messages"]
        await asyncio.sleep(0.02)
    raise AssertionError(f"{address} has {found}")


async def test_demo_simulator_relays_both_ways(tmp_path):
    app = demo_app(Settings(), tmp_path)
    async with serve_app_with_lifespan(app) as url, httpx.AsyncClient(base_url=url) as http:
        assert (await http.get("/healthz")).json()["status"] == "ok"
        page = await http.get("/simulator")
        assert page.status_code == 200 and "Keyperson simulator" in page.text
        people = (await http.get("/simulator/api/people")).json()["people"]
        assert len([p for p in people if p["kind"] == "carer"]) >= 10
        assert {p["language"] for p in people} >= {"en", "pl"}

        assert (await http.post("/simulator/api/send", json={"address": LAURA})).status_code == 400
        too_long = {"address": LAURA, "text": "x" * 2000}
        assert (await http.post("/simulator/api/send", json=too_long)).status_code == 400

        await http.post("/simulator/api/send", json={"address": LAURA, "text": "Hi"})
        await http.post("/simulator/api/send", json={"address": LAURA, "text": "Is she OK?"})
        (relayed,) = await messages(http, TOM, 1)
        code = next(w for w in relayed["text"].split() if w.startswith("#"))
        await http.post("/simulator/api/send", json={"address": TOM, "text": f"{code} Yes!"})
        laura = await messages(http, LAURA, 5)
        assert laura[-1]["dir"] == "out" and "Yes!" in laura[-1]["text"]

        await http.post("/simulator/api/send", json={"address": LAURA, "text": "INFO"})
        laura = await messages(http, LAURA, 7)
        assert "\n1 " in laura[-1]["text"] and "\n5 " in laura[-1]["text"]  # as SMS renders it

        await http.post("/simulator/api/send", json={"address": KASIA, "text": "Dzień dobry"})
        (_, welcome) = await messages(http, KASIA, 2)
        assert "Zofia" in welcome["text"] and "Anna Kowalska" in welcome["text"]


def serve_app_with_lifespan(app):
    return serve_app(app, lifespan="on")
