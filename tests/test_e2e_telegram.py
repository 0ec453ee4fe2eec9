"""End to end: the running app with a fake Bot API (through TELEGRAM_API_URL) and a fake Twilio."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.admin.importer import import_families, import_staff
from bot.admin.invites import create_invite
from bot.app import (
    TELEGRAM_CHAT_GAP_S,
    Keyperson,
    build,
    production_senders,
    production_telegram,
)
from bot.domain.people import PersonKind
from bot.flows.base import NotifyCarer, Transition
from bot.web import create_app
from tests.fakes.telegram_api import TOKEN, FakeTelegram, fake_telegram, serve_fake_telegram
from tests.fakes.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FakeTwilio,
    running_fake_twilio,
    serve_app,
)
from tests.harness import DATA, LAURA, RunningClock, scalar_at, settings_for

SECRET = "s3cret_for-tests"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
SAM = "+447400200006"  # a second carer of Amelia, who stays on SMS
LAURA_CHAT, TOM_CHAT, OTHER_CHAT = 5001, 6001, 6002
_ids = itertools.count(1000)
# Telegram's 1 s per-chat gap, shortened: these tests are about what is sent, not its pace
# (TelegramSender's own tests pin the pacing). The start-up and polling tests below keep the
# production gap, so the real pacing still runs end to end.
FAST_GAP_S = 0.02


@dataclass
class Running:
    """The app under test and the fakes around it."""

    http: httpx.AsyncClient
    telegram: FakeTelegram
    twilio: FakeTwilio
    keyperson: Keyperson
    db_path: Path

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        headers = {HEADER: secret} if secret is not None else {}
        return await self.http.post("/webhooks/telegram", json=update, headers=headers)

    async def say(self, chat: int, text: str, **extra: Any) -> httpx.Response:
        response = await self.post(message(chat, text, **extra))
        assert response.status_code == 200
        return response

    async def messages_to(self, chat: int, count: int) -> list[dict[str, Any]]:
        """Wait until `count` messages reached a chat; return them all."""
        for _ in range(400):
            sent = self.telegram.sent_to(chat)
            if len(sent) >= count:
                return sent
            await asyncio.sleep(0.02)
        raise AssertionError(f"chat {chat} got {len(self.telegram.sent_to(chat))}, not {count}")

    async def sms_to(self, number: str, count: int) -> list[dict[str, str]]:
        for _ in range(400):
            sent = [m for m in self.twilio.messages if m["To"] == number]
            if len(sent) >= count:
                return sent
            await asyncio.sleep(0.02)
        raise AssertionError(f"{number} got fewer than {count} SMS")

    async def sends_recorded(self) -> None:
        """Wait until the dispatcher has recorded every Telegram send's outcome (its message id,
        which a native reply names)."""
        for _ in range(400):
            if not self.scalar(
                "SELECT COUNT(*) FROM outbox WHERE channel = 'telegram' "
                "AND status IN ('queued', 'sending')"
            ):
                return
            await asyncio.sleep(0.02)
        raise AssertionError("telegram sends still unrecorded")

    def delivered(self, chat: int, params: dict[str, Any]) -> dict[str, Any]:
        """The message the fake made for these sendMessage parameters (the latest such)."""
        same = [
            m
            for (c, _), m in self.telegram.messages.items()
            if c == chat and m.get("text") == params["text"]
        ]
        return {**params, **same[-1]}

    def scalar(self, sql: str, *args: object) -> Any:
        return scalar_at(self.db_path, sql, *args)


def message(chat: int, text: str = "", **extra: Any) -> dict[str, Any]:
    """A private-chat message update, shaped as Telegram sends it."""
    body: dict[str, Any] = {
        "message_id": next(_ids),
        "date": 1764000000,
        "from": {"id": chat, "is_bot": False, "first_name": "Test"},
        "chat": {"id": chat, "type": "private", "first_name": "Test"},
        **extra,
    }
    if text:
        body["text"] = text
        if text.startswith("/"):
            body["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
    return {"update_id": next(_ids), "message": body}


def contact(chat: int, phone: str, user_id: int | None = None) -> dict[str, Any]:
    shared = {"phone_number": phone, "first_name": "Test", "user_id": user_id or chat}
    return message(chat, contact=shared)


def press(chat: int, sent: dict[str, Any], key: str) -> dict[str, Any]:
    """A callback_query for the button `key` under a message the fake delivered."""
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": str(next(_ids)),
            "from": {"id": chat, "is_bot": False, "first_name": "Test"},
            "chat_instance": "1",
            "data": key,
            "message": {
                "message_id": sent["message_id"],
                "date": 1764000000,
                "chat": {"id": chat, "type": "private"},
                "text": sent["text"],
                "reply_markup": sent["reply_markup"],
            },
        },
    }


def buttons(sent: dict[str, Any]) -> dict[str, str]:
    """callback_data -> label of a sent message's inline keyboard."""
    rows = sent["reply_markup"]["inline_keyboard"]
    return {b["callback_data"]: b["text"] for row in rows for b in row}


