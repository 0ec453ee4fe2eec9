"""The demo and its simulator: both channels through the real parsers, router, flows and outbox."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from starlette.applications import Starlette

from bot.app import Keyperson
from bot.config import Settings
from bot.demo import demo_app
from bot.domain.errors import SendError
from bot.domain.messages import Address, Channel, ChoiceStyle, Outbound, RenderedChoice
from bot.handlers.simulator.page import (
    BadRequest,
    SimulatorPage,
    SimulatorSender,
    telegram_chat_id,
    text_content,
)
from bot.handlers.telegram.parse import chosen_text
from bot.storage.rows import NewOutbox
from tests.fakes.twilio_api import serve_app
from tests.harness import KASIA, LAURA, TOM, Clock, RunningClock, make_keyperson

DEMO_LAURA = "+447700900101"
DEMO_TOM = "+447700900004"
DEMO_KASIA = "+447700900103"
LAURA_CHAT = "447400200001"  # LAURA's digits: the simulated Telegram chat id
MENU = [
    RenderedChoice("yes", "Yes please"),
    RenderedChoice("no", "No thanks"),
    RenderedChoice("reply", "Reply", ChoiceStyle.TAP),
]


# --- the demo, end to end over HTTP ---------------------------------------------------------


async def messages(
    http: httpx.AsyncClient, address: str, count: int, channel: str = "sms"
) -> list[dict[str, Any]]:
    """The phone's conversation once it holds at least `count` messages."""
    params = {"address": address, "channel": channel}
    for _ in range(300):
        found = (await http.get("/simulator/api/messages", params=params)).json()
        if len(found["messages"]) >= count:
            return list(found["messages"])
        await asyncio.sleep(0.02)
    raise AssertionError(f"{address} has {found}")


async def test_demo_simulator_relays_both_ways(tmp_path):
    app = demo_app(Settings(), tmp_path, clock=RunningClock())
    async with serve_app(app, lifespan="on") as url, httpx.AsyncClient(base_url=url) as http:
        health = (await http.get("/healthz")).json()
        assert health["status"] == "ok" and health["channels"] == ["sms", "telegram"]
        page = await http.get("/simulator")
        assert page.status_code == 200 and "Keyperson simulator" in page.text
        people = (await http.get("/simulator/api/people")).json()["people"]
        assert len([p for p in people if p["kind"] == "carer"]) >= 10
        assert {p["language"] for p in people} >= {"en", "pl"}
        assert len({p["telegram"] for p in people}) == len(people)

        assert (await post(http, address=DEMO_LAURA)).status_code == 400
        too_long = {"address": DEMO_LAURA, "text": "x" * 2000}
        assert (await http.post("/simulator/api/send", json=too_long)).status_code == 400

        await http.post("/simulator/api/send", json={"address": DEMO_LAURA, "text": "Hi"})
        await http.post("/simulator/api/send", json={"address": DEMO_LAURA, "text": "Is she OK?"})
        (relayed,) = await messages(http, DEMO_TOM, 1)
        code = next(w for w in relayed["text"].split() if w.startswith("#"))
        await http.post("/simulator/api/send", json={"address": DEMO_TOM, "text": f"{code} Yes!"})
        laura = await messages(http, DEMO_LAURA, 5)
        assert laura[-1]["dir"] == "out" and "Yes!" in laura[-1]["text"]

        await http.post("/simulator/api/send", json={"address": DEMO_LAURA, "text": "INFO"})
        laura = await messages(http, DEMO_LAURA, 7)
        assert "\n1 " in laura[-1]["text"] and "\n5 " in laura[-1]["text"]  # as SMS renders it

        await http.post("/simulator/api/send", json={"address": DEMO_KASIA, "text": "Dzień dobry"})
        (_, welcome) = await messages(http, DEMO_KASIA, 2)
        assert "Zofia" in welcome["text"] and "Anna Kowalska" in welcome["text"]


