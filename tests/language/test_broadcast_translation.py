"""[languages] translate_staff_text for broadcasts: one translation task per language (not per
family); the families of that language get the wrapper at once with "a translation is on its
way"; the translator's answer reaches every one of them; after translation_wait_hours without
one the English goes with a note and the managers are told; no translator on file, English
families, or the setting not asking: the words go at once as ever."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.admin.broadcasts import Broadcaster, Queued
from bot.admin.importer import import_staff
from bot.app import Keyperson
from bot.domain.broadcasts import BroadcastRequest
from bot.language.catalogs import Catalogs
from bot.storage.rows import OutboxRow
from tests.harness import (
    ANNA,
    DATA,
    KASIA,
    LAURA,
    MAREK,
    SARAH,
    Clock,
    make_keyperson,
    queued_since,
    say,
    scalar,
)

SNOW = "Closed today because of the snow. Stay safe!"
TUESDAY_10AM = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
WRAPPER_PL = "Wiadomość od: Little Acorns Nursery\n"
ON_ITS_WAY_PL = WRAPPER_PL + "Tłumaczenie tej wiadomości jest w drodze."
POLISH = "Dziś zamknięte z powodu śniegu. Prosimy uważać!"


async def translating(tmp_path: Path, on: bool = True, translator: bool = True) -> Keyperson:
    kp = await make_keyperson(tmp_path, Clock(TUESDAY_10AM))
    profile = dataclasses.replace(kp.profile, translate_staff_text=on)
    kp.profile = profile  # the setting the broadcaster is built with
    kp.router.lookup.directory.add(kp.setting_id, profile)  # the setting, as read per message
    if not translator:
        staff = tmp_path / "staff.csv"
        text = (DATA / "staff.csv").read_text(encoding="utf-8")
        staff.write_text(text.replace("key_person;translator", "key_person"), "utf-8")
        await import_staff(kp.db, kp.setting_id, staff, "GB")
    for person in (ANNA, SARAH):
        await say(kp, person, "hi")  # staff link their phones
    return kp


async def broadcast(kp: Keyperson, request: BroadcastRequest) -> tuple[Queued, list[OutboxRow]]:
    last = await scalar(kp, "SELECT COALESCE(MAX(id), 0) FROM outbox")
    broadcaster = Broadcaster(Catalogs.load(), kp.profile)
    async with kp.db.transaction() as repos:
        queued = await broadcaster.queue(repos, kp.setting_id, request, kp.clock())
    return queued, await queued_since(kp, last)


def to(rows: list[OutboxRow], address: str) -> list[str]:
    return [r.body for r in rows if r.address == address]


async def test_one_task_per_language_and_every_family_of_it_gets_the_translation(tmp_path):
    kp = await translating(tmp_path)
    _, rows = await broadcast(kp, BroadcastRequest(SNOW))
    # English families get the words at once; the Polish ones the wrapper and the line.
    assert to(rows, LAURA) == [f"Message from Little Acorns Nursery:\n{SNOW}"]
    assert to(rows, KASIA) == [ON_ITS_WAY_PL]
    assert to(rows, MAREK) == [ON_ITS_WAY_PL]
    # One task for Polish, not one per family, to Anna (the Polish translator).
    assert await scalar(kp, "SELECT COUNT(*) FROM translation_tasks") == 1
    (task,) = to(rows, ANNA)
    assert task.startswith(
        "T-1001: please translate into Polish this message from Little Acorns Nursery (B-1)"
    )
    assert f'"{SNOW}"' in task
    done = await say(kp, ANNA, f"T-1001 {POLISH}")
    assert to(done, KASIA) == [f"{WRAPPER_PL}{POLISH}"]
    assert to(done, MAREK) == [f"{WRAPPER_PL}{POLISH}"]
    assert to(done, LAURA) == []
    assert to(done, ANNA) == ["Thank you. The translation of T-1001 has been passed on."]
    # A broadcast from the command line: the managers hear that it went.
    assert to(done, SARAH) == [
        "The translation of T-1001 has been sent to the families who read Polish."
    ]
    again = await say(kp, ANNA, "T-1001 Jeszcze raz")
    assert to(again, ANNA) == ["T-1001 has already been translated."]
    await kp.db.close()


async def test_after_the_wait_the_english_goes_with_a_note_and_the_managers_are_told(tmp_path):
    kp = await translating(tmp_path)
    await broadcast(kp, BroadcastRequest(SNOW, urgent=True))
    last = await scalar(kp, "SELECT MAX(id) FROM outbox")
    kp.clock.now += timedelta(hours=3)
    assert await kp.scheduler.fire_timers() == 0  # not yet
    kp.clock.now += timedelta(hours=1)
    assert await kp.scheduler.fire_timers() == 1
    await kp.router.drain()
    later = await queued_since(kp, last)
    english = (
        "Pilna wiadomość od: Little Acorns Nursery\n"
        "Nie udało się tego przetłumaczyć na czas, dlatego przesyłamy wiadomość po angielsku:\n"
        f"{SNOW}"
    )
    assert to(later, KASIA) == [english]
    assert to(later, MAREK) == [english]
    assert all(r.essential for r in later if r.address in (KASIA, MAREK))
    assert to(later, SARAH) == [
        "T-1001 was not translated within 4 hours, so the families who read Polish got it in "
        "English."
    ]
    assert to(later, LAURA) == []
    late = await say(kp, ANNA, f"T-1001 {POLISH}")
    assert to(late, ANNA) == ["T-1001 has already been translated."]
    assert to(late, KASIA) == []
    await kp.db.close()


async def test_asking_to_confirm_comes_with_the_translation_and_the_reminder_points_back(
    tmp_path,
):
    kp = await translating(tmp_path)
    _, rows = await broadcast(kp, BroadcastRequest(SNOW, confirm=True))
    now, reminder = to(rows, KASIA)
    assert now == ON_ITS_WAY_PL  # nothing to confirm yet
    confirm = "Prosimy odpowiedzieć 1, aby potwierdzić, że wiadomość dotarła."
    assert reminder == (
        "Przypomnienie od: Little Acorns Nursery\n"
        f"Prosimy zajrzeć do naszej wcześniejszej wiadomości.\n\n{confirm}"
    )
    done = await say(kp, ANNA, f"T-1001 {POLISH}")
    assert to(done, KASIA) == [f"{WRAPPER_PL}{POLISH}\n\n{confirm}"]
    thanks = await say(kp, KASIA, "1")
    assert thanks[-1].body == "Dziękujemy za potwierdzenie."
    await kp.db.close()


async def test_a_broadcast_from_a_managers_phone_tells_the_manager(tmp_path):
    kp = await translating(tmp_path)
    async with kp.db.reading() as repos:
        sarah = await repos.people.staff_with_role(kp.setting_id, "manager")
    request = BroadcastRequest(SNOW, sent_by=f"staff:{sarah[0]}")
    _, rows = await broadcast(kp, request)
    assert to(rows, ANNA)[0].startswith(
        "T-1001: please translate into Polish this message from Sarah Jones (B-1)"
    )
    done = await say(kp, ANNA, f"T-1001 {POLISH}")
    assert to(done, SARAH) == [
        "The translation of T-1001 has been sent to the families who read Polish."
    ]
    await kp.db.close()


async def test_without_a_translator_on_file_the_words_go_to_everyone_at_once(tmp_path):
    kp = await translating(tmp_path, translator=False)
    _, rows = await broadcast(kp, BroadcastRequest(SNOW))
    assert to(rows, KASIA) == [f"{WRAPPER_PL}{SNOW}"]
    assert to(rows, MAREK) == [f"{WRAPPER_PL}{SNOW}"]
    assert await scalar(kp, "SELECT COUNT(*) FROM translation_tasks") == 0
    assert await scalar(kp, "SELECT COUNT(*) FROM reminders") == 0
    await kp.db.close()


async def test_a_setting_that_does_not_ask_sends_the_words_as_ever(tmp_path):
    kp = await translating(tmp_path, on=False)
    _, rows = await broadcast(kp, BroadcastRequest(SNOW))
    assert to(rows, KASIA) == [f"{WRAPPER_PL}{SNOW}"]
    assert to(rows, ANNA) == []
    assert await scalar(kp, "SELECT COUNT(*) FROM translation_tasks") == 0
    await kp.db.close()
