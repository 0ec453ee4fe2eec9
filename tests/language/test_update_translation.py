"""[languages] translate_staff_text for daily updates and wow moments: the key person's own
words go to a translator of each language of the families getting it (one task per language),
the families get the quick phrases at once with "a translation is on its way"; the translation
reaches each of them; after the wait the English goes with a note and the sender is told;
without a translator, or with only quick phrases, nothing waits."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from bot.admin.importer import import_staff
from bot.app import Keyperson
from tests.harness import (
    ANNA,
    DATA,
    KASIA,
    LAURA,
    MAREK,
    Clock,
    make_keyperson,
    queued_since,
    say,
    scalar,
)

PRIYA = "+447400100002"
WORDS = "Lovely day at the sand tray."
POLISH = "Piękny dzień w piaskownicy."
COMING = "Tłumaczenie wiadomości od: Anna Kowalska jest w drodze."


async def translating(tmp_path: Path, translator: bool = True) -> Keyperson:
    """Priya translates Polish (when `translator`); Anna, who writes, no longer does."""
    kp = await make_keyperson(tmp_path, Clock())
    profile = dataclasses.replace(kp.profile, translate_staff_text=True)
    kp.router.lookup.directory.add(kp.setting_id, profile)  # the setting, as read per message
    staff = tmp_path / "staff.csv"
    text = (DATA / "staff.csv").read_text(encoding="utf-8")
    if translator:
        text = text.replace(
            "senco;key_person,07400 100002,en;pa", "senco;translator,07400 100002,en;pl"
        )
    staff.write_text(text.replace("key_person;translator", "key_person"), "utf-8")
    await import_staff(kp.db, kp.setting_id, staff, "GB")
    for person in (ANNA, PRIYA):
        await say(kp, person, "hi")
    return kp


async def update(kp: Keyperson, words: str = WORDS, kind: str = "UPDATE"):
    await say(kp, ANNA, kind)  # 1 Jan, 2 Zofia, 3 Amelia, 4 All my children, 5 Cancel
    await say(kp, ANNA, "4")  # all
    if kind == "UPDATE":
        await say(kp, ANNA, "1")  # ate well
    await say(kp, ANNA, words)
    return await say(kp, ANNA, "1")  # send


def to(rows, address: str) -> list[str]:
    return [r.body for r in rows if r.address == address]


def task_of(rows) -> str:
    """The reference of the task Priya was sent (references are unique, not consecutive)."""
    (task,) = to(rows, PRIYA)
    return task.split(":")[0]


async def test_the_words_go_to_a_translator_and_the_translation_to_each_family(tmp_path):
    kp = await translating(tmp_path)
    sent = await update(kp)
    (laura,) = to(sent, LAURA)
    assert WORDS in laura
    (kasia,) = to(sent, KASIA)
    (marek,) = to(sent, MAREK)
    assert kasia == (
        "Dziś w Little Acorns Nursery, Zofia:\n"
        f"Apetyt dopisał.\n{COMING}\nAnna Kowalska"  # the quick phrase at once
    )
    assert COMING in marek and WORDS not in marek
    assert await scalar(kp, "SELECT COUNT(*) FROM translation_tasks") == 1
    ref = task_of(sent)
    (task,) = to(sent, PRIYA)
    assert task.startswith(f"{ref}: please translate into Polish this message from Anna Kowalska (")
    assert f'"{WORDS}"' in task
    (told,) = to(sent, ANNA)
    assert f"For the families who read Polish, your words go to a translator first ({ref})." in (
        told
    )
    done = await say(kp, PRIYA, f"{ref} {POLISH}")
    assert to(done, KASIA) == [f"Wiadomość od: Anna Kowalska w sprawie: Zofia:\n{POLISH}"]
    assert to(done, MAREK) == [f"Wiadomość od: Anna Kowalska w sprawie: Jan:\n{POLISH}"]
    assert to(done, LAURA) == []
    assert to(done, ANNA) == [
        f"The translation of {ref} has been sent to the families who read Polish."
    ]
    await kp.db.close()


async def test_after_the_wait_the_english_goes_with_a_note_and_the_sender_is_told(tmp_path):
    kp = await translating(tmp_path)
    ref = task_of(await update(kp, kind="WOW"))
    last = await scalar(kp, "SELECT MAX(id) FROM outbox")
    kp.clock.now += timedelta(hours=4)
    assert await kp.scheduler.fire_timers() == 1
    await kp.router.drain()
    later = await queued_since(kp, last)
    assert to(later, KASIA) == [
        "Wiadomość od: Anna Kowalska w sprawie: Zofia:\n"
        "Nie udało się tego przetłumaczyć na czas, dlatego przesyłamy wiadomość po angielsku:\n"
        f"{WORDS}"
    ]
    assert len(to(later, MAREK)) == 1
    assert to(later, ANNA) == [
        f"{ref} was not translated within 4 hours, so the families who read Polish got it in "
        "English."
    ]
    late = await say(kp, PRIYA, f"{ref} {POLISH}")
    assert to(late, PRIYA) == [f"{ref} has already been translated."]
    await kp.db.close()


async def test_a_wow_moment_waits_for_its_translation_too(tmp_path):
    kp = await translating(tmp_path)
    sent = await update(kp, kind="WOW")
    (kasia,) = to(sent, KASIA)
    assert COMING in kasia and WORDS not in kasia
    assert task_of(sent).startswith("T-")
    await kp.db.close()


async def test_without_a_translator_on_file_the_words_go_at_once(tmp_path):
    kp = await translating(tmp_path, translator=False)
    sent = await update(kp)
    assert all(WORDS in body for body in to(sent, KASIA) + to(sent, MAREK))
    assert await scalar(kp, "SELECT COUNT(*) FROM translation_tasks") == 0
    await kp.db.close()


async def test_quick_phrases_alone_need_no_translator(tmp_path):
    kp = await translating(tmp_path)
    await say(kp, ANNA, "UPDATE")
    await say(kp, ANNA, "4")  # all
    await say(kp, ANNA, "1")  # ate well
    preview = await say(kp, ANNA, "Preview")
    assert "This will go to" in preview[-1].body
    sent = await say(kp, ANNA, "1")  # send
    assert len(to(sent, KASIA)) == 1 and COMING not in to(sent, KASIA)[0]
    assert await scalar(kp, "SELECT COUNT(*) FROM translation_tasks") == 0
    await kp.db.close()


async def test_a_family_on_an_evening_summary_finds_the_line_there_and_gets_the_translation(
    tmp_path,
):
    kp = await translating(tmp_path)
    async with kp.db.transaction() as repos:
        kasia = await repos.people.contact("sms", KASIA)
        assert kasia is not None
        await repos.news.set_update_mode(kasia.person_id, "evening")
    sent = await update(kp)
    assert to(sent, KASIA) == []  # held for her evening summary
    async with kp.db.reading() as repos:
        held = await repos.conn.execute_fetchall(
            "SELECT text FROM digest_items WHERE carer_id = ?", (kasia.person_id,)
        )
    ((item,),) = held
    assert COMING in item and WORDS not in item
    done = await say(kp, PRIYA, f"{task_of(sent)} {POLISH}")
    assert to(done, KASIA) == [f"Wiadomość od: Anna Kowalska w sprawie: Zofia:\n{POLISH}"]
    await kp.db.close()
