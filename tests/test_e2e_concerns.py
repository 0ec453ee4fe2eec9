"""Concerns end to end through the signed Twilio webhook: a family raises one, staff are told
by topic, acknowledge, answer and close it by reference, and the family's rating reopens it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx

from tests.fakes.twilio_api import running_fake_twilio
from tests.harness import LAURA, SARAH, TOM
from tests.test_e2e_absence import Sms
from tests.test_e2e_sms import running_keyperson


def concerns(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT number, topic, urgency, words, answer_by, stage, acknowledged_by IS NOT NULL, "
            "summary, satisfaction FROM concerns ORDER BY id"
        ).fetchall()


async def test_sms_a_concern_from_raising_it_to_reopening_it(tmp_path):
    async with running_fake_twilio() as fake, running_keyperson(tmp_path, fake) as public:
        async with httpx.AsyncClient(base_url=public) as http:
            phone = Sms(http, public, fake)
            await phone.send(LAURA, "CONCERN")
            _, topic = await phone.to(LAURA, 2)
            assert topic.startswith("What is it about?")
            assert "2 Their care, or something that happened here" in topic
            assert "4 Someone's safety\n5 Not now" in topic
            await phone.send(LAURA, "2")
            urgency = (await phone.to(LAURA, 3))[-1]
            assert "1 Today\n2 This week\n3 No rush\n4 Not now" in urgency
            await phone.send(LAURA, "1")
            words = (await phone.to(LAURA, 4))[-1]
            assert words.startswith("Please tell us about it in your own words.")
            await phone.send(LAURA, "Amelia came home with a scratch and nobody said")
            answer = (await phone.to(LAURA, 5))[-1]
            assert "1 A message\n2 A phone call\n3 A meeting" in answer
            await phone.send(LAURA, "1")
            received = (await phone.to(LAURA, 6))[-1]
            assert received.startswith("Thank you for telling us. Your reference is C-1001.")
            assert "Sarah will talk with you" in received  # the setting's concern_steps
            # 48 staff hours later: a week on, so the date says which Tuesday.
            assert "We will be in touch by Tuesday 1 December 10:30." in received
            # Care goes to the key person (Tom) and the manager (Sarah).
            for staff in (TOM, SARAH):
                (told,) = await phone.to(staff, 1)
                assert told.startswith(
                    "Concern C-1001 from Laura Hughes (mum) about Amelia: Their care, or "
                    "something that happened here. Needs attention: Today."
                )
                assert "Amelia came home with a scratch and nobody said" in told

            await phone.send(TOM, "ACK C-1001")
            looking = (await phone.to(LAURA, 7))[-1]
            assert looking == "Tom Baker is looking at your concern C-1001."
            await phone.send(TOM, "C-1001 Sorry, it happened in the garden; we will call you.")
            answered = (await phone.to(LAURA, 8))[-1]
            assert answered == (
                "About your concern C-1001, Tom Baker says: Sorry, it happened in the garden; "
                "we will call you."
            )
            await phone.send(LAURA, "C-1001 thank you, she is fine now")
            added = await phone.to(TOM, 5)
            assert any("thank you, she is fine now" in m for m in added)
            await phone.send(TOM, "CLOSE C-1001 Spoke on the phone; staff will tell you at pickup.")
            closed = (await phone.to(LAURA, 10))[-1]
            assert closed.startswith("Your concern C-1001 is now closed: Spoke on the phone")
            assert "Are you happy with how this was dealt with?" in closed
            # Numbered choices on SMS: "3" is the manager, as the button is on Telegram.
            assert "1 Yes\n2 Not really\n3 I'd like to talk to the manager" in closed
            await phone.send(LAURA, "3")
            reopened = (await phone.to(LAURA, 11))[-1]
            assert (
                reopened == "Thank you for telling us. The manager will be in touch about C-1001."
            )
            told_manager = (await phone.to(SARAH, 2))[-1]
            assert "It is open again for you" in told_manager
    assert concerns(tmp_path / "k.db") == [
        (1001, "care", "today", "Amelia came home with a scratch and nobody said", "message",
         "reopened", 1, "Spoke on the phone; staff will tell you at pickup.", "manager"),
    ]  # fmt: skip


async def test_sms_words_that_read_like_a_concern_are_asked_about_then_raised(tmp_path):
    async with running_fake_twilio() as fake, running_keyperson(tmp_path, fake) as public:
        async with httpx.AsyncClient(base_url=public) as http:
            phone = Sms(http, public, fake)
            said = "I'm worried about Amelia's cough, it has gone on for weeks"
            await phone.send(LAURA, said)
            _, asked = await phone.to(LAURA, 2)  # the welcome, then the question
            assert asked.startswith(
                "Would you like to raise this as a concern, or just send it to Tom Baker?"
            )
            assert "1 Raise it as a concern\n2 Just send it\n3 Not now" in asked
            assert await phone.to(TOM, 0) == []  # nothing is assumed
            await phone.send(LAURA, "1")
            topic = (await phone.to(LAURA, 3))[-1]
            assert topic.startswith("What is it about?")
            await phone.send(LAURA, "1")  # development or needs
            await phone.to(LAURA, 4)
            await phone.send(LAURA, "3")  # no rush
            answer = (await phone.to(LAURA, 5))[-1]
            assert "1 A message\n2 A phone call\n3 A meeting" in answer  # words not asked again
            await phone.send(LAURA, "1")
            received = (await phone.to(LAURA, 6))[-1]
            assert received.startswith("Thank you for telling us. Your reference is C-1001.")
    assert concerns(tmp_path / "k.db")[0][3] == said


async def _raise_safety(phone: Sms, seen: int) -> None:
    await phone.send(LAURA, "CONCERN")
    await phone.to(LAURA, seen + 1)
    await phone.send(LAURA, "4")  # someone's safety
    await phone.to(LAURA, seen + 3)  # call 999, then how soon
    await phone.send(LAURA, "1")
    await phone.to(LAURA, seen + 4)
    await phone.send(LAURA, "Please call me about Amelia, it is about home.")
    await phone.to(LAURA, seen + 5)
    await phone.send(LAURA, "2")  # a phone call
    await phone.to(LAURA, seen + 6)


async def test_sms_the_dsl_names_the_subject_who_then_hears_nothing_more(tmp_path):
    async with running_fake_twilio() as fake, running_keyperson(tmp_path, fake) as public:
        async with httpx.AsyncClient(base_url=public) as http:
            phone = Sms(http, public, fake)
            await _raise_safety(phone, 1)  # C-1001 by Laura (1: her first text is welcomed)
            laura = len(await phone.to(LAURA, 7))
            assert laura == 7
            (told,) = await phone.to(SARAH, 1)  # the DSL
            assert told.startswith("Concern C-1001 from Laura Hughes (mum)")
            await phone.send(SARAH, "SUBJECT C-1001 P01")
            marked = (await phone.to(SARAH, 3))[-1]  # after the welcome a first text gets
            assert marked == (
                "Laura Hughes is marked as the subject of C-1001. They will get no updates on it."
            )
            await phone.send(SARAH, "ACK C-1001")
            acked = await phone.to(SARAH, 5)
            assert any("so nothing was sent to them" in m for m in acked[-2:])
            await phone.send(SARAH, "CLOSE C-1001 Passed to social care.")
            await phone.to(SARAH, 7)
            # The other way: Dan is named on C-1002, so Laura, who raised it, still hears.
            await _raise_safety(phone, laura)
            await phone.to(SARAH, 8)
            await phone.send(SARAH, "SUBJECT C-1002 Dan Hughes")
            await phone.to(SARAH, 9)
            await phone.send(SARAH, "ACK C-1002")
            looking = (await phone.to(LAURA, laura + 7))[-1]
            assert looking == "Sarah Jones is looking at your concern C-1002."
            sent = [m for m in await phone.to(LAURA, laura + 7) if "C-1001" in m]
            assert len(sent) == 1  # only the reference when she raised C-1001
    with sqlite3.connect(tmp_path / "k.db") as conn:
        subjects = conn.execute("SELECT number, subject_carer_id FROM concerns").fetchall()
    assert subjects == [(1001, 1), (1002, 2)]
