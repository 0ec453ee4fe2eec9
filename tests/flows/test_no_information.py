"""A carer with receives_information = no: flagged to staff everywhere, and never told a name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.domain.messages import Choice, Text
from bot.flows import celebration, information, relay
from bot.flows.base import ChoiceMade, Context, NotifyStaff, Reply, TextReceived, Write
from bot.flows.celebration import RecordNews
from bot.flows.steps.questions import LEAVE, OTHER
from tests.conftest import carer, child
from tests.flows.dispatch import start

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
NOAH = child(7, "Noah", 10, "Tom", relationship="dad", informed=False)
JAN = child(8, "Jan", 11, "Anna", relationship="dad")
MILA = child(9, "Mila", 12, "Grace", relationship="dad", informed=False)


def craig(profile, *children) -> Context:
    kids = children or (NOAH,)
    threads = {7: "N0A", 8: "J4N", 9: "M1L"}
    return Context(profile, carer=carer(*kids, name="Craig"), facts={"threads": threads})


def words(value: object) -> Iterator[str]:
    """Every piece of text a value holds: Text parameters and choice labels, recursively."""
    if isinstance(value, Text):
        yield value.key
        for param in value.params.values():
            yield from words(param)
    elif isinstance(value, Choice):
        yield value.key
        if value.label is not None:
            yield from words(value.label)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from words(item)
    else:
        yield str(value)


def told(transition) -> str:
    """What the carer themself would read in a transition's replies."""
    replies = [e for e in transition.effects if isinstance(e, Reply)]
    return " ".join(w for r in replies for w in (*words(r.text), *words(r.choices)))


CONVERSATIONS = [
    ["WOW", "He said more today!"],
    ["WOW", "ok", "He said more today!"],
    ["share good news", "not now"],
    ["INFO", "key_person"],
    ["INFO", "wow", "He jumped!"],
    ["INFO", "concerns"],
    ["SETTINGS"],
    ["Is he eating?"],
    ["hello"],
]


def play(ctx: Context, said: list[str]):
    """Each step of a conversation; a menu key stands for pressing that menu button."""
    flow, state = None, {}
    for text in said:
        pressed = text in (*information.TOPICS, *("wow", "settings"))
        event = ChoiceMade(text, ctx) if pressed else TextReceived(text, ctx)
        t = start.run(flow, state, event, NOW)
        flow, state = t.flow, t.state
        yield t


@pytest.mark.parametrize("said", CONVERSATIONS, ids=lambda s: " / ".join(s))
@pytest.mark.parametrize("kids", [(NOAH,), (NOAH, MILA), (NOAH, JAN)], ids=["one", "two", "mixed"])
def test_no_reply_to_the_carer_names_a_child_they_may_not_be_told_about(profile, said, kids):
    ctx = craig(profile, *kids)
    for t in play(ctx, said):
        read = told(t)
        assert "Noah" not in read and "Mila" not in read and "Tom" not in read


@pytest.mark.parametrize("kids", [(NOAH,), (NOAH, MILA)], ids=["one", "two"])
def test_good_news_reaches_staff_flagged_and_without_a_reply_button(profile, kids):
    ctx = craig(profile, *kids)
    asked = start.run(None, {}, TextReceived("WOW", ctx), NOW)
    assert asked.flow == celebration.NAME
    (question,) = [e for e in asked.effects if isinstance(e, Reply)]
    assert question.text.key == "wow.ask_plain"
    done = start.run(asked.flow, asked.state, TextReceived("He said more!", ctx), NOW)
    notes = [e for e in done.effects if isinstance(e, NotifyStaff)]
    assert {n.text.key for n in notes} == {"wow.to_staff_no_info"}
    assert all(n.choices == () for n in notes)
    assert {
        e.record.child_id
        for e in done.effects
        if isinstance(e, Write) and isinstance(e.record, RecordNews)
    } == {k.child_id for k in kids}
    assert [e.text.key for e in done.effects if isinstance(e, Reply)] == ["wow.thanks_plain"]


def test_messages_reach_staff_flagged_and_without_a_reply_button(profile):
    t = relay.from_carer("Can I pick him up?", craig(profile), NOW)
    (note,) = [e for e in t.effects if isinstance(e, NotifyStaff)]
    assert note.text.key == "relay.to_staff_no_info" and note.choices == ()


def test_a_carer_told_about_one_child_but_not_another_never_sees_the_others_name(profile):
    ctx = craig(profile, NOAH, JAN)
    asked = relay.from_carer("Running late", ctx, NOW)
    (question,) = [e for e in asked.effects if isinstance(e, Reply)]
    assert [c.key for c in question.choices] == ["8", OTHER, "all", LEAVE]
    assert question.choices[1].label == Text("relay.choice_other")
    other = relay.step(asked.state, ChoiceMade(OTHER, ctx), NOW)
    (note,) = [e for e in other.effects if isinstance(e, NotifyStaff)]
    assert (note.staff_id, note.text.key) == (10, "relay.to_staff_no_info")
    jan = relay.step(asked.state, ChoiceMade("8", ctx), NOW)
    (note,) = [e for e in jan.effects if isinstance(e, NotifyStaff)]
    assert (note.staff_id, note.text.key) == (11, "relay.to_staff")


def test_several_children_none_of_them_told_are_not_asked_about(profile):
    t = relay.from_carer("Hello", craig(profile, NOAH, MILA), NOW)
    assert t.flow is None
    assert {e.staff_id for e in t.effects if isinstance(e, NotifyStaff)} == {10, 12}


def test_no_update_settings_for_a_carer_who_gets_no_updates(profile):
    ctx = craig(profile)
    menu = start.run(None, {}, TextReceived("INFO", ctx), NOW)
    keys = [c.key for e in menu.effects if isinstance(e, Reply) for c in e.choices]
    assert "settings" not in keys and "wow" in keys
    asked = start.run(None, {}, TextReceived("SETTINGS", ctx), NOW)
    assert asked.flow == information.NAME
    assert "settings.menu" not in told(asked)
    mixed = start.run(None, {}, TextReceived("SETTINGS", craig(profile, NOAH, JAN)), NOW)
    assert "settings.menu" in told(mixed)