@asynccontextmanager
async def running(
    tmp_path: Path,
    *,
    polling: bool = False,
    clock: Any = None,
    extra_rows: str = "",
    chat_gap_s: float = FAST_GAP_S,
) -> AsyncIterator[Running]:
    """`keyperson serve`'s app with Telegram and SMS on loopback, test families imported."""
    fake = fake_telegram()
    async with serve_fake_telegram(fake) as telegram_url, running_fake_twilio() as twilio:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        public = f"http://127.0.0.1:{sock.getsockname()[1]}"
        settings = settings_for(
            tmp_path,
            public_url=None if polling else public,
            telegram_bot_token=TOKEN,
            telegram_webhook_secret=SECRET,
            telegram_api_url=telegram_url,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_from_number="+447700900999",
            twilio_api_url=twilio.url,
        )
        holder: dict[str, Keyperson] = {}

        async def factory() -> Keyperson:  # the wiring of `keyperson serve`
            kp = await build(
                settings,
                production_senders(settings),
                clock or RunningClock(),
                telegram=production_telegram(settings, chat_gap_s=chat_gap_s),
            )
            await import_staff(kp.db, kp.setting_id, DATA / "staff.csv", "GB")
            await import_families(kp.db, kp.setting_id, DATA / "families.csv", "GB", now=kp.clock())
            extra = tmp_path / "extra.csv"
            extra.write_text(
                (DATA / "families.csv").read_text().splitlines()[0]
                + "\nC01,Amelia,Hughes,2022-03-14,Acorns,S04,none,P06,Sam Hughes,step-dad,"
                "07400 200006,en,yes\n" + extra_rows
            )
            await import_families(kp.db, kp.setting_id, extra, "GB", now=kp.clock())
            holder["kp"] = kp
            return kp

        async with (
            serve_app(create_app(factory), lifespan="on", sock=sock),
            httpx.AsyncClient(base_url=public) as http,
        ):
            yield Running(http, fake, twilio, holder["kp"], tmp_path / "k.db")


async def link_laura(app: Running) -> None:
    await app.say(LAURA_CHAT, "/start")
    await app.post(contact(LAURA_CHAT, "+44 7400 200001"))
    await app.messages_to(LAURA_CHAT, 3)  # ask, welcome, where-to question


