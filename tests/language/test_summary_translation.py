"""[languages] translate_staff_text for a review's summary: families of a language with a
translator are told at once that it is on its way; one task per language; once translated the
summary reaches them as the usual question (agree / add / ask); after the wait the English goes
with a note and the managers (a summary from the command line) are told; no translator: as ever."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.admin import reviews as admin
from bot.admin.importer import import_staff
from tests.harness import (
    ANNA,
    DATA,
    KASIA,
    SARAH,
    TOM,
    Clock,
    make_keyperson,
    queued_since,
    say,
    scalar,
)
from tests.test_reviews import AT, NOW, _fire, _labels, _to

SUMMARY = "Zofia will have 10 minutes of talk time each day."
POLISH = "Zofia będzie miała codziennie 10 minut rozmowy."
AFTER = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # the afternoon of the review
COMING = "Tłumaczenie podsumowania spotkania w sprawie: Zofia jest w drodze."
THANKS = "Dziękujemy za udział w spotkaniu w sprawie dziecka (Zofia). Co ustaliliśmy: "
HINT = "\nProsimy odpisać, wpisując numer."  # how to answer a question by SMS


async def reviewed(tmp_path: Path, translator: bool = True):
    """Zofia's review (Katarzyna reads Polish) has taken place; Anna translates Polish."""
    clock = Clock(NOW)
    kp = await make_keyperson(tmp_path, clock)
    profile = dataclasses.replace(kp.profile, translate_staff_text=True)
    kp.profile = profile
    kp.router.lookup.directory.add(kp.setting_id, profile)  # the setting, as read per message
    if not translator:
        staff = tmp_path / "staff.csv"
        text = (DATA / "staff.csv").read_text(encoding="utf-8")
        staff.write_text(text.replace("key_person;translator", "key_person"), "utf-8")
        await import_staff(kp.db, kp.setting_id, staff, "GB")
    for phone in (TOM, SARAH, ANNA, KASIA):
        await say(kp, phone, "hi")
    async with kp.db.transaction() as repos:
        review = await admin.schedule(
            repos, profile, kp.setting_id, "C02", AT, "at nursery",
            "SEN support plan review", [], "cli", clock(),
        )  # fmt: skip
    await _fire(kp)
    await say(kp, KASIA, "1")  # I can come
    clock.now = AFTER
    last = await scalar(kp, "SELECT COALESCE(MAX(id), 0) FROM outbox")
    async with kp.db.transaction() as repos:
        sent = await admin.send_summary(repos, profile, review.review, SUMMARY, "cli", clock.now)
    assert sent == 1
    return kp, clock, await queued_since(kp, last)


def reference(rows) -> str:
    (task,) = _to(rows, ANNA)
    return task.split(":")[0]


async def test_the_family_is_told_at_once_and_asked_once_it_is_translated(tmp_path):
    kp, _, rows = await reviewed(tmp_path)
    assert _to(rows, KASIA) == [COMING]
    ref = reference(rows)
    (task,) = _to(rows, ANNA)
    assert task.startswith(
        f"{ref}: please translate into Polish this message from Little Acorns Nursery "
        "(P-1001, Zofia)"
    )
    assert f'"{SUMMARY}"' in task
    assert _to(await _fire(kp), KASIA) == []  # the summary waits for its translation
    done = await say(kp, ANNA, f"{ref} {POLISH}")
    assert _to(done, SARAH) == [
        f"The translation of {ref} has been sent to the families who read Polish."
    ]
    asked = await _fire(kp)
    assert _to(asked, KASIA) == [THANKS + POLISH + HINT]
    assert len(_labels(asked, KASIA)) == 3  # agree / add / a question
    agreed = await say(kp, KASIA, "1")
    assert _to(agreed, KASIA) == ["Dziękujemy za informację."]
    await kp.db.close()


async def test_after_the_wait_the_english_goes_with_a_note(tmp_path):
    kp, clock, rows = await reviewed(tmp_path)
    ref = reference(rows)
    clock.now += timedelta(hours=4)
    fired = await _fire(kp)  # the wait is over: the review's question is set for Katarzyna
    assert _to(fired, SARAH) == [
        f"{ref} was not translated within 4 hours, so the families who read Polish got it in "
        "English."
    ]
    asked = fired + await _fire(kp)
    assert _to(asked, KASIA) == [
        THANKS + "Nie udało się tego przetłumaczyć na czas, dlatego przesyłamy wiadomość po "
        f"angielsku:\n{SUMMARY}{HINT}"
    ]
    assert len(_labels(asked, KASIA)) == 3
    await kp.db.close()


async def test_without_a_translator_the_summary_goes_as_ever(tmp_path):
    kp, _, rows = await reviewed(tmp_path, translator=False)
    assert _to(rows, KASIA) == []
    assert _to(await _fire(kp), KASIA) == [THANKS + SUMMARY + HINT]
    assert await scalar(kp, "SELECT COUNT(*) FROM translation_tasks") == 0
    await kp.db.close()
