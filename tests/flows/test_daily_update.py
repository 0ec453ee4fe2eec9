"""Daily updates, staff celebrations, good news from home and update settings, as tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.domain.people import KeyChild
from bot.flows import celebration, daily_update, preferences
from bot.flows.base import (
    ChoiceMade,
    Context,
    NotifyStaff,
    PhotoShared,
    PreviewNews,
    Reply,
    ShareNews,
    TextReceived,
    Write,
)
from bot.flows.celebration import RecordNews
from bot.flows.daily_update import PHRASES
from bot.flows.preferences import SetUpdateMode
from tests.conftest import carer, child, staff
from tests.flows.dispatch import start

NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
JAN = KeyChild(1, "Jan", True)
ZOFIA = KeyChild(2, "Zofia", False)


@dataclass(frozen=True)
class FakeFlag:
    kind: str
    start: int
    end: int
    found: str
    term: str
    suggestion: str
    reason: str


class FakeGlossary:
    """Flags the word SENCo, as the real glossary does, so the flow's handling can be tabled."""

    def check(self, text, *, to_many=False):
        at = text.find("SENCo")
        if at < 0:
            return ()
        return (FakeFlag("jargon", at, at + 5, "SENCo", "SENCo", "special needs lead", ""),)

    def lookup(self, question):
        return None

    def accept(self, text, flag):
        return text[: flag.start] + flag.suggestion + text[flag.end :]


def anna(profile, children=(JAN, ZOFIA)) -> Context:
    return Context(
        profile, staff=staff(3, "Anna"), glossary=FakeGlossary(), facts={"key_children": children}
    )


def keys(transition) -> list[str]:
    return [e.text.key for e in transition.effects if isinstance(e, Reply)]


def offered(transition) -> list[str]:
    return [
        c.key for e in transition.effects if isinstance(e, Reply | PreviewNews) for c in e.choices
    ]


def run(transition, event):
    return daily_update.step(transition.state, event, NOW)


def test_update_for_two_children_from_phrases_and_own_words(profile):
    ctx = anna(profile)
    t = start.run(None, {}, TextReceived("UPDATE", ctx), NOW)
    assert keys(t) == ["update.pick"] and offered(t) == ["1", "2", "all", "cancel"]
    t = run(t, ChoiceMade("1", ctx))
    assert keys(t) == ["update.pick_more"] and "done" in offered(t)
    t = run(t, ChoiceMade("2", ctx))  # every child picked: straight on to writing
    assert t.state["step"] == "compose" and "ate_well" in offered(t)
    t = run(t, ChoiceMade("ate_well", ctx))
    assert keys(t) == ["update.added"] and "ate_well" not in offered(t) and "preview" in offered(t)
    t = run(t, TextReceived("They built a tall tower together.", ctx))
    (preview,) = [e for e in t.effects if isinstance(e, PreviewNews)]
    assert preview.news.children == (1, 2) and preview.news.phrases == ("ate_well",)
    assert offered(t) == ["send", "edit", "cancel"]
    t = run(t, ChoiceMade("send", ctx))
    (share,) = [e for e in t.effects if isinstance(e, ShareNews)]
    assert share.news.text == "They built a tall tower together." and share.news.author == "Anna"
    # The sender is told where it went by the delivery itself (how many families, and when).
    assert t.flow is None and keys(t) == []


def test_cancel_at_any_step_sends_nothing(profile):
    ctx = anna(profile)
    t = start.run(None, {}, TextReceived("update", ctx), NOW)
    for event in (ChoiceMade("cancel", ctx), TextReceived("cancel", ctx)):
        done = start.run(t.flow, t.state, event, NOW)
        assert done.flow is None and keys(done) == ["update.cancelled"]
        assert not any(isinstance(e, ShareNews) for e in done.effects)


def test_edit_from_the_preview_goes_back_to_writing(profile):
    ctx = anna(profile, (JAN,))
    t = start.run(None, {}, TextReceived("update", ctx), NOW)  # one child: no question
    assert t.state["step"] == "compose" and t.state["children"] == [1]
    t = run(t, TextReceived("Lovely day", ctx))
    t = run(t, ChoiceMade("edit", ctx))
    assert t.state["step"] == "compose" and t.state["text"] == ""


def test_a_child_who_is_not_yours_cannot_be_picked(profile):
    ctx = anna(profile)
    t = start.run(None, {}, TextReceived("update", ctx), NOW)
    t = run(t, ChoiceMade("99", ctx))
    assert keys(t) == ["update.not_yours"] and t.state["children"] == []


def test_staff_without_key_children_are_told_so(profile):
    t = start.run(None, {}, TextReceived("update", anna(profile, ())), NOW)
    assert keys(t) == ["update.no_children"] and t.flow is None


