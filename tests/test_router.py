"""The router end to end below HTTP: storage, lookup, flows, effects, in one commit."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import build
from bot.domain.messages import Channel
from bot.flows.base import NotifyCarer, Transition
from tests.harness import (
    ANNA,
    DAN,
    KASIA,
    LAURA,
    MAREK,
    SARAH,
    STRANGER,
    TOM,
    Clock,
    FakeSender,
    make_keyperson,
    say,
    scalar,
    settings_for,
    sms,
)


async def count(keyperson, sql: str) -> int:
    return int(await scalar(keyperson, sql))


async def test_persist_then_ack_and_duplicates_change_nothing(tmp_path):
    kp = await make_keyperson(tmp_path)
    message = sms(LAURA, "Hello")
    assert await kp.router.accept(message) is True
    # stored before anything handles it: that is what the webhook acknowledges
    assert await count(kp, "SELECT COUNT(*) FROM inbound WHERE handled_at IS NULL") == 1
    assert await kp.router.accept(message) is False
    await kp.router.drain()
    outbox = await count(kp, "SELECT COUNT(*) FROM outbox")
    assert await kp.router.accept(message) is False
    await kp.router.drain()
    assert await count(kp, "SELECT COUNT(*) FROM inbound") == 1
    assert await count(kp, "SELECT COUNT(*) FROM outbox") == outbox
    await kp.stop()


async def test_rows_stored_before_a_crash_are_handled_after_restart(tmp_path):
    kp = await make_keyperson(tmp_path)
    await kp.router.accept(sms(LAURA, "Hi"))
    await kp.router.accept(sms(LAURA, "Is Amelia in today?"))
    await kp.db.close()  # the process dies before the worker runs

    again = await build(settings_for(tmp_path), {Channel.SMS: FakeSender()}, Clock())
    await again.router.drain()
    assert await count(again, "SELECT COUNT(*) FROM inbound WHERE handled_at IS NULL") == 0
    async with again.db.reading() as repos:
        to_tom = await repos.outbox.for_address("sms", TOM)
        to_laura = await repos.outbox.for_address("sms", LAURA)
    assert len(to_tom) == 1 and "Is Amelia in today?" in to_tom[0].body
    assert [r.body.split(",")[0] for r in to_laura][:1] == ["Hello Laura Hughes"]
    await again.stop()


async def test_linking_welcome_names_child_and_key_person(tmp_path):
    kp = await make_keyperson(tmp_path)
    (welcome,) = await say(kp, LAURA, "Hi")
    assert welcome.address == LAURA
    assert "Amelia" in welcome.body and "Tom Baker" in welcome.body and "INFO" in welcome.body
    async with kp.db.reading() as repos:
        contact = await repos.people.contact("sms", LAURA)
    assert contact is not None and contact.linked
    second, _ = await say(kp, LAURA, "Hi")  # linked now: a greeting is relayed, not re-welcomed
    assert second.address == TOM
    await kp.stop()


async def test_welcome_is_in_the_carers_language(tmp_path):
    kp = await make_keyperson(tmp_path)
    (welcome,) = await say(kp, KASIA, "Dzień dobry")
    assert "Zofia" in welcome.body and "Anna Kowalska" in welcome.body
    assert "Dzień dobry" in welcome.body or "Witamy" in welcome.body or "Państw" in welcome.body
    await kp.stop()


async def test_unknown_sender_gets_no_names(tmp_path):
    kp = await make_keyperson(tmp_path)
    (answer,) = await say(kp, STRANGER, "Hi, is Amelia Hughes OK?")
    for name in ("Amelia", "Hughes", "Tom", "Anna", "Sarah", "Priya", "Grace", "Laura"):
        assert name not in answer.body
    assert "Little Acorns" in answer.body
    await kp.stop()


async def test_staff_number_is_recognised_as_staff(tmp_path):
    kp = await make_keyperson(tmp_path)
    (welcome,) = await say(kp, TOM, "hello")
    assert "staff" in welcome.body
    await kp.stop()


async def test_relay_both_ways_with_reply_code(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, LAURA, "Hi")
    to_tom, receipt = await say(kp, LAURA, "Did Amelia sleep today?")
    assert to_tom.address == TOM
    assert "Amelia" in to_tom.body and "Laura Hughes (mum)" in to_tom.body
    code = next(word for word in to_tom.body.split() if word.startswith("#"))
    assert 3 <= len(code) <= 9 and code[1:].isalnum()
    assert receipt.address == LAURA and "Tom Baker" in receipt.body

    await say(kp, TOM, "hi")  # Tom links
    answer, confirmation = await say(kp, TOM, f"{code.lower()} Yes, an hour after lunch")
    assert answer.address == LAURA
    assert "Yes, an hour after lunch" in answer.body and "Tom Baker" in answer.body
    assert confirmation.address == TOM and "Laura Hughes" in confirmation.body
    await kp.stop()


async def test_staff_without_code_is_asked_which_conversation(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, TOM, "hi")
    (none_yet,) = await say(kp, TOM, "Lovely day today")
    assert "#K7Q" in none_yet.body  # explains codes: there is nothing to answer yet
    await say(kp, LAURA, "Hi")
    await say(kp, LAURA, "Thanks for today")
    (question,) = await say(kp, TOM, "She was a star")
    assert question.choices and "Amelia" in question.choices[0]["label"]
    answer, _ = await say(kp, TOM, "1")
    assert answer.address == LAURA and "She was a star" in answer.body
    await kp.stop()


async def test_other_key_persons_family_is_refused(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, MAREK, "Hi")
    await say(kp, MAREK, "Leo is tired today")
    rows = await say(kp, MAREK, "2")  # Leo: key person Grace, who has no phone on file
    to_sarah = [r for r in rows if r.address == SARAH]
    assert to_sarah and "Leo" in to_sarah[0].body  # rerouted to the manager, not lost
    code = next(word for word in to_sarah[0].body.split() if word.startswith("#"))
    await say(kp, TOM, "hi")
    (refusal,) = await say(kp, TOM, f"{code} I can answer that")  # Tom neither key person nor cover
    assert refusal.address == TOM and "not" in refusal.body
    await say(kp, ANNA, "hi")
    (anna_refused,) = await say(kp, ANNA, f"{code} I can answer that")
    assert anna_refused.address == ANNA
    await say(kp, SARAH, "hi")
    manager_answer = await say(kp, SARAH, f"{code} Thank you, we will let him rest")
    assert manager_answer[0].address == MAREK
    await kp.stop()


async def test_cover_may_answer_for_the_key_person(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, LAURA, "Hi")
    to_tom, _ = await say(kp, LAURA, "Question about Amelia")
    code = next(word for word in to_tom.body.split() if word.startswith("#"))
    await say(kp, ANNA, "hi")  # Anna is Tom's named cover
    answer, _ = await say(kp, ANNA, f"{code} Tom is away today; she is fine")
    assert answer.address == LAURA and "Anna Kowalska" in answer.body
    await kp.stop()


async def test_carer_without_information_rights_never_receives_any(tmp_path):
    kp = await make_keyperson(tmp_path)
    (welcome,) = await say(kp, DAN, "Hi")
    assert "Amelia" not in welcome.body and "Tom" not in welcome.body
    to_tom, receipt = await say(kp, DAN, "How is Amelia?")
    assert to_tom.address == TOM and "NOT" in to_tom.body
    assert "Tom" not in receipt.body
    assert "#" not in to_tom.body  # no code offered: there is nothing staff may answer with
    async with kp.db.reading() as repos:
        rows = await repos.conn.execute_fetchall("SELECT code FROM threads")
    (code,) = [f"#{r[0]}" for r in rows]
    await say(kp, TOM, "hi")
    (refused,) = await say(kp, TOM, f"{code} She is fine")
    assert refused.address == TOM and "not" in refused.body
    await kp.stop()


async def test_effects_refuse_information_to_an_uninformed_carer(tmp_path):
    kp = await make_keyperson(tmp_path)
    async with kp.db.reading() as repos:
        dan = await repos.people.contact("sms", DAN)
        laura = await repos.people.contact("sms", LAURA)
        amelia = (await repos.people.carer(laura.person_id)).children[0]
    from bot.domain.messages import Text
    from bot.engine.effects import Origin

    sender = Origin("sms", TOM, kp.setting_id, None, "en")
    leak = Transition(
        None,
        {},
        (
            NotifyCarer(
                dan.person_id, Text("label.raw", {"text": "x"}), about_child=amelia.child_id
            ),
        ),
    )
    async with kp.db.transaction() as repos:
        queued = await kp.router.effects.apply(repos, sender, leak, kp.clock())
    assert queued == 0
    assert (
        await count(kp, "SELECT COUNT(*) FROM audit WHERE action = 'blocked.no_information'") == 1
    )
    await kp.stop()


async def test_carer_with_two_key_persons_is_asked_which_child(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, MAREK, "Hi")
    (question,) = await say(kp, MAREK, "Jan has a cough")
    labels = [c["label"] for c in question.choices]
    assert labels[:2] == ["Jan", "Leo"]
    to_anna, receipt = await say(kp, MAREK, "1")
    assert to_anna.address == ANNA and "Jan has a cough" in to_anna.body
    assert receipt.address == MAREK
    await kp.stop()


async def test_out_of_hours_note(tmp_path):
    clock = Clock(datetime(2026, 11, 27, 19, 30, tzinfo=UTC))  # Friday evening
    kp = await make_keyperson(tmp_path, clock)
    await say(kp, LAURA, "Hi")
    _, note = await say(kp, LAURA, "Amelia has chickenpox")
    assert "Monday" in note.body and "08:00" in note.body and "01632 960123" in note.body
    await kp.stop()


async def test_info_menu_by_number_and_by_word(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, LAURA, "Hi")
    (menu,) = await say(kp, LAURA, "INFO")
    # five topics, good news, settings, absence, concern, my permissions, Not now
    assert len(menu.choices) == 11
    (answer,) = await say(kp, LAURA, "1")
    assert "Tom Baker" in answer.body
    await say(kp, LAURA, "info")
    (hours,) = await say(kp, LAURA, "Opening hours!")
    assert "Monday to Friday" in hours.body and "08:00-18:00" in hours.body
    await say(kp, LAURA, "info")
    (settings,) = await say(kp, LAURA, "7")
    assert "updates" in settings.body and len(settings.choices) == 5
    await kp.stop()


async def test_stop_start_help(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, LAURA, "Hi")
    (confirmation,) = await say(kp, LAURA, "STOP")
    assert "START" in confirmation.body
    async with kp.db.reading() as repos:
        assert await repos.people.opted_out("sms", LAURA)
    to_tom, _receipt = await say(kp, LAURA, "Sorry, one more thing")  # still reaches staff
    assert to_tom.address == TOM
    sent = await kp_dispatch(kp)
    assert [m.address.value for m in sent].count(LAURA) == 1  # only the STOP confirmation
    (again,) = await say(kp, LAURA, "yes")
    assert "STOP" in again.body
    (helped, menu) = await say(kp, LAURA, "HELP")
    assert "STOP" in helped.body and "01632 960123" in helped.body and menu.choices
    await kp.stop()


async def kp_dispatch(kp):
    sender = kp.senders[Channel.SMS]
    for _ in range(5):
        rows = await kp.dispatcher._claim(Channel.SMS, 100)
        for row in rows:
            await kp.dispatcher.send_one(sender, row)
    return sender.sent


async def test_a_failing_row_is_marked_and_does_not_block_others(tmp_path, monkeypatch):
    kp = await make_keyperson(tmp_path)
    original = kp.router.lookup.sender

    async def flaky(repos, inbound, now):
        if inbound.text == "first":
            raise RuntimeError("boom")
        return await original(repos, inbound, now)

    monkeypatch.setattr(kp.router.lookup, "sender", flaky)
    await kp.router.accept(sms(LAURA, "first"))
    await kp.router.accept(sms(KASIA, "second"))
    await kp.router.drain()
    assert await count(kp, "SELECT COUNT(*) FROM inbound WHERE error = 'RuntimeError'") == 1
    assert await count(kp, "SELECT COUNT(*) FROM outbox WHERE address = '+48601234567'") == 2
    await kp.stop()


async def test_messages_from_one_phone_are_handled_in_order(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, LAURA, "Hi")
    for word in ("one", "two", "three"):
        await kp.router.accept(sms(LAURA, word))
    await kp.router.drain()
    async with kp.db.reading() as repos:
        bodies = [r.body for r in await repos.outbox.for_address("sms", TOM)]
    assert [b.split("\n")[1] for b in bodies] == ["one", "two", "three"]
    assert datetime(2026, 1, 1, tzinfo=UTC) < kp.clock()
    await kp.stop()


async def test_logs_hold_ids_not_numbers_or_words(tmp_path, caplog):
    caplog.set_level("INFO")
    caplog.set_level("DEBUG", logger="bot")
    kp = await make_keyperson(tmp_path)
    await say(kp, LAURA, "Hi")
    to_tom, _ = await say(kp, LAURA, "Amelia has a rash on her arm")
    code = next(word for word in to_tom.body.split() if word.startswith("#"))
    await say(kp, TOM, f"{code} Thank you for telling us")
    await kp_dispatch(kp)
    await kp.stop()
    assert caplog.records  # something was logged
    for secret in (LAURA, TOM, LAURA[1:], "rash", "Thank you for telling us", "Amelia"):
        assert secret not in caplog.text


async def test_odd_digits_while_a_question_is_open_are_text_not_errors(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, MAREK, "Hi")
    await say(kp, MAREK, "Jan has a cough")  # which child?
    for odd in ("²", "①", "9" * 5000):
        rows = await say(kp, MAREK, odd)
        assert rows and all(r.address == MAREK for r in rows)  # asked again, nothing relayed
    assert await count(kp, "SELECT COUNT(*) FROM inbound WHERE error IS NOT NULL") == 0
    await kp.stop()


async def test_stop_in_odd_forms_stops_and_yes_with_an_emoji_restarts(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, LAURA, "Hi")
    (confirmation,) = await say(kp, LAURA, "ＳＴＯＰ 🛑")
    assert "START" in confirmation.body
    async with kp.db.reading() as repos:
        assert await repos.people.opted_out("sms", LAURA)
    await say(kp, LAURA, "Yes 👍")
    async with kp.db.reading() as repos:
        assert not await repos.people.opted_out("sms", LAURA)
    await kp.stop()


def sms_text(row) -> str:
    from bot.domain.messages import RenderedChoice
    from bot.handlers.sms.send import render_sms

    return render_sms(row.body, [RenderedChoice.from_dict(c) for c in row.choices])


async def test_option_numbers_stay_the_same_while_a_question_is_asked_again(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, ANNA, "hi")
    (picker,) = await say(kp, ANNA, "UPDATE")
    assert "1 Jan\n2 Zofia\n3 Amelia\n4 All my children\n5 Not now" in sms_text(picker)
    (again,) = await say(kp, ANNA, "2")  # Zofia
    assert "1 Jan\n3 Amelia\n5 Not now\n6 Done" in sms_text(again)
    (last,) = await say(kp, ANNA, "3")  # still Amelia, not what is now third in the list
    assert "Zofia and Amelia" in last.body and "\n1 Jan\n" in sms_text(last)
    (compose,) = await say(kp, ANNA, "6")  # Done
    assert "about Zofia and Amelia" in compose.body
    assert sms_text(compose).count("\n1 ") == 1  # a new question numbers afresh from 1
    await kp.stop()


async def test_a_question_answered_in_words_says_how_to_leave_it_by_sms(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, LAURA, "Hi")
    (ask,) = await say(kp, LAURA, "WOW")
    assert "What did Amelia do?" in ask.body and ask.body.endswith("reply NOT NOW.")
    assert sms_text(ask) == ask.body  # the Not now button has no SMS line of its own
    (left,) = await say(kp, LAURA, "not now")
    assert left.address == LAURA and "INFO" in left.body
    await kp.stop()


async def test_info_with_a_question_mark_after_the_good_news_question_opens_the_menu(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, LAURA, "Hi")
    await say(kp, LAURA, "INFO")
    await say(kp, LAURA, "6")  # share good news
    (menu,) = await say(kp, LAURA, "info?")
    assert menu.address == LAURA and len(menu.choices) == 11
    async with kp.db.reading() as repos:
        assert await repos.outbox.for_address("sms", TOM) == []
    await kp.stop()


async def test_good_news_from_a_carer_who_may_not_be_told_is_flagged_and_names_nobody(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, DAN, "Hi")
    (ask,) = await say(kp, DAN, "WOW")
    assert "Amelia" not in ask.body
    rows = await say(kp, DAN, "She counted to ten at home!")
    (to_tom,) = [r for r in rows if r.address == TOM]
    (thanks,) = [r for r in rows if r.address == DAN]
    assert "NOT" in to_tom.body and "#" not in to_tom.body and to_tom.choices == []
    assert "Amelia" not in thanks.body and "Tom" not in thanks.body
    (menu,) = await say(kp, DAN, "SETTINGS")
    assert "updates" not in menu.body and all("update" not in c["label"] for c in menu.choices)
    await kp.stop()


async def test_a_long_message_reaches_the_key_person_whole_in_marked_parts(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, LAURA, "Hi")
    words = " ".join(f"word{n}" for n in range(300))  # 1,789 characters, more than one SMS body
    rows = await say(kp, LAURA, words)
    to_tom = [r for r in rows if r.address == TOM]
    assert len(to_tom) == 2
    assert [r.body[:6] for r in to_tom] == ["(1/2) ", "(2/2) "]
    assert all(len(sms_text(r)) <= 1600 for r in to_tom)
    joined = " ".join(r.body[6:] for r in to_tom)
    assert all(f"word{n}" in joined.split() for n in range(300))
    await kp.stop()


async def test_the_family_is_told_it_reached_the_key_person_only_when_it_can(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, MAREK, "Hi")
    await say(kp, MAREK, "Leo is tired today")
    rows = await say(kp, MAREK, "2")  # Leo: key person Grace has no phone; the manager gets it
    (receipt,) = [r for r in rows if r.address == MAREK]
    assert "Grace" not in receipt.body and "nasz zespół" in receipt.body
    await say(kp, MAREK, "Both had a cough")
    rows = await say(kp, MAREK, "3")  # all of them
    (receipt,) = [r for r in rows if r.address == MAREK]
    assert "Anna Kowalska" in receipt.body and "Grace" not in receipt.body
    await kp.stop()


async def test_several_messages_in_a_row_are_acknowledged_once_until_staff_answer(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, LAURA, "Hi")
    first = await say(kp, LAURA, "Amelia was up in the night")
    assert [r.address for r in first] == [TOM, LAURA]
    for more in ("She may be tired", "She had Calpol at 6"):
        assert [r.address for r in await say(kp, LAURA, more)] == [TOM]  # passed on, no receipt
    code = next(w for w in first[0].body.split() if w.startswith("#"))
    await say(kp, TOM, "hi")
    await say(kp, TOM, f"{code} Thank you, we will keep an eye on her")
    again = await say(kp, LAURA, "Thanks Tom")
    assert [r.address for r in again] == [TOM, LAURA]
    await kp.stop()


async def test_out_of_hours_messages_reach_staff_phones_when_staff_hours_start(tmp_path):
    clock = Clock(datetime(2026, 11, 27, 19, 30, tzinfo=UTC))  # Friday evening
    kp = await make_keyperson(tmp_path, clock)
    await say(kp, LAURA, "Hi")
    _, note = await say(kp, LAURA, "Amelia has chickenpox")
    assert "Monday" in note.body
    assert [r.address for r in await say(kp, LAURA, "So she will be off")] == [TOM]  # told once
    async with kp.db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT next_attempt_at FROM outbox WHERE address = ?", (TOM,)
        )
    assert {r[0] for r in rows} == {"2026-11-30T08:00:00.000000Z"}
    await kp.stop()


async def test_info_about_concerns_gives_the_settings_steps_in_the_familys_language(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, KASIA, "Dzień dobry")
    await say(kp, KASIA, "INFO")
    (answer,) = await say(kp, KASIA, "4")
    assert "Sarah porozmawia z Państwem" in answer.body and "48" in answer.body
    await say(kp, LAURA, "Hi")
    await say(kp, LAURA, "INFO")
    (answer,) = await say(kp, LAURA, "4")
    assert "Sarah will talk with you" in answer.body
    await kp.stop()


def test_the_worker_steps_back_for_webhooks_in_proportion_but_briefly():
    from bot.engine.router import YIELD_CAP_S, YIELD_SHARE, yield_pause

    assert abs(yield_pause(0.01) - 0.01 * YIELD_SHARE) < 1e-9
    # A batch that waited 10 s for another process's lock must not pause the worker 20 s more
    # while the messages stored meanwhile wait.
    assert yield_pause(10.0) == YIELD_CAP_S <= 0.25