async def test_webhook_secret_duplicates_and_start_up(tmp_path):
    # Real pacing: the production per-chat gap, end to end.
    async with running(tmp_path, chat_gap_s=TELEGRAM_CHAT_GAP_S) as app:
        assert app.keyperson.telegram is not None
        assert app.keyperson.telegram.sender.chat_gap_s == TELEGRAM_CHAT_GAP_S
        webhook = app.telegram.called("setWebhook")[-1]
        assert webhook["url"].endswith("/webhooks/telegram")
        assert webhook["secret_token"] == SECRET
        assert set(webhook["allowed_updates"]) >= {"message", "callback_query", "my_chat_member"}
        menus = app.telegram.called("setMyCommands")
        assert {m.get("language_code") for m in menus} >= {None, "pl"}

        hello = message(OTHER_CHAT, "Hello, is this the nursery?")
        assert (await app.post(hello, secret=None)).status_code == 403
        assert (await app.post(hello, secret="wrong")).status_code == 403
        assert app.scalar("SELECT COUNT(*) FROM inbound") == 0

        assert (await app.post(hello)).status_code == 200
        assert (await app.post(hello)).status_code == 200  # Telegram redelivered it
        (answer,) = await app.messages_to(OTHER_CHAT, 1)
        assert app.scalar("SELECT COUNT(*) FROM inbound") == 1
        assert "Share my phone number" in str(answer["reply_markup"])
        for name in ("Amelia", "Tom", "Laura"):
            assert name not in answer["text"]


async def test_linking_by_contact_and_by_code_and_relay_both_ways(tmp_path):
    async with running(tmp_path) as app:
        await app.say(LAURA_CHAT, "/start")
        (ask,) = await app.messages_to(LAURA_CHAT, 1)
        keyboard = ask["reply_markup"]["keyboard"]
        assert keyboard[0][0]["request_contact"] is True

        await app.post(contact(LAURA_CHAT, "+447400100004", user_id=777))  # Tom's, not hers
        refused = (await app.messages_to(LAURA_CHAT, 2))[-1]
        assert "own phone number" in refused["text"]
        assert app.scalar("SELECT COUNT(*) FROM contacts WHERE channel = 'telegram'") == 0

        await app.post(contact(LAURA_CHAT, "447400200001"))  # Telegram may leave out the +
        welcome, where = (await app.messages_to(LAURA_CHAT, 4))[2:]
        assert "Hello Laura Hughes" in welcome["text"] and "Amelia" in welcome["text"]
        assert set(buttons(where)) == {"telegram", "both", "sms", "not_now"}
        where = app.delivered(LAURA_CHAT, where)
        await app.post(press(LAURA_CHAT, where, "telegram"))
        done = (await app.messages_to(LAURA_CHAT, 5))[-1]
        assert "Telegram" in done["text"]
        assert app.telegram.called("answerCallbackQuery")
        edit = app.telegram.called("editMessageText")[-1]
        assert edit["text"].endswith("Here on Telegram") and "reply_markup" not in edit
        again = await app.post(press(LAURA_CHAT, where, "sms"))  # an old button, pressed again
        assert again.status_code == 200
        stale = (await app.messages_to(LAURA_CHAT, 6))[-1]
        assert "already been answered" in stale["text"]

        kp = app.keyperson
        invite = await create_invite(kp.db, kp.setting_id, PersonKind.STAFF, "S04", 7, kp.clock())
        await app.say(TOM_CHAT, f"/start {invite.code}")
        tom_welcome = (await app.messages_to(TOM_CHAT, 2))[0]
        assert "Hello Tom Baker" in tom_welcome["text"]
        await app.say(OTHER_CHAT, f"/start {invite.code}")  # the code works once
        (used,) = await app.messages_to(OTHER_CHAT, 1)
        assert "already been used" in used["text"]
        assert app.scalar("SELECT code_hash FROM invites") != invite.code

        await app.say(LAURA_CHAT, "Is Amelia's coat still at nursery?")
        relayed = (await app.messages_to(TOM_CHAT, 3))[-1]
        assert "Amelia" in relayed["text"] and "coat" in relayed["text"]
        relayed = app.delivered(TOM_CHAT, relayed)
        (reply_key,) = buttons(relayed)
        assert reply_key.startswith("reply:")
        staff_menu = app.telegram.called("setMyCommands")[-1]
        assert staff_menu["scope"] == {"type": "chat", "chat_id": TOM_CHAT}
        assert "reply" in {c["command"] for c in staff_menu["commands"]}

        await app.post(press(TOM_CHAT, relayed, reply_key))
        compose = (await app.messages_to(TOM_CHAT, 4))[-1]
        assert "Laura Hughes" in compose["text"]
        await app.say(TOM_CHAT, "Yes, it is on her peg.")
        answer = (await app.messages_to(LAURA_CHAT, 8))[-2:]
        assert any("on her peg" in m["text"] for m in answer)

        await app.say(LAURA_CHAT, "Thank you! And her hat?")
        relayed_again = app.delivered(TOM_CHAT, (await app.messages_to(TOM_CHAT, 6))[-1])
        await app.sends_recorded()  # Tom's app shows it once Telegram has answered for it
        reply_to = {
            "message_id": relayed_again["message_id"],
            "date": 1764000000,
            "chat": {"id": TOM_CHAT, "type": "private"},
            "text": relayed_again["text"],
        }
        await app.say(TOM_CHAT, "The hat is there too.", reply_to_message=reply_to)
        # Tom answered in between, so her next message was acknowledged afresh.
        last = (await app.messages_to(LAURA_CHAT, 10))[-3:]
        assert any("hat is there too" in m["text"] for m in last)