async def test_demo_links_a_telegram_chat_and_answers_its_buttons(tmp_path):
    app = demo_app(Settings(), tmp_path, clock=RunningClock())
    chat = str(telegram_chat_id(DEMO_LAURA))
    async with serve_app(app, lifespan="on") as url, httpx.AsyncClient(base_url=url) as http:

        async def send(**fields: Any) -> None:
            body = {"address": chat, "channel": "telegram", **fields}
            answer = await http.post("/simulator/api/send", json=body)
            assert answer.status_code == 200, answer.text

        async def chat_view() -> dict[str, Any]:
            params = {"address": chat, "channel": "telegram"}
            return dict((await http.get("/simulator/api/messages", params=params)).json())

        assert (await chat_view())["linked"] is False
        await send(text="/start")
        (start, ask) = await messages(http, chat, 2, "telegram")
        assert start == {**start, "dir": "in", "text": "/start"} and ask["dir"] == "out"
        assert (await chat_view())["keyboard"][0][0]["kind"] == "contact"

        await send(contact=True)
        found = await messages(http, chat, 4, "telegram")
        assert found[2]["text"] == "[shared phone number]"
        assert any("Amelia" in m["text"] for m in found[3:])
        view = await chat_view()
        assert view["linked"] is True and view["keyboard"] is None

        await send(text="INFO")
        before = len(await messages(http, chat, len(found) + 2, "telegram"))
        menu = (await chat_view())["messages"][-1]
        assert menu["buttons"] and "\n1 " not in menu["text"]
        button = menu["buttons"][-1][0]
        await send(choice=button["key"], message_id=menu["id"])
        after = await messages(http, chat, before + 2, "telegram")
        pressed = next(m for m in after if m.get("id") == menu["id"])
        assert pressed["buttons"] == [] and pressed["text"].endswith("✓ " + button["text"])
        assert after[before]["text"] == "[pressed] " + button["text"]
        assert after[-1]["dir"] == "out"


# --- the page's API against a test setting --------------------------------------------------


class Ticking(Clock):
    """A clock a second later at every reading, so the page can order a chat's messages."""

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
async def keyperson(tmp_path) -> AsyncIterator[Keyperson]:
    app = await make_keyperson(tmp_path, Ticking())
    yield app
    await app.db.close()


@pytest.fixture
async def page(keyperson) -> SimulatorPage:
    return SimulatorPage(keyperson.db, keyperson.setting_id, keyperson.router.accept, Clock())


@pytest.fixture
async def http(page) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=Starlette(routes=page.routes()))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        yield client


async def delivered(
    keyperson: Keyperson, channel: Channel, address: str, body: str, choices: list[RenderedChoice]
) -> int:
    """Put a delivered message in the outbox, as if a flow had sent it; return its id."""
    row = NewOutbox(
        setting_id=keyperson.setting_id,
        channel=channel.value,
        address=address,
        person_kind=None,
        person_id=None,
        priority=1,
        body=body,
        choices=[c.as_dict() for c in choices],
    )
    async with keyperson.db.transaction() as repos:
        await repos.outbox.add([row], keyperson.clock())
        (last,) = await repos.conn.execute_fetchall("SELECT MAX(id) FROM outbox")
        await repos.conn.execute("UPDATE outbox SET status = 'delivered' WHERE id = ?", (last[0],))
    return int(last[0])


async def stored(keyperson: Keyperson, channel: str = "telegram") -> list[dict[str, Any]]:
    """The payloads stored for inbound messages of a channel, oldest first."""
    async with keyperson.db.inbound.reading() as inbox:
        rows = await inbox.conn.execute_fetchall(
            "SELECT external_id, address, payload FROM inbound WHERE channel = ? ORDER BY id",
            (channel,),
        )
    return [{"external_id": r[0], "address": r[1], **json.loads(r[2])} for r in rows]


async def post(http: httpx.AsyncClient, **body: Any) -> httpx.Response:
    """Send as a phone of the page."""
    return await http.post("/simulator/api/send", json=body)


