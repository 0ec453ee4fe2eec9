"""Through the router: reply codes that cannot be guessed, and updates one child at a time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.flows.steps import codes
from tests.harness import ANNA, KASIA, MAREK, SARAH, Clock, make_keyperson, say

MEERA = "+447400200005"  # Isla's grandmother; Isla's key person is Priya, whom Anna does not cover
PRIYA = "+447400100002"
CODE = re.compile(r"#([A-Z0-9]+)")


async def code_sent_to(rows, address):
    (row,) = [r for r in rows if r.address == address]
    match = CODE.search(row.body)
    assert match is not None, row.body
    return match.group(1)


async def audit_actions(kp, action):
    async with kp.db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT actor, subject FROM audit WHERE action = ? ORDER BY id", (action,)
        )
    return [tuple(r) for r in rows]


async def test_new_threads_get_longer_codes_and_old_codes_keep_working(tmp_path):
    kp = await make_keyperson(tmp_path)
    async with kp.db.transaction() as repos:
        ids = dict(await repos.conn.execute_fetchall("SELECT first_name, id FROM children"))
        kasia = await repos.people.contact("sms", KASIA)
        await repos.threads.open(kp.setting_id, "K7Q", kasia.person_id, ids["Zofia"], kp.clock())
    await say(kp, KASIA, "hej")
    old = await code_sent_to(await say(kp, KASIA, "Czy Zosia spała?"), ANNA)
    assert old == "K7Q"
    await say(kp, ANNA, "hi")
    answered = await say(kp, ANNA, "#k7q Yes, for an hour.")
    assert any(r.address == KASIA and "for an hour" in r.body for r in answered)
    await say(kp, MEERA, "hi")
    new = await code_sent_to(await say(kp, MEERA, "Is Isla's coat there?"), PRIYA)
    assert len(new) == 5
    await kp.db.close()


async def test_a_wrong_code_names_nobody_and_repeated_ones_pause_codes(tmp_path):
    clock = Clock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    kp = await make_keyperson(tmp_path, clock)
    await say(kp, MEERA, "hi")
    rows = await say(kp, MEERA, "Is Isla OK?")
    islas = await code_sent_to(rows, PRIYA)
    await say(kp, KASIA, "hej")
    zofias = await code_sent_to(await say(kp, KASIA, "Czy Zosia jadła?"), ANNA)
    await say(kp, ANNA, "hi")

    not_hers = await say(kp, ANNA, f"#{islas} hi")
    unknown = await say(kp, ANNA, "#ZZZZZ hi")
    assert [r.address for r in not_hers + unknown] == [ANNA, ANNA]  # nothing to anyone else
    for row, code in ((not_hers[0], islas), (unknown[0], "ZZZZZ")):
        assert row.body == (
            f"#{code} is not a conversation you can answer, so nothing was sent. "
            "Please check the code, or send your answer without a code and choose the family."
        )
    for _ in range(codes.LIMIT - 3):
        await say(kp, ANNA, "#ZZZZZ hi")
    pausing = await say(kp, ANNA, "#ZZZZZ hi")  # the fifth wrong code in the hour
    (to_anna,) = [r for r in pausing if r.address == ANNA]
    assert "paused for you for 60 minutes and the manager has been told" in to_anna.body
    (to_sarah,) = [r for r in pausing if r.address == SARAH]
    assert to_sarah.body.startswith("Anna Kowalska sent 5 reply codes within an hour")
    assert "Isla" not in to_sarah.body and "Meera" not in to_sarah.body
    assert await audit_actions(kp, codes.PAUSED) == [("staff:3", "staff:3")]
    assert len(await audit_actions(kp, codes.WRONG)) == codes.LIMIT

    # While paused no code is looked up, not even her own; nothing reaches the family.
    paused = await say(kp, ANNA, f"#{zofias} She ate well.")
    assert [r.address for r in paused] == [ANNA] and "paused" in paused[0].body
    clock.now += timedelta(minutes=30)
    assert "paused" in (await say(kp, ANNA, f"#{zofias} She ate well."))[0].body
    clock.now += codes.PAUSE  # the pause is over
    sent = await say(kp, ANNA, f"#{zofias} She ate well.")
    assert any(r.address == KASIA and "She ate well." in r.body for r in sent)
    await kp.db.close()


async def test_one_update_per_child_when_the_words_name_a_child(tmp_path):
    kp = await make_keyperson(tmp_path)
    await say(kp, ANNA, "hi")
    await say(kp, ANNA, "UPDATE")  # 1 Jan, 2 Zofia, 3 Amelia, 4 all, 5 cancel
    await say(kp, ANNA, "1")
    await say(kp, ANNA, "Zofia")
    await say(kp, ANNA, "Done")
    (preview,) = await say(kp, ANNA, "Jan and Zofia built a tower.")
    assert (
        "Your words name Jan and Zofia: every family that gets this update will read "
        "these names." in preview.body
    )
    assert [c["key"] for c in preview.choices] == ["send", "split", "edit", "cancel"]
    (first,) = await say(kp, ANNA, "2")
    assert first.body.startswith("Now the update about Jan on its own")
    (preview,) = await say(kp, ANNA, "Jan built a tower.")
    assert "This will go to 1 family." in preview.body and "Your words name" not in preview.body
    sent = await say(kp, ANNA, "Send")
    to_marek = [r for r in sent if r.address == MAREK]
    assert len(to_marek) == 1 and "Jan built a tower." in to_marek[0].body
    assert not [r for r in sent if r.address == KASIA]
    told, following = [r.body for r in sent if r.address == ANNA]
    assert told.startswith("Sent: the update about Jan.")
    assert following.startswith("Now the update about Zofia on its own")
    await say(kp, ANNA, "Zofia built a tower.")
    sent = await say(kp, ANNA, "Send")
    to_kasia = [r for r in sent if r.address == KASIA]
    assert len(to_kasia) == 1 and "Zofia built a tower." in to_kasia[0].body
    assert "Jan" not in to_kasia[0].body and not [r for r in sent if r.address == MAREK]
    assert [r.body for r in sent if r.address == ANNA][-1].startswith(
        "Sent: the update about Zofia."
    )
    await kp.db.close()
