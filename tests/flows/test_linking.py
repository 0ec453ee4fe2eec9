"""Linking on Telegram, Reply buttons, stale buttons and signals: tables of event → effects."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from bot.domain.messages import ChoiceStyle
from bot.domain.people import PersonKind, ThreadInfo
from bot.flows import linking
from bot.flows.base import (
    ChoiceMade,
    ContactShared,
    Context,
    LinkAsked,
    LinkContact,
    MarkLinked,
    NotifyCarer,
    NotifyStaff,
    NotPassedOn,
    ReachChanged,
    Reply,
    SetReachable,
    TextReceived,
    Write,
)
from bot.flows.linking import SetPreference
from bot.flows.steps.people import REPLY_ACTION
from tests.conftest import carer, child, staff
from tests.flows.dispatch import start

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
THREAD = ThreadInfo("K7Q", 100, "Laura", "mum", 1, "Amelia", 10, True)


def replies(transition) -> list[str]:
    return [e.text.key for e in transition.effects if isinstance(e, Reply)]


def telegram(profile, **fields) -> Context:
    return Context(profile, channel="telegram", **fields)


def test_start_without_code_offers_the_share_button(profile):
    t = start.signal(None, {}, LinkAsked(None, telegram(profile)))
    (reply,) = [e for e in t.effects if isinstance(e, Reply)]
    assert reply.text.key == "link.ask_contact"
    assert [c.style for c in reply.choices] == [ChoiceStyle.CONTACT]


@pytest.mark.parametrize(
    ("event", "key"),
    [
        (lambda ctx: LinkAsked("nope", ctx), "link.bad_code"),
        (lambda ctx: ContactShared(True, ctx), "link.not_found"),
        (lambda ctx: ContactShared(False, ctx), "link.not_own"),
    ],
)
def test_failed_links_name_nobody_and_link_nothing(profile, event, key):
    t = start.signal(None, {}, event(telegram(profile)))
    assert replies(t) == [key]
    assert not any(isinstance(e, LinkContact) for e in t.effects)
    for effect in t.effects:
        if isinstance(effect, Reply):
            assert set(effect.text.params) <= {"setting", "phone"}


def test_someone_elses_contact_is_refused_even_when_the_number_is_on_file(profile):
    ctx = telegram(profile, link_to=carer())
    t = start.signal(None, {}, ContactShared(False, ctx))
    assert replies(t) == ["link.not_own"]
    assert not any(isinstance(e, LinkContact) for e in t.effects)


def test_own_contact_on_file_links_welcomes_in_their_language_and_asks_where(profile):
    polish = dataclasses.replace(carer(), language="pl")
    t = start.signal(None, {}, ContactShared(True, telegram(profile, link_to=polish)))
    assert t.effects[0] == LinkContact(PersonKind.CARER, polish.id, None)
    assert not any(isinstance(e, MarkLinked) for e in t.effects)
    assert replies(t) == ["welcome.carer", "link.where"]
    assert {e.language for e in t.effects if isinstance(e, Reply)} == {"pl"}
    assert t.flow == linking.NAME


def test_invite_code_links_staff_with_the_telegram_welcome(profile):
    ctx = telegram(profile, link_to=staff(), invite_id=7)
    t = start.signal(None, {}, LinkAsked("CODE", ctx))
    assert t.effects[0] == LinkContact(PersonKind.STAFF, 10, 7)
    assert replies(t)[0] == "welcome.staff_telegram"


def test_where_question_records_the_choice():
    ctx = Context(carer=carer())
    t = linking.step({}, ChoiceMade("both", ctx), NOW)
    assert Write(SetPreference("both")) in t.effects and replies(t) == ["link.where_both"]
    assert linking.step({}, TextReceived("hello", ctx), NOW).passthrough


def test_already_linked_chat_is_told_and_shown_the_menu(profile):
    me = carer()
    other = carer(carer_id=200, name="Sam")
    same = start.signal(None, {}, LinkAsked(None, telegram(profile, carer=me)))
    assert replies(same) == ["link.already", "info.menu"]
    moved = start.signal(None, {}, LinkAsked("CODE", telegram(profile, carer=me, link_to=other)))
    assert replies(moved)[0] == "link.already_other"
    assert not any(isinstance(e, LinkContact) for e in moved.effects)


def test_unknown_telegram_user_gets_the_share_button_and_no_names(profile):
    t = start.run(None, {}, TextReceived("Is Amelia ok?", telegram(profile)), NOW)
    (reply,) = [e for e in t.effects if isinstance(e, Reply)]
    assert reply.text.key == "unknown.telegram"
    assert reply.choices[0].style is ChoiceStyle.CONTACT


def test_blocked_and_unblocked_change_reachability_only(profile):
    blocked = start.signal("relay", {"step": "x"}, ReachChanged(False, Context(carer=carer())))
    assert SetReachable(False) in blocked.effects and not replies(blocked)
    unblocked = start.signal(None, {}, ReachChanged(True, Context(carer=carer())))
    assert SetReachable(True) in unblocked.effects


def test_edits_and_photos_are_not_passed_on_and_leave_the_question_open(profile):
    ctx = Context(profile, carer=carer())
    t = start.signal("information", {"a": 1}, NotPassedOn("edited", ctx))
    assert (t.flow, t.state, replies(t)) == ("information", {"a": 1}, ["notpassed.edited"])
    assert not any(isinstance(e, NotifyStaff) for e in t.effects)
    stranger = start.signal(None, {}, NotPassedOn("unsupported", telegram(profile)))
    assert replies(stranger) == ["unknown.telegram"]


def test_relayed_message_carries_a_reply_button_and_its_thread(profile):
    ctx = Context(profile, carer=carer(), facts={"threads": {1: "K7Q"}})
    t = start.run(None, {}, TextReceived("Is her coat here?", ctx), NOW)
    (notify,) = [e for e in t.effects if isinstance(e, NotifyStaff)]
    assert notify.thread == "K7Q"
    assert [(c.key, c.style) for c in notify.choices] == [("reply:K7Q", ChoiceStyle.TAP)]


def test_reply_button_asks_for_the_answer_then_sends_it_as_essential(profile):
    ctx = Context(profile, staff=staff(), facts={"named_code": "K7Q", "named_thread": THREAD})
    asked = start.run(None, {}, ChoiceMade("reply:K7Q", ctx), NOW)
    assert replies(asked) == ["relay.staff_compose"]
    plain = Context(profile, staff=staff())
    sent = start.run(asked.flow, asked.state, TextReceived("On her peg.", plain), NOW)
    (notify,) = [e for e in sent.effects if isinstance(e, NotifyCarer)]
    assert notify.essential and notify.text.params["message"] == "On her peg."


def test_reply_button_of_someone_elses_family_is_refused(profile):
    ctx = Context(
        profile, staff=staff(staff_id=11), facts={"named_code": "K7Q", "named_thread": THREAD}
    )
    t = start.run(None, {}, ChoiceMade("reply:K7Q", ctx), NOW)
    assert replies(t) == ["relay.wrong_code"] and t.flow is None
    (reply,) = [e for e in t.effects if isinstance(e, Reply)]
    assert set(reply.text.params) == {"code"}  # names no child and no carer


def test_native_reply_names_the_thread_without_a_typed_code(profile):
    ctx = Context(profile, staff=staff(), facts={"named_code": "K7Q", "named_thread": THREAD})
    t = start.run(None, {}, TextReceived("Yes, it is here.", ctx), NOW)
    (notify,) = [e for e in t.effects if isinstance(e, NotifyCarer)]
    assert notify.text.params["message"] == "Yes, it is here."


def test_reply_command_lists_conversations_then_asks_for_the_answer(profile):
    ctx = Context(profile, staff=staff(), facts={"recent_threads": (THREAD,)})
    listed = start.run(None, {}, TextReceived("reply", ctx), NOW)
    assert replies(listed) == ["relay.staff_which"]
    picked = start.run(listed.flow, listed.state, ChoiceMade("K7Q", ctx), NOW)
    assert replies(picked) == ["relay.staff_compose"] and picked.state["step"] == "compose"


def test_a_stale_button_changes_nothing(profile):
    ctx = Context(profile, carer=carer())
    t = start.stale_choice("information", {"x": 1}, ctx)
    assert (t.flow, t.state, replies(t)) == ("information", {"x": 1}, ["choice.stale"])
    assert start.is_action(REPLY_ACTION + "K7Q") and not start.is_action("yes")
    stranger = start.stale_choice(None, {}, telegram(profile))
    assert replies(stranger) == ["unknown.telegram"]


def test_a_reply_button_pressed_by_a_carer_is_stale(profile):
    t = start.run(None, {}, ChoiceMade("reply:K7Q", Context(profile, carer=carer())), NOW)
    assert replies(t) == ["choice.stale"]


def test_carer_with_children_of_two_key_persons_still_gets_buttons(profile):
    two = carer(child(1, "Jan", 3, "Anna"), child(2, "Leo", 5, "Grace"))
    t = start.run(None, {}, TextReceived("hello", Context(profile, carer=two)), NOW)
    assert replies(t) == ["relay.which_child"]