def test_photo_without_consent_is_not_added(profile):
    ctx = anna(profile)
    t = daily_update._compose(
        {"kind": "update", "children": [1, 2], "phrases": [], "text": "", "photo": None}, ctx
    )
    refused = start.signal(t.flow, t.state, PhotoShared("FILE1", "", ctx))
    assert keys(refused)[0] == "update.photo_no_consent" and refused.state["photo"] is None
    assert refused.effects[0].text.params["children"] == ("Zofia",)
    only_jan = daily_update._compose({**t.state, "children": [1]}, ctx)
    kept = start.signal(
        only_jan.flow, only_jan.state, PhotoShared("FILE1", "At the sand tray", ctx)
    )
    (preview,) = [e for e in kept.effects if isinstance(e, PreviewNews)]
    assert preview.news.photo == "FILE1" and preview.news.text == "At the sand tray"


def test_photo_outside_an_update_is_not_passed_on(profile):
    t = start.signal(None, {}, PhotoShared("FILE1", "", anna(profile)))
    assert keys(t) == ["notpassed.unsupported"]


def test_jargon_is_flagged_and_the_plain_word_taken_with_one_tap(profile):
    ctx = anna(profile, (JAN,))
    t = start.run(None, {}, TextReceived("update", ctx), NOW)
    t = run(t, TextReceived("The SENCo will say hello.", ctx))
    assert keys(t) == ["plain.found"] and offered(t) == ["use:0", "keep", "edit", "cancel"]
    t = run(t, ChoiceMade("use:0", ctx))
    (preview,) = [e for e in t.effects if isinstance(e, PreviewNews)]
    assert preview.news.text == "The special needs lead will say hello."


def test_the_sender_may_keep_flagged_words(profile):
    ctx = anna(profile, (JAN,))
    t = start.run(None, {}, TextReceived("update", ctx), NOW)
    t = run(t, TextReceived("The SENCo will say hello.", ctx))
    t = run(t, ChoiceMade("keep", ctx))
    (preview,) = [e for e in t.effects if isinstance(e, PreviewNews)]
    assert preview.news.text == "The SENCo will say hello."


def test_staff_celebration_is_the_same_flow_marked_as_a_celebration(profile):
    ctx = anna(profile, (JAN,))
    t = start.run(None, {}, TextReceived("WOW", ctx), NOW)
    assert keys(t) == ["celebration.write"]
    t = run(t, TextReceived("He said 'more' for the first time!", ctx))
    t = run(t, ChoiceMade("send", ctx))
    (share,) = [e for e in t.effects if isinstance(e, ShareNews)]
    assert share.news.kind == "celebration" and t.flow is None


def test_a_wow_moment_does_not_offer_the_daily_update_phrases(profile):
    ctx = anna(profile, (JAN,))
    t = start.run(None, {}, TextReceived("WOW", ctx), NOW)
    assert not set(PHRASES) & set(offered(t)) and offered(t) == ["cancel"]
    t = run(t, ChoiceMade("ate_well", ctx))  # even typed, a phrase is not taken
    assert t.state["phrases"] == [] and not set(PHRASES) & set(offered(t))
    update = start.run(None, {}, TextReceived("UPDATE", ctx), NOW)
    assert set(PHRASES) <= set(offered(update))


def test_good_news_from_home_reaches_the_key_person_and_is_kept(profile):
    ctx = Context(profile, carer=carer(), facts={"threads": {1: "K7Q"}})
    t = start.run(None, {}, TextReceived("wow", ctx), NOW)
    assert keys(t) == ["wow.ask"]
    t = celebration.step(t.state, TextReceived("She said 'more' at home today!", ctx), NOW)
    (notify,) = [e for e in t.effects if isinstance(e, NotifyStaff)]
    assert notify.staff_id == 10 and notify.thread == "K7Q"
    assert Write(RecordNews(1, "home", "She said 'more' at home today!")) in t.effects
    assert keys(t) == ["wow.thanks"]


def test_good_news_with_two_children_asks_which(profile):
    two = carer(child(1, "Jan", 3, "Anna"), child(2, "Leo", 5, "Grace"))
    ctx = Context(profile, carer=two, facts={"threads": {1: "AAA", 2: "BBB"}})
    t = start.run(None, {}, TextReceived("Share good news", ctx), NOW)
    assert keys(t) == ["wow.which_child"]
    t = celebration.step(t.state, ChoiceMade("2", ctx), NOW)
    assert t.state == {"step": "write", "child": 2}


@pytest.mark.parametrize(
    ("answers", "effect"),
    [
        (["instant"], SetUpdateMode("instant", None, None)),
        (["essentials"], SetUpdateMode("essentials", None, None)),
        (["evening", "17:30"], SetUpdateMode("evening", "17:30", None)),
        (["weekly", "19:00"], SetUpdateMode("weekly", "19:00", 4)),
        (["evening", "18.15"], SetUpdateMode("evening", "18:15", None)),
    ],
)
def test_a_carer_chooses_each_update_mode(profile, answers, effect):
    ctx = Context(profile, carer=carer())
    t = start.run(None, {}, TextReceived("SETTINGS", ctx), NOW)
    assert offered(t) == ["instant", "evening", "weekly", "essentials", "not_now"]
    for answer in answers:
        event = (
            ChoiceMade(answer, ctx)
            if answer[0].isalpha() or ":" in answer
            else TextReceived(answer, ctx)
        )
        t = preferences.step(t.state, event, NOW)
    assert Write(effect) in t.effects and t.flow is None


