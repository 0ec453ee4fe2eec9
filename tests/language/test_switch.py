"""Detection through the running app: staff see "written in Polish"; a family whose messages
agree on another offered language is asked once, in it, whether they want messages in it."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import KASIA, LAURA, TOM, Clock, make_keyperson, say, scalar

POLISH = [
    "Dzień dobry, czy Amelia zjadła dzisiaj obiad?",
    "Proszę dać znać, czy Amelia dobrze spała po południu",
    "Dziękuję bardzo za wiadomość i pozdrawiam serdecznie",
]


async def suggestion(kp) -> list:
    """Fire due timers and return what they queued."""
    last = await scalar(kp, "SELECT COALESCE(MAX(id), 0) FROM outbox")
    await kp.scheduler.fire_timers()
    await kp.router.drain()
    async with kp.db.reading() as repos:
        return await repos.outbox.for_address("sms", LAURA, last)


async def test_staff_see_the_language_a_message_was_written_in(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, LAURA, "hello")
    sent = await say(kp, LAURA, POLISH[0])
    (to_tom,) = [r for r in sent if r.address == TOM]
    assert POLISH[0] in to_tom.body
    assert "(written in Polish)" in to_tom.body
    # In her own language, no label.
    sent = await say(kp, LAURA, "Could you let me know how Amelia slept after lunch please")
    (to_tom,) = [r for r in sent if r.address == TOM]
    assert "written in" not in to_tom.body
    # Too short to tell: no label, never a guess.
    sent = await say(kp, LAURA, "Tak ok")
    assert not any("written in" in r.body for r in sent)
    await kp.db.close()


async def test_a_polish_family_writing_polish_is_never_labelled_or_asked(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, KASIA, "hello")
    for text in POLISH:
        sent = await say(kp, KASIA, text.replace("Amelia", "Zofia"))
        assert not any("(język" in r.body or "written in" in r.body for r in sent)
    await kp.scheduler.fire_timers()
    assert await scalar(kp, "SELECT COUNT(*) FROM audit WHERE action = 'language.suggested'") == 0
    await kp.db.close()


async def test_two_messages_in_polish_ask_once_in_polish_and_yes_switches(tmp_path):
    clock = Clock()
    kp = await make_keyperson(tmp_path, clock)
    await say(kp, LAURA, "hello")
    await say(kp, LAURA, POLISH[0])
    assert await suggestion(kp) == []  # one message is not enough
    await say(kp, LAURA, POLISH[1])
    (asked,) = await suggestion(kp)
    assert asked.body.startswith("Czy wiadomości od nas mają przychodzić w języku: Polski?")
    assert [c["label"] for c in asked.choices] == ["Tak, poproszę", "Nie, dziękuję"]
    answer = await say(kp, LAURA, "1")
    assert answer[-1].body == "Dziękujemy. Od teraz nasze wiadomości będą w języku: Polski."
    assert await scalar(kp, "SELECT language FROM carers WHERE ref = 'P01'") == "pl"
    # From now on what Keyperson sends her is Polish; her Polish is no longer labelled.
    sent = await say(kp, LAURA, POLISH[2])
    assert not any("(written in" in r.body for r in sent)
    await kp.db.close()


async def test_no_is_kept_and_not_asked_again_for_30_days(tmp_path):
    clock = Clock()
    kp = await make_keyperson(tmp_path, clock)
    await say(kp, LAURA, "hello")
    await say(kp, LAURA, POLISH[0])
    await say(kp, LAURA, POLISH[1])
    assert len(await suggestion(kp)) == 1
    answer = await say(kp, LAURA, "2")
    assert answer[-1].body == "Dziękujemy. Nasze wiadomości zostaną w języku: Angielski."
    assert await scalar(kp, "SELECT language FROM carers WHERE ref = 'P01'") == "en"
    assert await scalar(kp, "SELECT answer FROM language_history") == "no"
    await say(kp, LAURA, POLISH[2])  # a third in a row does not ask again
    assert await suggestion(kp) == []
    clock.now += timedelta(days=29)
    await say(kp, LAURA, POLISH[0])
    await say(kp, LAURA, POLISH[1])
    assert await suggestion(kp) == []
    clock.now += timedelta(days=2)
    await say(kp, LAURA, POLISH[2])
    assert len(await suggestion(kp)) == 1  # 31 days on, two more in a row: asked again
    await kp.db.close()


async def test_the_suggestion_waits_while_another_question_is_open(tmp_path):
    clock = Clock()
    kp = await make_keyperson(tmp_path, clock)
    await say(kp, LAURA, "hello")
    await say(kp, LAURA, POLISH[0])
    await say(kp, LAURA, POLISH[1])
    await say(kp, LAURA, "INFO")  # the menu's question is open
    assert await suggestion(kp) == []
    await say(kp, LAURA, "1")  # answered: nothing open
    clock.now += timedelta(minutes=10)
    (asked,) = await suggestion(kp)
    assert "Polski" in asked.body
    await kp.db.close()