async def view(http: httpx.AsyncClient, address: str, channel: str) -> dict[str, Any]:
    params = {"address": address, "channel": channel}
    answer = await http.get("/simulator/api/messages", params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_chat_ids_are_the_numbers_digits_and_differ_between_people():
    assert telegram_chat_id(LAURA) == 447400200001
    assert telegram_chat_id(KASIA) == 48601234567
    assert 0 < telegram_chat_id("+999999999999999") < 2**63
    assert len({telegram_chat_id(p) for p in (LAURA, KASIA, TOM, "+15551234567")}) == 4
    for bad in ("447400200001", "+", "+0123", "+1234567890123456", "+44 7400", "+٤٤"):
        with pytest.raises(BadRequest):
            telegram_chat_id(bad)


def test_commands_carry_the_bot_command_entity():
    assert text_content("hello /start") == {"text": "hello /start"}
    entity = {"type": "bot_command", "offset": 0, "length": 6}
    assert text_content("/start CODE") == {"text": "/start CODE", "entities": [entity]}


async def test_simulator_sender_delivers_on_its_channel():
    sms, telegram = SimulatorSender(), SimulatorSender(channel=Channel.TELEGRAM)
    assert (sms.channel, telegram.channel) == (Channel.SMS, Channel.TELEGRAM)
    assert telegram.chat_gap_s == 0
    message = Outbound(7, Address(Channel.TELEGRAM, LAURA_CHAT), "Hi")
    assert (await telegram.send(message)).provider_id == f"{LAURA_CHAT}:7"
    assert (await sms.send(Outbound(7, Address(Channel.SMS, LAURA), "Hi"))).status == "delivered"
    await sms.close()
    unsendable = (RenderedChoice("k" * 65, "Too long a key for a button"),)
    with pytest.raises(SendError) as failed:  # as the real Telegram sender fails it
        await telegram.send(Outbound(8, Address(Channel.TELEGRAM, LAURA_CHAT), "Hi", unsendable))
    assert failed.value.retryable is False


async def test_a_message_telegram_cannot_render_shows_as_its_text(http, keyperson):
    unsendable = [RenderedChoice("k" * 65, "Too long a key for a button")]
    await delivered(keyperson, Channel.TELEGRAM, LAURA_CHAT, "Pick one", unsendable)
    (message,) = (await view(http, LAURA_CHAT, "telegram"))["messages"]
    assert message["text"] == "Pick one" and message["buttons"] == []


async def test_telegram_text_is_parsed_as_telegram_would_post_it(http, keyperson):
    for address in (LAURA, LAURA_CHAT):  # a person's number or their chat id
        sent = {"address": address, "channel": "telegram", "text": "/start"}
        assert (await http.post("/simulator/api/send", json=sent)).json() == {"stored": True}
    await post(http, address=LAURA, channel="telegram", text="Hi")
    first, second, hello = await stored(keyperson)
    assert first["address"] == LAURA_CHAT and first["kind"] == "start" and first["text"] == ""
    assert first["display_name"] == "Laura" and first["external_id"].isdigit()
    assert len({first["external_id"], second["external_id"], hello["external_id"]}) == 3
    assert hello["kind"] == "message" and hello["text"] == "Hi"
    shown = (await view(http, LAURA_CHAT, "telegram"))["messages"]
    assert [m["text"] for m in shown] == ["/start", "/start", "Hi"]
    assert await stored(keyperson, "sms") == []


async def test_a_shared_contact_is_the_persons_own_number(http, keyperson):
    sent = {"address": LAURA_CHAT, "channel": "telegram", "contact": True}
    assert (await http.post("/simulator/api/send", json=sent)).status_code == 200
    (contact,) = await stored(keyperson)
    assert contact["kind"] == "contact" and contact["text"] == LAURA
    assert (await view(http, LAURA, "telegram"))["messages"][0]["text"] == "[shared phone number]"


async def test_one_message_renders_as_buttons_on_telegram_and_numbers_on_sms(http, keyperson):
    await delivered(keyperson, Channel.TELEGRAM, LAURA_CHAT, "Come to the workshop?", MENU)
    await delivered(keyperson, Channel.SMS, LAURA, "Come to the workshop?", MENU)
    telegram = await view(http, LAURA_CHAT, "telegram")
    (message,) = telegram["messages"]
    assert message["text"] == "Come to the workshop?" and message["status"] == "delivered"
    assert message["buttons"] == [
        [{"text": "Yes please", "key": "yes", "kind": "callback"}],
        [{"text": "No thanks", "key": "no", "kind": "callback"}],
        [{"text": "Reply", "key": "reply", "kind": "callback"}],
    ]
    assert telegram["linked"] is False and telegram["keyboard"] is None
    (sms,) = (await view(http, LAURA, "sms"))["messages"]
    assert sms["text"] == "Come to the workshop?\n\n1 Yes please\n2 No thanks"  # no TAP on SMS
    assert "buttons" not in sms


async def test_a_pressed_button_is_a_callback_and_the_message_shows_the_choice(http, keyperson):
    other = await delivered(keyperson, Channel.TELEGRAM, "48601234567", "Kasia's question", MENU)
    first = await delivered(keyperson, Channel.TELEGRAM, LAURA_CHAT, "Come?", MENU)
    press = {"address": LAURA_CHAT, "channel": "telegram", "choice": "no", "message_id": first}
    assert (await http.post("/simulator/api/send", json=press)).json() == {"stored": True}
    (stored_press,) = await stored(keyperson)
    assert stored_press["choice"] == "no" and stored_press["address"] == LAURA_CHAT
    (message, answer) = (await view(http, LAURA_CHAT, "telegram"))["messages"]
    assert message["text"] == chosen_text("Come?", "No thanks") and message["buttons"] == []
    assert message["pressed"] == "No thanks"
    assert answer == {**answer, "dir": "in", "text": "[pressed] No thanks", "choice": "no"}

    again = await http.post("/simulator/api/send", json=press)
    assert again.status_code == 400 and "answered already" in again.json()["error"]
    elsewhere = await http.post("/simulator/api/send", json={**press, "message_id": other})
    assert elsewhere.status_code == 400 and "no message" in elsewhere.json()["error"]
    later = await delivered(keyperson, Channel.TELEGRAM, LAURA_CHAT, "More?", MENU)
    no_such = await post(http, **{**press, "message_id": later, "choice": "x"})
    assert no_such.status_code == 400 and "no button" in no_such.json()["error"]


async def test_a_contact_request_is_a_keyboard_until_answered(http, keyperson):
    share = [RenderedChoice("share_phone", "Share my phone number", ChoiceStyle.CONTACT)]
    await delivered(keyperson, Channel.TELEGRAM, LAURA_CHAT, "Who are you?", share)
    wanted = [[{"text": "Share my phone number", "key": "share_phone", "kind": "contact"}]]
    asked = await view(http, LAURA_CHAT, "telegram")
    assert asked["keyboard"] == wanted and asked["messages"][0]["keyboard"] == wanted
    await post(http, address=LAURA, channel="telegram", contact=True)
    assert (await view(http, LAURA_CHAT, "telegram"))["keyboard"] is None
    await delivered(keyperson, Channel.TELEGRAM, LAURA_CHAT, "Try again", share)
    await delivered(keyperson, Channel.TELEGRAM, LAURA_CHAT, "Never mind", [])
    assert (await view(http, LAURA_CHAT, "telegram"))["keyboard"] is None  # removed again


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"text": "Hi"}, "address"),
        ({"address": LAURA}, "exactly one"),
        ({"address": LAURA, "text": "Hi", "contact": True}, "exactly one"),
        ({"address": LAURA, "channel": "fax", "text": "Hi"}, "channel"),
        ({"address": LAURA, "choice": "yes", "message_id": 1}, "only text"),
        ({"address": LAURA, "contact": True}, "only text"),
        ({"address": LAURA, "text": " "}, "1 to 1600"),
        ({"address": LAURA, "text": "x" * 1601}, "1 to 1600"),
        ({"address": LAURA, "channel": "telegram", "text": "x" * 4097}, "1 to 4096"),
        ({"address": LAURA, "channel": "telegram", "choice": "yes"}, "message_id"),
        ({"address": LAURA, "channel": "telegram", "choice": "y", "message_id": "1"}, "message_id"),
        ({"address": LAURA, "channel": "telegram", "choice": "y", "message_id": True}, "_id"),
        ({"address": LAURA, "channel": "telegram", "contact": "yes"}, "contact"),
        ({"address": "Laura", "channel": "telegram", "text": "Hi"}, "E.164"),
        (["not", "an", "object"], "JSON object"),
    ],
)
async def test_bad_input_is_refused_with_a_reason(http, keyperson, body, complaint):
    answer = await http.post("/simulator/api/send", json=body)
    assert answer.status_code == 400 and complaint in answer.json()["error"]
    assert await stored(keyperson) == [] and await stored(keyperson, "sms") == []


