"""Telegram through the router and dispatcher: invites, channel choice, stale buttons, fallback."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from bot.admin.importer import import_families, import_staff
from bot.admin.invites import create_invite
from bot.app import build
from bot.domain.errors import SendError
from bot.domain.messages import Channel, Inbound, InboundKind, Text
from bot.domain.people import PersonKind
from bot.flows.base import NotifyCarer, Transition
from bot.storage.rows import OutboxRow
from tests.harness import DATA, LAURA, TUESDAY_10AM, Clock, FakeSender, queued_since, settings_for

CHAT = "5001"
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)  # every queued message is due by then
_ids = itertools.count(1)


class TelegramFake(FakeSender):
    channel = Channel.TELEGRAM


async def keyperson(tmp_path, clock=None):
    sms, telegram = FakeSender(), TelegramFake()
    kp = await build(
        settings_for(tmp_path), {Channel.SMS: sms, Channel.TELEGRAM: telegram}, clock or Clock()
    )
    await import_staff(kp.db, kp.setting_id, DATA / "staff.csv", "GB")
    await import_families(kp.db, kp.setting_id, DATA / "families.csv", "GB", now=kp.clock())
    return kp, sms, telegram


async def tell(kp, text="", kind=InboundKind.MESSAGE, choice=None, chat=CHAT) -> list[OutboxRow]:
    async with kp.db.reading() as repos:
        last = next(iter(await repos.conn.execute_fetchall("SELECT MAX(id) FROM outbox")))[0]
    inbound = Inbound(
        Channel.TELEGRAM, chat, str(next(_ids)), TUESDAY_10AM, text, choice=choice, kind=kind
    )
    await kp.router.accept(inbound)
    await kp.router.drain()
    return await queued_since(kp, last or 0)


async def test_invite_codes_work_once_and_expire(tmp_path):
    clock = Clock()
    kp, _, _ = await keyperson(tmp_path, clock)
    old = await create_invite(kp.db, kp.setting_id, PersonKind.CARER, "P01", 1, clock())
    fresh = await create_invite(kp.db, kp.setting_id, PersonKind.CARER, "P01", 7, clock())
    clock.now += timedelta(days=2)
    (expired,) = await tell(kp, old.code, InboundKind.START)
    assert "out of date" in expired.body
    welcome = await tell(kp, fresh.code, InboundKind.START)
    assert "Hello Laura Hughes" in welcome[0].body
    again = await tell(kp, fresh.code, InboundKind.START, chat="5002")
    assert "already been used" in again[0].body
    async with kp.db.reading() as repos:
        contact = await repos.people.contact("telegram", CHAT)
        assert contact is not None and contact.linked
        assert await repos.links.preference(PersonKind.CARER, contact.person_id) == "telegram"
    await kp.db.close()


async def test_a_new_telegram_account_replaces_the_old_one(tmp_path):
    kp, _, _ = await keyperson(tmp_path)
    await tell(kp, LAURA, InboundKind.CONTACT)
    await tell(kp, LAURA, InboundKind.CONTACT, chat="7007")
    async with kp.db.reading() as repos:
        assert await repos.people.contact("telegram", CHAT) is None
        assert await repos.people.contact("telegram", "7007") is not None
    await kp.db.close()


async def test_a_button_of_an_answered_question_changes_nothing(tmp_path):
    kp, _, _ = await keyperson(tmp_path)
    await tell(kp, LAURA, InboundKind.CONTACT)  # linked; the where-to question is open
    (done,) = await tell(kp, choice="sms")
    assert "text message" in done.body
    (stale,) = await tell(kp, choice="telegram")
    assert "already been answered" in stale.body
    menu = await tell(kp, "INFO")
    (answer,) = await tell(kp, choice="hours")
    (stale_again,) = await tell(kp, choice="hours")
    assert menu and "already been answered" in stale_again.body and answer.body
    async with kp.db.reading() as repos:
        contact = await repos.people.contact("telegram", CHAT)
        assert contact is not None
        assert await repos.links.preference(PersonKind.CARER, contact.person_id) == "sms"
    await kp.db.close()


async def _notify_laura(kp, essential: bool) -> list[OutboxRow]:
    from bot.engine.effects import Origin

    async with kp.db.reading() as repos:
        laura = await repos.people.contact("sms", LAURA)
        last = next(iter(await repos.conn.execute_fetchall("SELECT MAX(id) FROM outbox")))[0]
    assert laura is not None
    notice = NotifyCarer(laura.person_id, Text("choice.stale"), None, essential=essential)
    origin = Origin("sms", "system", kp.setting_id, None, "en")
    async with kp.db.transaction() as repos:
        await kp.router.effects.apply(repos, origin, Transition(None, {}, (notice,)), kp.clock())
    return await queued_since(kp, last or 0)


async def test_channel_choice_and_fallback_for_essential_messages_only(tmp_path):
    kp, _, _ = await keyperson(tmp_path)
    await tell(kp, LAURA, InboundKind.CONTACT)
    assert [r.channel for r in await _notify_laura(kp, False)] == ["telegram"]
    await tell(kp, kind=InboundKind.BLOCKED)
    assert await _notify_laura(kp, False) == []  # she blocked the bot; not essential: nothing
    assert [r.channel for r in await _notify_laura(kp, True)] == ["sms"]
    await tell(kp, kind=InboundKind.UNBLOCKED)
    async with kp.db.transaction() as repos:
        contact = await repos.people.contact("telegram", CHAT)
        assert contact is not None and not contact.unreachable
        await repos.links.set_preference(PersonKind.CARER, contact.person_id, "both")
    assert sorted(r.channel for r in await _notify_laura(kp, False)) == ["sms", "telegram"]
    await kp.db.close()


async def test_a_blocked_send_falls_back_to_sms_when_essential(tmp_path):
    kp, _, telegram = await keyperson(tmp_path)
    await tell(kp, LAURA, InboundKind.CONTACT)
    await _notify_laura(kp, True)
    await _notify_laura(kp, False)
    async with kp.db.transaction() as repos:
        rows = await repos.outbox.claim_due("telegram", FAR_FUTURE, 100)
    blocked = SendError("blocked", retryable=False, code="403", unreachable=True)
    for row in rows:
        telegram.failures.append(blocked)
        await kp.dispatcher.send_one(telegram, row)
    async with kp.db.reading() as repos:
        to_sms = await repos.outbox.for_address("sms", LAURA)
        contact = await repos.people.contact("telegram", CHAT)
    assert contact is not None and contact.unreachable
    assert [r.essential for r in to_sms] == [True]  # only the essential one came over
    await kp.db.close()


async def test_numbered_options_say_how_to_answer_on_sms_only(tmp_path):
    kp, _, _ = await keyperson(tmp_path)
    await tell(kp, LAURA, InboundKind.CONTACT)
    await tell(kp, choice="telegram")
    (on_telegram,) = await tell(kp, "INFO")
    assert "Reply with a number" not in on_telegram.body and on_telegram.choices
    from tests.harness import say

    *_, by_sms = await say(kp, LAURA, "INFO")  # a welcome first: SMS was not used before
    assert by_sms.channel == "sms" and by_sms.body.endswith("Reply with a number.")
    await kp.db.close()


async def test_a_long_telegram_message_falls_back_to_sms_in_marked_parts(tmp_path):
    from bot.engine.effects import Origin

    kp, _, telegram = await keyperson(tmp_path)
    await tell(kp, LAURA, InboundKind.CONTACT)
    async with kp.db.reading() as repos:
        laura = await repos.people.contact("sms", LAURA)
    long = Text("label.raw", {"text": "She had a lovely day in the garden. " * 100})  # 3,600
    notice = NotifyCarer(laura.person_id, long, None, essential=True)
    async with kp.db.transaction() as repos:
        origin = Origin("sms", "system", kp.setting_id, None, "en")
        await kp.router.effects.apply(repos, origin, Transition(None, {}, (notice,)), kp.clock())
        claimed = await repos.outbox.claim_due("telegram", FAR_FUTURE, 100)
    (row,) = [r for r in claimed if r.essential]
    assert len(row.body) > 3000  # one Telegram message: the channel splits it at 4,096 itself
    telegram.failures.append(SendError("blocked", retryable=False, code="403", unreachable=True))
    await kp.dispatcher.send_one(telegram, row)
    async with kp.db.reading() as repos:
        to_sms = await repos.outbox.for_address("sms", LAURA)
    assert [r.body[:6] for r in to_sms] == ["(1/3) ", "(2/3) ", "(3/3) "]
    assert all(len(r.body) <= 1600 and r.essential for r in to_sms)
    await kp.db.close()


async def test_first_contact_is_answered_in_the_language_of_the_telegram_app(tmp_path):
    kp, _, _ = await keyperson(tmp_path)

    async def start(chat: str, language: str | None) -> OutboxRow:
        async with kp.db.reading() as repos:
            last = next(iter(await repos.conn.execute_fetchall("SELECT MAX(id) FROM outbox")))[0]
        inbound = Inbound(
            Channel.TELEGRAM,
            chat,
            str(next(_ids)),
            TUESDAY_10AM,
            "",
            kind=InboundKind.START,
            language=language,
        )
        await kp.router.accept(inbound)
        await kp.router.drain()
        (answer,) = await queued_since(kp, last or 0)
        return answer

    assert "Dzień dobry" in (await start("9001", "pl")).body
    assert "Dzień dobry" in (await start("9002", "pl-PL")).body
    assert (await start("9003", "de")).body.startswith("Hello")  # not offered: the first language
    assert (await start("9004", None)).body.startswith("Hello")
    # Once linked, the person's own language wins over the app's: Laura reads English.
    inbound = Inbound(
        Channel.TELEGRAM,
        "9001",
        str(next(_ids)),
        TUESDAY_10AM,
        LAURA,
        kind=InboundKind.CONTACT,
        language="pl",
    )
    await kp.router.accept(inbound)
    await kp.router.drain()
    async with kp.db.reading() as repos:
        rows = await repos.outbox.for_address("telegram", "9001")
    assert rows[-2].body.startswith("Hello Laura Hughes") and "Where would" in rows[-1].body
    # Staff read English whatever their app's language.
    anna = Inbound(
        Channel.TELEGRAM, "9002", str(next(_ids)), TUESDAY_10AM, "+447400100003",
        kind=InboundKind.CONTACT, language="pl",
    )  # fmt: skip
    await kp.router.accept(anna)
    await kp.router.drain()
    async with kp.db.reading() as repos:
        rows = await repos.outbox.for_address("telegram", "9002")
    assert rows[-2].body.startswith("Hello Anna Kowalska") and "Where would" in rows[-1].body
    await kp.db.close()


async def _channels_for_laura(kp, essential: bool) -> list[str]:
    return sorted(r.channel for r in await _notify_laura(kp, essential))


async def test_stop_on_telegram_stops_telegram_only_and_says_how_to_stop_texts(tmp_path):
    from tests.harness import say

    kp, _, _ = await keyperson(tmp_path)
    await tell(kp, LAURA, InboundKind.CONTACT)
    await tell(kp, choice="both")
    assert await _channels_for_laura(kp, False) == ["sms", "telegram"]

    (confirmation,) = await tell(kp, kind=InboundKind.OPT_OUT)  # /stop
    assert confirmation.channel == "telegram" and confirmation.body.startswith(
        "You will not get any more messages from Little Acorns Nursery here on Telegram."
    )
    assert "reply STOP by text to stop text messages too" in confirmation.body
    async with kp.db.reading() as repos:
        assert await repos.people.opted_out("telegram", CHAT)
        assert not await repos.people.opted_out("sms", LAURA)
    assert await _channels_for_laura(kp, False) == ["sms"]  # texts still come
    assert await _channels_for_laura(kp, True) == ["sms"]

    (by_sms,) = await say(kp, LAURA, "STOP")
    assert by_sms.channel == "sms" and "Telegram" not in by_sms.body  # stopped there already
    assert await _channels_for_laura(kp, True) == []  # no channel left: nothing is queued
    await kp.db.close()


async def test_stop_by_text_says_how_to_stop_telegram_too(tmp_path):
    from tests.harness import say

    kp, _, _ = await keyperson(tmp_path)
    await tell(kp, LAURA, InboundKind.CONTACT)
    (confirmation,) = await say(kp, LAURA, "stop")
    assert confirmation.body.startswith("You will not get any more text messages")
    assert "send /stop there" in confirmation.body
    assert await _channels_for_laura(kp, True) == ["telegram"]
    (again,) = await tell(kp, "START", InboundKind.OPT_IN)
    assert "here on Telegram again" in again.body
    await kp.db.close()


async def test_a_stopped_channel_is_never_a_fallback(tmp_path):
    from tests.harness import say

    kp, _, telegram = await keyperson(tmp_path)
    await tell(kp, LAURA, InboundKind.CONTACT)
    await tell(kp, choice="telegram")
    await say(kp, LAURA, "STOP")  # texts stopped; Telegram chosen and on
    await _notify_laura(kp, True)
    async with kp.db.transaction() as repos:
        claimed = await repos.outbox.claim_due("telegram", FAR_FUTURE, 100)
    (row,) = [r for r in claimed if r.essential]
    telegram.failures.append(SendError("blocked", retryable=False, code="403", unreachable=True))
    await kp.dispatcher.send_one(telegram, row)
    async with kp.db.reading() as repos:
        texts = [r for r in await repos.outbox.for_address("sms", LAURA) if r.essential]
        audit = await repos.conn.execute_fetchall(
            "SELECT action FROM audit WHERE action LIKE 'outbox.%'"
        )
    assert texts == [] and [a[0] for a in audit] == ["outbox.undeliverable"]
    await kp.db.close()
