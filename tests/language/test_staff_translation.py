"""[languages] translate_staff_text: a member of staff's own words to a family in another
language go to a translator first; the family hears at once that a translation is on its way;
the translation is sent; after translation_wait_hours without one, the English goes with a
note and the writer is told. Without a translator on file, the words go as ever."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from bot.admin.importer import import_staff
from tests.harness import ANNA, DATA, KASIA, LAURA, TOM, Clock, make_keyperson, say, scalar

S02 = "+447400100002"  # Priya


async def translating(tmp_path: Path, clock: Clock | None = None, on: bool = True):
    kp = await make_keyperson(tmp_path, clock)
    profile = dataclasses.replace(kp.profile, translate_staff_text=on)
    kp.router.lookup.directory.add(kp.setting_id, profile)  # the setting, as read per message
    return kp


async def code_for(kp, sender: str, text: str, key_person: str) -> str:
    sent = await say(kp, sender, text)
    relayed = next(r for r in sent if r.address == key_person)
    return next(w for w in relayed.body.split() if w.startswith("#"))


async def test_staff_words_go_to_a_translator_and_the_translation_to_the_family(tmp_path):
    kp = await translating(tmp_path)
    # Anna (Zofia's key person) writes; Priya is made the Polish translator.
    staff = tmp_path / "staff.csv"
    text = (DATA / "staff.csv").read_text(encoding="utf-8")
    text = text.replace(
        "senco;key_person,07400 100002,en;pa", "senco;translator,07400 100002,en;pl"
    )
    staff.write_text(text.replace("key_person;translator", "key_person"), "utf-8")
    await import_staff(kp.db, kp.setting_id, staff, "GB")
    for person in (KASIA, ANNA, S02):
        await say(kp, person, "hello" if person == KASIA else "hi")
    code = await code_for(kp, KASIA, "Czy Zofia spała?", ANNA)
    sent = await say(kp, ANNA, f"{code} She slept for an hour after lunch")
    (task,) = [r for r in sent if r.address == S02]
    assert task.body.startswith("T-1001: please translate into Polish what Anna Kowalska wrote")
    (told,) = [r for r in sent if r.address == KASIA]
    assert told.body == (
        "Mamy dla Państwa wiadomość od: Anna Kowalska w sprawie: Zofia. Tłumaczenie jest w drodze."
    )
    assert any(
        r.address == ANNA and r.body.startswith("Sent for translation as T-1001") for r in sent
    )
    done = await say(kp, S02, "T-1001 Spała godzinę po obiedzie")
    (answer,) = [r for r in done if r.address == KASIA]
    assert "Spała godzinę po obiedzie" in answer.body and "Anna Kowalska" in answer.body
    assert any(r.address == ANNA and "has been sent to Katarzyna Nowak" in r.body for r in done)
    await kp.db.close()


async def test_after_the_wait_the_english_goes_with_a_note_and_the_writer_is_told(tmp_path):
    clock = Clock()
    kp = await translating(tmp_path, clock)
    await say(kp, LAURA, "hello")
    await say(kp, TOM, "hi")
    # Laura now reads Polish; Anna translates Polish.
    async with kp.db.transaction() as repos:
        await repos.conn.execute("UPDATE carers SET language = 'pl' WHERE ref = 'P01'")
    code = await code_for(kp, LAURA, "Is Amelia still coughing?", TOM)
    sent = await say(kp, TOM, f"{code} She is fine now")
    assert any(r.address == ANNA and r.body.startswith("T-1001") for r in sent)
    assert not any(r.address == LAURA and "She is fine now" in r.body for r in sent)
    clock.now += timedelta(hours=4)
    last = await scalar(kp, "SELECT MAX(id) FROM outbox")
    assert await kp.scheduler.fire_timers() == 1
    await kp.router.drain()
    async with kp.db.reading() as repos:
        to_laura = await repos.outbox.for_address("sms", LAURA, last)
        to_tom = await repos.outbox.for_address("sms", TOM, last)
    assert to_laura[-1].body.startswith("Wiadomość od: Tom Baker w sprawie: Amelia.")
    assert '"She is fine now"' in to_laura[-1].body
    assert to_tom[-1].body == (
        "T-1001 was not translated within 4 hours, so Laura Hughes got your words in English."
    )
    late = await say(kp, ANNA, "T-1001 Wszystko dobrze")
    assert late[-1].body == "T-1001 has already been translated."
    await kp.db.close()


async def test_english_families_and_settings_without_it_get_the_words_at_once(tmp_path):
    kp = await translating(tmp_path)
    await say(kp, LAURA, "hello")
    await say(kp, TOM, "hi")
    code = await code_for(kp, LAURA, "Is Amelia still coughing?", TOM)
    sent = await say(kp, TOM, f"{code} She is fine now")
    assert any(r.address == LAURA and "She is fine now" in r.body for r in sent)
    assert await scalar(kp, "SELECT COUNT(*) FROM translation_tasks") == 0
    await kp.db.close()


async def test_without_a_translator_on_file_the_words_go_as_ever(tmp_path):
    kp = await translating(tmp_path)
    staff = tmp_path / "staff.csv"
    text = (DATA / "staff.csv").read_text(encoding="utf-8")
    staff.write_text(text.replace("key_person;translator", "key_person"), "utf-8")
    await import_staff(kp.db, kp.setting_id, staff, "GB")
    await say(kp, KASIA, "hello")
    await say(kp, ANNA, "hi")
    code = await code_for(kp, KASIA, "Czy Zofia spała?", ANNA)
    sent = await say(kp, ANNA, f"{code} She slept well")
    assert any(r.address == KASIA and "She slept well" in r.body for r in sent)
    assert await scalar(kp, "SELECT COUNT(*) FROM translation_tasks") == 0
    await kp.db.close()