async def test_sms_and_telegram_texts_up_to_their_limits_are_taken(http, keyperson):
    sms = await http.post("/simulator/api/send", json={"address": LAURA, "text": "x" * 1600})
    long = {"address": LAURA, "channel": "telegram", "text": "y" * 4096}
    telegram = await http.post("/simulator/api/send", json=long)
    assert sms.status_code == telegram.status_code == 200
    assert len((await stored(keyperson, "sms"))[0]["text"]) == 1600


async def test_bad_requests_to_the_read_api(http):
    not_json = await http.post("/simulator/api/send", content=b"{", headers={"content-type": "x"})
    assert not_json.status_code == 400 and "JSON" in not_json.json()["error"]
    unknown = await http.get("/simulator/api/messages", params={"address": LAURA, "channel": "x"})
    assert unknown.status_code == 400 and "channel" in unknown.json()["error"]
    nobody = await http.get("/simulator/api/messages", params={"channel": "telegram"})
    assert nobody.status_code == 400
    people = (await http.get("/simulator/api/people")).json()["people"]
    laura = next(p for p in people if p["phone"] == LAURA)
    assert laura["telegram"] == LAURA_CHAT


async def test_a_message_held_by_quiet_hours_shows_when_it_will_arrive(keyperson):
    night = Clock(datetime(2026, 11, 24, 21, 0, tzinfo=UTC))
    page = SimulatorPage(
        keyperson.db,
        keyperson.setting_id,
        keyperson.router.accept,
        night,
        ZoneInfo("Europe/London"),
    )
    morning = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
    for channel, address in ((Channel.SMS, LAURA), (Channel.TELEGRAM, LAURA_CHAT)):
        row = NewOutbox(keyperson.setting_id, channel.value, address, None, None, 5, "Held", [])
        queued = NewOutbox(keyperson.setting_id, channel.value, address, None, None, 1, "Due", [])
        async with keyperson.db.transaction() as repos:
            await repos.outbox.add([replace(row, not_before=morning), queued], night())
    transport = httpx.ASGITransport(app=Starlette(routes=page.routes()))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        for address, channel in ((LAURA, "sms"), (LAURA_CHAT, "telegram")):
            shown = (await view(http, address, channel))["messages"]
            # The held message is on the page, marked; the one about to be sent is not yet.
            assert [(m["text"], m["status"], m.get("arrives")) for m in shown] == [
                ("Held", "held", "tomorrow 07:30")
            ]
    night.now = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)  # due now: about to go, not held
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        assert (await view(http, LAURA, "sms"))["messages"] == []


