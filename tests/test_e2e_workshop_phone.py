"""A workshop added from a manager's phone by SMS, end to end through the running app: each
question answered by text, a bad date, Back, the preview with its reach, Add; the workshop kept
under the W- reference Sarah is told, and the Acorns families invited."""

from __future__ import annotations

import sqlite3

from tests.harness import LAURA, MAREK, SARAH
from tests.test_e2e_absence import Sms
from tests.test_e2e_telegram import running

SAM = "+447400200006"  # step-dad of Amelia (Acorns), added by running()


async def answer(phone: Sms, words: str, count: int) -> str:
    """Send Sarah's words and return the reply they bring (her `count`th message)."""
    await phone.send(SARAH, words)
    return (await phone.to(SARAH, count))[count - 1]


async def test_a_manager_adds_a_workshop_by_sms_and_the_families_are_invited(tmp_path):
    async with running(tmp_path) as app:
        phone = Sms(app.http, str(app.http.base_url).rstrip("/"), app.twilio)
        await phone.send(SARAH, "WORKSHOP")
        first = [m for m in await phone.to(SARAH, 2) if "workshop" in m][-1]
        assert first.startswith("There is no workshop waiting for its invite. Let us add")
        told = len(await phone.to(SARAH, 2))
        when = await answer(phone, "Helping your child with talking", told + 1)
        assert when.startswith('When does "Helping your child with talking" start?')
        # Words and numbered options together: the SMS says both.
        assert "Or reply with a number, or NOT NOW to leave.\n\n1 Back" in when
        bad = await answer(phone, "31/2 18:00", told + 2)
        assert bad == 'We could not read "31/2 18:00" as a day and time.'
        assert (await phone.to(SARAH, told + 3))[-1].startswith("When does")
        until = await answer(phone, "10/12 18:00", told + 4)
        assert until.startswith("When does it finish?") and "1 No set finish time\n2 Back" in until
        again = await answer(phone, "back", told + 5)  # the word of the Back option
        assert again.startswith('When does "Helping your child with talking" start?')
        await answer(phone, "10/12 18:00", told + 6)
        where = await answer(phone, "7pm", told + 7)
        assert where.startswith("Where is it?")
        online = await answer(phone, "the Acorns room", told + 8)
        assert online.startswith("Can families also join online?")
        places = await answer(phone, "https://meet.example.org/talking", told + 9)
        assert places.startswith("How many families can come?")
        who = await answer(phone, "12", told + 10)
        assert who.startswith("Who is it for?") and "1 All families" in who
        unknown = await answer(phone, "room:Oaktree", told + 11)
        assert unknown == "There is no room called oaktree. The rooms are: Acorns, Oaks."
        await phone.to(SARAH, told + 12)
        preview = await answer(phone, "room:Acorns", told + 13)
        # Acorns: Laura and Sam (Amelia), Marek (Jan); Dan must not be sent information.
        assert preview.startswith("This invite goes to 2 families (carers in all: 3).")
        assert "Where: the Acorns room\nOr join online: https://meet.example.org/talking" in preview
        assert "When: Thursday 10 December 18:00 to 19:00" in preview
        assert "Will you come? (W-1)" in preview and "Places: 12." in preview
        assert "1 Add it and send the invite\n2 Back\n3 Not now" in preview
        added = await answer(phone, "1", told + 14)
        assert added == "W-1 is added. The invite to W-1 is on its way to 2 families."

        with sqlite3.connect(app.db_path) as conn:
            row = conn.execute(
                "SELECT number, title, starts_at, ends_at, place, online, capacity, audience, "
                "status FROM workshops"
            ).fetchall()
            audit = [
                r[0]
                for r in conn.execute(
                    "SELECT action FROM audit WHERE action LIKE 'workshop.%' ORDER BY id"
                )
            ]
        assert row == [
            (
                1,
                "Helping your child with talking",
                "2026-12-10T18:00:00.000000Z",
                "2026-12-10T19:00:00.000000Z",
                "the Acorns room",
                "https://meet.example.org/talking",
                12,
                "room:acorns",
                "invited",
            )
        ]
        assert audit == ["workshop.added", "workshop.invited"]
        await app.keyperson.scheduler.tick()  # the server's next tick hands the invites over
        for family in (LAURA, SAM):
            (invite,) = await phone.to(family, 1)
            assert invite.startswith("Little Acorns Nursery invites you to a workshop")
            assert "Helping your child with talking" in invite and "1 Yes\n2 No\n3 Maybe" in invite
        (polish,) = await phone.to(MAREK, 1)  # Marek reads Polish
        assert "zaprasza" in polish and "(W-1)" in polish