def test_a_bad_time_is_asked_again(profile):
    ctx = Context(profile, carer=carer())
    t = preferences.step({"step": "time", "mode": "evening"}, TextReceived("teatime", ctx), NOW)
    assert keys(t) == ["settings.bad_time"] and t.state["step"] == "time"


@pytest.mark.parametrize(
    ("typed", "at"),
    [
        ("6pm", "18:00"),
        ("18.00", "18:00"),
        ("6.30pm", "18:30"),
        ("6:30 pm", "18:30"),
        ("18h30", "18:30"),
        ("1815", "18:15"),
        ("07:05", "07:05"),
    ],
)
def test_a_typed_time_is_read_as_people_write_it(profile, typed, at):
    ctx = Context(profile, carer=carer())
    t = preferences.step({"step": "time", "mode": "evening"}, TextReceived(typed, ctx), NOW)
    assert Write(SetUpdateMode("evening", at, None)) in t.effects and t.flow is None


def test_an_hour_alone_asks_morning_or_evening(profile):
    ctx = Context(profile, carer=carer())
    t = preferences.step({"step": "time", "mode": "weekly"}, TextReceived("6", ctx), NOW)
    assert keys(t) == ["settings.which_time"] and offered(t) == ["06:00", "18:00", "not_now"]
    t = preferences.step(t.state, ChoiceMade("18:00", ctx), NOW)
    assert Write(SetUpdateMode("weekly", "18:00", 4)) in t.effects


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("25:00", "settings.no_such_time"),
        ("13pm", "settings.no_such_time"),
        ("later", "settings.bad_time"),
    ],
)
def test_nonsense_gets_a_clear_answer_and_the_times_again(profile, typed, key):
    ctx = Context(profile, carer=carer())
    t = preferences.step({"step": "time", "mode": "evening"}, TextReceived(typed, ctx), NOW)
    assert keys(t) == [key] and t.state == {"step": "time", "mode": "evening"}
    assert offered(t) == [*preferences.TIMES, "not_now"] and not any(
        isinstance(e, Write) and isinstance(e.record, SetUpdateMode) for e in t.effects
    )


def test_a_relay_answer_with_jargon_is_checked_before_it_goes(profile):
    from bot.domain.people import ThreadInfo
    from bot.flows.base import NotifyCarer

    thread = ThreadInfo("K7Q", 100, "Laura", "mum", 1, "Amelia", 10, True)
    ctx = Context(
        profile,
        staff=staff(),
        glossary=FakeGlossary(),
        facts={"named_code": "K7Q", "named_thread": thread},
    )
    asked = start.run(None, {}, TextReceived("#K7Q The SENCo will call you.", ctx), NOW)
    assert keys(asked) == ["plain.found"] and not any(
        isinstance(e, NotifyCarer) for e in asked.effects
    )
    plain = Context(profile, staff=staff(), glossary=FakeGlossary())
    used = start.run(asked.flow, asked.state, ChoiceMade("use:0", plain), NOW)
    # The swap is shown as it will go before anything is sent.
    assert not any(isinstance(e, NotifyCarer) for e in used.effects)
    (final,) = [e for e in used.effects if isinstance(e, Reply)]
    assert final.text.key == "plain.final" and offered(used) == ["send", "edit", "cancel"]
    shown = final.text.params["message"]
    assert shown.key == "relay.to_carer"
    assert shown.params["message"] == "The special needs lead will call you."
    sent = start.run(used.flow, used.state, ChoiceMade("send", plain), NOW)
    (notify,) = [e for e in sent.effects if isinstance(e, NotifyCarer)]
    assert notify.text.params["message"] == "The special needs lead will call you."
    changed = start.run(used.flow, used.state, ChoiceMade("edit", plain), NOW)
    assert keys(changed) == ["relay.staff_compose"]
    kept = start.run(asked.flow, asked.state, ChoiceMade("keep", plain), NOW)
    (notify,) = [e for e in kept.effects if isinstance(e, NotifyCarer)]
    assert notify.text.params["message"] == "The SENCo will call you."
    typed = start.run(asked.flow, asked.state, TextReceived("cancel", plain), NOW)
    assert keys(typed) == ["update.cancelled"]
    assert not any(isinstance(e, NotifyCarer) for e in typed.effects)


def test_writing_after_picking_children_takes_them_as_chosen(profile):
    ctx = anna(profile)
    t = start.run(None, {}, TextReceived("update", ctx), NOW)
    t = run(t, ChoiceMade("2", ctx))
    t = run(t, TextReceived("Zofia painted a rainbow.", ctx))
    (preview,) = [e for e in t.effects if isinstance(e, PreviewNews)]
    assert preview.news.children == (2,) and preview.news.text == "Zofia painted a rainbow."
    nothing_yet = start.run(None, {}, TextReceived("update", ctx), NOW)
    again = run(nothing_yet, TextReceived("A lovely day", ctx))
    assert keys(again) == ["update.pick"]