async def test_two_carers_two_channels_429_and_fallback_after_a_block(tmp_path):
    async with running(tmp_path) as app:
        await link_laura(app)
        kp = app.keyperson
        app.telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", 1)
        async with kp.db.reading() as repos:
            laura = await repos.people.carer(
                (await repos.people.contact("sms", LAURA)).person_id  # type: ignore[union-attr]
            )
            sam = await repos.people.contact("sms", SAM)
        amelia = laura.children[0].child_id
        notice = Transition(
            None,
            {},
            tuple(
                NotifyCarer(carer, _text("optout.started"), about_child=amelia)
                for carer in (laura.id, sam.person_id)  # type: ignore[union-attr]
            ),
        )
        await _apply(kp, notice)
        sms = await app.sms_to(SAM, 1)
        assert "text messages" in sms[0]["Body"]
        telegram = await app.messages_to(LAURA_CHAT, 4)  # sent once the 429 was waited out
        assert len(app.telegram.called("sendMessage")) >= 5  # the refused attempt, then this
        assert not [m for m in app.twilio.messages if m["To"] == LAURA]
        assert "text messages" in telegram[-1]["text"]

        await app.say(LAURA_CHAT, "Can I pick Amelia up early?")
        relayed = await app.sms_to("+447400100004", 1)  # Tom is on SMS
        code = next(w for w in relayed[-1]["Body"].split() if w.startswith("#"))
        app.telegram.blocked_chats.add(LAURA_CHAT)
        kicked = {
            "update_id": next(_ids),
            "my_chat_member": {
                "chat": {"id": LAURA_CHAT, "type": "private", "first_name": "Test"},
                "from": {"id": LAURA_CHAT, "is_bot": False, "first_name": "Test"},
                "date": 1764000000,
                "old_chat_member": {
                    "user": {"id": 999, "is_bot": True, "first_name": "K"},
                    "status": "member",
                },
                "new_chat_member": {
                    "user": {"id": 999, "is_bot": True, "first_name": "K"},
                    "status": "kicked",
                    "until_date": 0,
                },
            },
        }
        await _answer_by_sms(app, code, "Yes, any time after 2pm.")
        fallback = await app.sms_to(LAURA, 1)  # Telegram refused: the answer came by SMS
        assert "after 2pm" in fallback[-1]["Body"]
        unreachable = "SELECT unreachable FROM contacts WHERE channel = 'telegram'"
        assert app.scalar(unreachable) == 1
        await app.post(kicked)
        unblocked = dict(kicked, update_id=next(_ids))
        unblocked["my_chat_member"] = {
            **kicked["my_chat_member"],
            "old_chat_member": kicked["my_chat_member"]["new_chat_member"],
            "new_chat_member": kicked["my_chat_member"]["old_chat_member"],
        }
        await app.post(unblocked)
        for _ in range(200):
            if app.scalar(unreachable) == 0:
                break
            await asyncio.sleep(0.02)
        assert app.scalar(unreachable) == 0