async def test_demo_a_manager_invites_families_to_a_workshop_and_a_parent_answers(tmp_path):
    app = demo_app(Settings(), tmp_path, clock=RunningClock())
    sarah = "+447700900001"
    async with serve_app(app, lifespan="on") as url, httpx.AsyncClient(base_url=url) as http:

        async def said(address: str, words: str) -> str:
            for _ in range(300):
                found = await http.get("/simulator/api/messages", params={"address": address})
                texts = [m["text"] for m in found.json()["messages"] if m["dir"] == "out"]
                if any(words in t for t in texts):
                    return next(t for t in reversed(texts) if words in t)
                await asyncio.sleep(0.02)
            raise AssertionError(f"{address}: no message with {words!r}")

        async def send(address: str, text: str) -> None:
            await http.post("/simulator/api/send", json={"address": address, "text": text})

        await send(sarah, "WORKSHOP")
        await said(sarah, "Which workshop do you want to invite families to?")
        await send(sarah, "1")
        preview = await said(sarah, "This invite goes to ")
        assert "W-1" in preview and "1 Send the invite" in preview
        await send(sarah, "1")
        await said(sarah, "The invite to W-1 is on its way")
        invite = await said(DEMO_LAURA, "invites you to a workshop for families")
        assert "Helping your child with talking" in invite
        assert invite.endswith("1 Yes\n2 No\n3 Maybe")
        await send(DEMO_LAURA, "1")
        await said(DEMO_LAURA, "Thank you, you have a place at Helping your child with talking")
