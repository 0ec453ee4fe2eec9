"""Through the router: updates one child at a time."""

from __future__ import annotations

from tests.harness import ANNA, KASIA, MAREK, make_keyperson, say


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
