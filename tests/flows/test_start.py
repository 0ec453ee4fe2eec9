"""Linking, information and keyword tables."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from bot.flows import information, onboarding
from bot.flows.base import (
    ChoiceMade,
    Context,
    MarkLinked,
    NotifyStaff,
    Reply,
    SetOptOut,
    TextReceived,
)
from tests.conftest import carer, child, staff
from tests.flows.dispatch import start

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def replies(transition) -> list[str]:
    return [e.text.key for e in transition.effects if isinstance(e, Reply)]


def test_unknown_sender_gets_generic_answer_naming_nobody(profile):
    t = start.run(None, {}, TextReceived("Hi is Amelia ok", Context(profile)), NOW)
    assert replies(t) == ["unknown.sender"]
    (reply,) = [e for e in t.effects if isinstance(e, Reply)]
    assert set(reply.text.params) == {"setting", "phone"}


def test_first_greeting_links_and_welcomes_with_children_and_key_persons(profile):
    ctx = Context(
        profile,
        carer=carer(child(1, "Jan", 3, "Anna"), child(2, "Leo", None, None)),
        newly_linked=True,
        facts={"threads": {1: "AAA", 2: "BBB"}},
    )
    t = start.run(None, {}, TextReceived("Hello!", ctx), NOW)
    assert isinstance(t.effects[0], MarkLinked)
    assert replies(t) == ["welcome.carer"]
    welcome = next(e for e in t.effects if isinstance(e, Reply)).text
    assert welcome.params["children"] == ("Jan", "Leo")
    assert [line.key for line in welcome.params["key_people"]] == [
        "info.key_person",
        "info.no_key_person",
    ]


def test_first_message_with_content_is_welcomed_and_relayed(profile):
    ctx = Context(profile, carer=carer(), newly_linked=True, facts={"threads": {1: "K7Q"}})
    t = start.run(None, {}, TextReceived("Amelia has a temperature", ctx), NOW)
    assert replies(t) == ["welcome.carer", "relay.sent"]
    assert any(isinstance(e, NotifyStaff) for e in t.effects)


def test_welcome_never_names_a_child_the_carer_may_not_hear_about(profile):
    ctx = Context(profile, carer=carer(child(informed=False)), newly_linked=True)
    t = start.run(None, {}, TextReceived("hi", ctx), NOW)
    assert replies(t) == ["welcome.carer_plain"]
    assert "Amelia" not in repr(t.effects)


def test_staff_are_welcomed_as_staff(profile):
    ctx = Context(profile, staff=staff(), newly_linked=True)
    assert replies(start.run(None, {}, TextReceived("hi", ctx), NOW)) == ["welcome.staff"]


def test_info_menu_then_each_answer(profile):
    ctx = Context(profile, carer=carer(), facts={"threads": {1: "K7Q"}})
    menu = start.run(None, {}, TextReceived("info", ctx), NOW)
    assert menu.flow == information.NAME
    keys = [c.key for c in menu.effects[0].choices]
    assert keys == [
        *information.TOPICS, *("wow", "settings", "absent", "concern", "permissions"), "not_now"
    ]  # fmt: skip
    expected = {
        "key_person": "info.lines",
        "important": "info.important",
        "policies": "info.policies",
        "concerns": "info.concerns",
        "hours": "info.hours",
    }
    for topic, key in expected.items():
        t = start.run(menu.flow, menu.state, ChoiceMade(topic, ctx), NOW)
        assert (t.flow, replies(t)) == (None, [key])


def test_text_during_menu_is_a_new_message(profile):
    ctx = Context(profile, carer=carer(), facts={"threads": {1: "K7Q"}})
    t = start.run(information.NAME, {}, TextReceived("Can I bring her at 9?", ctx), NOW)
    assert any(isinstance(e, NotifyStaff) for e in t.effects)


def test_stop_start_help(profile):
    ctx = Context(profile, carer=carer())
    stop = onboarding.opt_out(ctx)
    assert SetOptOut(True) in stop.effects
    (confirmation,) = [e for e in stop.effects if isinstance(e, Reply)]
    assert confirmation.ignore_stop
    assert SetOptOut(False) in onboarding.opt_in(ctx).effects
    helped = start.help_and_menu(TextReceived("HELP", ctx))
    assert replies(helped) == ["help.sms", "info.menu"]
    assert replies(start.help_and_menu(TextReceived("HELP", Context(profile)))) == ["help.sms"]


def test_what_happens_after_a_concern_uses_the_settings_words_in_the_readers_language(profile):
    polish = Context(profile, carer=dataclasses.replace(carer(), language="pl"))
    answer = information.answer("concerns", polish)
    assert answer.params["steps"] == profile.translations["pl"]["concern_steps"]
    assert answer.params["contact"] == profile.translations["pl"]["important_contact"]
    english = information.answer("concerns", Context(profile, carer=carer()))
    assert english.params["steps"] == profile.concern_steps
    important = information.answer("important", polish)
    assert important.params["contact"].startswith("Sarah Jones (kierownictwo")


def test_stop_confirms_the_channel_stopped_and_how_to_stop_the_other(profile):
    on_telegram = Context(profile, carer=carer(), channel="telegram")
    plain = onboarding.opt_out(on_telegram)
    (reply,) = [e for e in plain.effects if isinstance(e, Reply)]
    assert reply.text.key == "optout.stopped_telegram" and reply.ignore_stop
    both = onboarding.opt_out(on_telegram, ("sms",))
    (reply,) = [e for e in both.effects if isinstance(e, Reply)]
    assert reply.text.key == "optout.also"
    assert reply.text.params["still"].key == "optout.still_sms"
    by_sms = onboarding.opt_out(Context(profile, carer=carer()), ("telegram",))
    (reply,) = [e for e in by_sms.effects if isinstance(e, Reply)]
    assert reply.text.params["stopped"].key == "optout.stopped"
    assert reply.text.params["still"].key == "optout.still_telegram"