async def test_polling_stores_before_confirming(tmp_path):
    # Real pacing: the production per-chat gap, end to end.
    async with running(tmp_path, polling=True, chat_gap_s=TELEGRAM_CHAT_GAP_S) as app:
        assert app.telegram.called("deleteWebhook")
        app.telegram.queue_update(message(OTHER_CHAT, "hello"))
        await app.messages_to(OTHER_CHAT, 1)
        for _ in range(200):
            if any(o for o in app.telegram.offsets if o):
                break
            await asyncio.sleep(0.02)
        stored = app.scalar("SELECT MAX(CAST(external_id AS INTEGER)) FROM inbound")
        assert max(o for o in app.telegram.offsets if o) == stored + 1


def _text(key: str):
    from bot.domain.messages import Text

    return Text(key, {"setting": "Little Acorns"})


async def _apply(kp: Keyperson, transition: Transition) -> None:
    from bot.engine.effects import Origin

    origin = Origin("sms", "system", kp.setting_id, None, "en")
    async with kp.db.transaction() as repos:
        await kp.router.effects.apply(repos, origin, transition, kp.clock(), False)
    kp.dispatcher.wake()


async def _answer_by_sms(app: Running, code: str, text: str) -> None:
    from tests.test_e2e_sms import inbound_form, signed

    public = str(app.http.base_url).rstrip("/")
    form = inbound_form("SM" + f"{next(_ids):032d}", "+447400100004", f"{code} {text}")
    path = "/webhooks/twilio/sms"
    response = await app.http.post(path, **signed(public, path, form))
    assert response.status_code == 200


async def test_every_recorded_update_is_taken_as_its_kind(tmp_path, external):
    expected = {
        "message_text_private.json": "message",
        "message_text_private_captured.json": "message",
        "message_text_private_captured_2.json": "message",
        "derived-message_start_plain.json": "start",
        "derived-message_start_deeplink.json": "start",
        "derived-message_contact_own.json": "contact",
        "derived-message_contact_own_no_plus.json": "contact",
        "derived-message_contact_someone_else.json": "contact_other",
        "callback_query_with_message.json": "message",
        "my_chat_member_kicked_private.json": "blocked",
        "derived-my_chat_member_unblocked_private.json": "unblocked",
        "derived-edited_message_private.json": "edited",
        "message_photo_private.json": "unsupported",
        "message_document_pdf_private.json": "unsupported",
        "message_command_group.json": None,  # a group: not ours to read
        "callback_query_inline_message.json": None,  # answered, nothing to store
    }
    folder = external / "telegram" / "updates"
    async with running(tmp_path) as app:
        for number, (name, kind) in enumerate(sorted(expected.items())):
            update = json.loads((folder / name).read_text())
            update["update_id"] = 900000 + number  # the samples reuse ids; ours must not clash
            assert (await app.post(update)).status_code == 200, name
            stored = app.scalar(
                "SELECT json_extract(payload, '$.kind') FROM inbound WHERE external_id = ?",
                str(update["update_id"]),
            )
            assert stored == kind, name
        assert app.telegram.called("answerCallbackQuery")
        for _ in range(200):
            if not app.scalar("SELECT COUNT(*) FROM inbound WHERE handled_at IS NULL"):
                break
            await asyncio.sleep(0.02)
        assert app.scalar("SELECT COUNT(*) FROM inbound WHERE error IS NOT NULL") == 0
        assert app.scalar("SELECT COUNT(*) FROM contacts WHERE channel = 'telegram'") == 0


def test_production_keeps_telegrams_one_second_gap_per_chat(tmp_path):
    # The tests above shorten the gap; what `keyperson serve` builds keeps Telegram's own.
    settings = settings_for(tmp_path, telegram_bot_token=TOKEN, telegram_api_url="http://x")
    channel = production_telegram(settings)
    assert channel is not None and channel.sender.chat_gap_s == 1.0 == TELEGRAM_CHAT_GAP_S
