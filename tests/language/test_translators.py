"""Translators: a family's words in a language their key person does not read reach a
translator as a task T-…; the translation reaches the key person; TRANSLATIONS lists tasks."""

from __future__ import annotations

from pathlib import Path

from bot.admin.importer import import_staff
from tests.harness import ANNA, DATA, KASIA, LAURA, SARAH, TOM, make_keyperson, say, scalar

POLISH = "Dzień dobry, czy Amelia zjadła dzisiaj obiad w przedszkolu?"


async def test_a_message_the_key_person_cannot_read_goes_to_a_translator(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, LAURA, "hello")
    await say(kp, ANNA, "hi")
    sent = await say(kp, LAURA, POLISH)
    (to_tom,) = [r for r in sent if r.address == TOM]
    assert POLISH in to_tom.body and "(written in Polish)" in to_tom.body
    (task,) = [r for r in sent if r.address == ANNA]  # Anna translates Polish
    assert task.body.startswith("T-1001: please translate this message from Laura Hughes")
    assert POLISH in task.body and "Reply T-1001 and then the translation." in task.body
    # Anna's list shows it, until it is done.
    listed = await say(kp, ANNA, "TRANSLATIONS")
    assert listed[-1].body.startswith("1 translation is waiting for you:\nT-1001 (Polish")
    done = await say(kp, ANNA, "T-1001 Hello, did Amelia eat her lunch at nursery today?")
    (to_tom,) = [r for r in done if r.address == TOM]
    assert to_tom.body.startswith("T-1001: translation of a message from Laura Hughes (Amelia)")
    assert '"Hello, did Amelia eat her lunch at nursery today?"' in to_tom.body
    assert [r.body for r in done if r.address == ANNA] == [
        "Thank you. The translation of T-1001 has been passed on."
    ]
    assert not [r for r in done if r.address == LAURA]  # the family is told nothing
    again = await say(kp, ANNA, "T-1001 once more")
    assert again[-1].body == "T-1001 has already been translated."
    assert (await say(kp, ANNA, "TRANSLATIONS"))[-1].body == "No translations are waiting for you."
    await kp.db.close()


async def test_no_task_when_the_key_person_reads_the_language(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, KASIA, "hello")
    sent = await say(kp, KASIA, POLISH.replace("Amelia", "Zofia"))
    assert [r.address for r in sent if r.address != KASIA] == [ANNA]  # her key person only
    assert "T-" not in sent[0].body
    assert await scalar(kp, "SELECT COUNT(*) FROM translation_tasks") == 0
    await kp.db.close()


async def test_no_translator_on_file_no_task_and_the_message_still_arrives(tmp_path: Path):
    kp = await make_keyperson(tmp_path)
    staff = tmp_path / "staff.csv"
    text = (DATA / "staff.csv").read_text(encoding="utf-8")
    staff.write_text(text.replace("key_person;translator", "key_person"), "utf-8")
    await import_staff(kp.db, kp.setting_id, staff, "GB")
    await say(kp, LAURA, "hello")
    sent = await say(kp, LAURA, POLISH)
    assert [r.address for r in sent if r.address not in (LAURA,)] == [TOM]
    assert await scalar(kp, "SELECT COUNT(*) FROM translation_tasks") == 0
    await kp.db.close()


async def test_only_the_translators_asked_may_answer(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, LAURA, "hello")
    await say(kp, LAURA, POLISH)
    await say(kp, TOM, "hi")
    wrong = await say(kp, TOM, "T-1001 my own guess")
    assert wrong[-1].body == "There is no translation T-1001 for you. Please check the reference."
    unknown = await say(kp, ANNA, "T-9999 hello")
    assert unknown[-1].body.startswith("There is no translation T-9999 for you.")
    empty = await say(kp, ANNA, "T-1001")
    assert empty[-1].body == "Please write the translation after T-1001."
    # A manager may answer any task.
    await say(kp, SARAH, "hi")
    done = await say(kp, SARAH, "T-1001 Hello")
    assert any(r.address == TOM and '"Hello"' in r.body for r in done)
    await kp.db.close()


async def test_a_short_text_starting_with_t_is_not_an_answer(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, LAURA, "hello")
    await say(kp, LAURA, "Is Amelia ok?")
    await say(kp, TOM, "hi")
    sent = await say(kp, TOM, "t 12 minutes late")
    assert not any("translation" in r.body for r in sent)
    await kp.db.close()
