"""Referrals as flow tables: asking every carer who may be told, each carer's answer kept as
theirs (yes, no, questions, views word for word), My permissions and withdrawal, and who on
the staff hears what."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from bot.domain.agencies import (
    AnswerLine,
    ChildOnFile,
    NoticeLine,
    Reachable,
    Referral,
    ReferralAnswer,
    ReferralRow,
    ReferralViews,
    Told,
)
from bot.domain.messages import ChoiceStyle, Text
from bot.flows import referrals
from bot.flows.base import (
    ChoiceMade,
    Context,
    NotifyCarer,
    NotifyStaff,
    RecordAudit,
    Reply,
    TextReceived,
    Write,
)
from bot.flows.steps import referring
from bot.language.plain import Glossary
from tests.conftest import carer, child
from tests.flows.dispatch import REGISTRY, start

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
AMELIA = ChildOnFile(1, "C01", "Amelia", "Hughes", 10, "none")
LAURA = Reachable(100, "Laura Hughes", "mum", "en", True, ("telegram",))
SAM = Reachable(101, "Sam Hughes", "step-dad", "pl", True, ("sms",))
DAN = Reachable(102, "Dan Hughes", "dad", "en", False, ())
GONE = Reachable(103, "Jo Hughes", "aunt", "en", True, ())  # informed, but STOPped everywhere
GLOSSARY = Glossary.load()
SENCO, MANAGER = 2, 1


def row(*answers: tuple[int, str], sent: bool = False, number: int = 1001) -> ReferralRow:
    lines = tuple(AnswerLine(c, f"carer {c}", a, "", "sms", NOW) for c, a in answers)
    return ReferralRow(
        number=number,
        child_id=1,
        child="Amelia",
        child_full="Amelia Hughes",
        child_ref="C01",
        key_person_id=10,
        to="speech and language therapy service",
        why="to help with words",
        staff_id=None,
        made_at=NOW,
        sent_at=NOW if sent else None,
        asked=(NoticeLine("Laura Hughes (mum)", ("sms",), NOW),),
        answers=lines,
    )


def ctx(facts: dict[str, object] | None = None, *, informed: bool = True, channel: str = "sms"):
    parent = carer(child(1, "Amelia", informed=informed), carer_id=100, name="Laura Hughes")
    base: dict[str, object] = {"referral_sencos": (SENCO,), "referral_managers": (MANAGER,)}
    return Context(
        carer=parent,
        setting_id=1,
        channel=channel,
        glossary=GLOSSARY,
        facts={**base, **(facts or {})},
    )


def test_every_informed_carer_who_can_be_told_is_asked_in_their_language_with_buttons():
    effects = referring.ask_consent(
        1001, AMELIA, "SALT", "to help Amelia with her words", (LAURA, SAM, DAN, GONE), GLOSSARY
    )
    assert effects is not None
    (kept,) = [e for e in effects if isinstance(e, Write)]
    assert kept.record == Referral(
        1001, 1, "SALT", "to help Amelia with her words", None,
        (Told(100, ("telegram",)), Told(101, ("sms",))),
    )  # fmt: skip
    asked = [e for e in effects if isinstance(e, NotifyCarer)]
    assert [a.carer_id for a in asked] == [100, 101]  # not Dan (no information), not Jo
    english, polish = asked
    assert english.about_child == 1 and english.essential
    assert english.text.key == "referral.ask"
    # Jargon is named plainly for English readers, and explained from the glossary.
    assert english.text.params["to"] == "the speech and language therapist"
    assert "helps children who find talking" in english.text.params["about"]
    assert polish.text.params["to"] == "SALT"
    assert "Logopeda" in polish.text.params["about"]
    assert [(c.key, c.style) for c in english.choices] == [
        ("referral_yes:1001", ChoiceStyle.TAP),
        ("referral_no:1001", ChoiceStyle.TAP),
        ("referral_ask:1001", ChoiceStyle.TAP),
    ]
    assert all(REGISTRY.is_action(c.key) for c in english.choices)  # valid whenever pressed


def test_nobody_to_tell_keeps_nothing():
    assert referring.ask_consent(1001, AMELIA, "x", "y", (DAN, GONE), GLOSSARY) is None


def test_yes_by_button_is_kept_as_this_carers_with_its_channel_then_views_word_for_word():
    first = start.run(
        None, {}, ChoiceMade("referral_yes:1001", ctx({"referral": row()}, channel="telegram")), NOW
    )
    assert Write(ReferralAnswer(1001, "yes", "telegram")) in first.effects
    told = [e for e in first.effects if isinstance(e, NotifyStaff)]
    assert [t.staff_id for t in told] == [SENCO, 10]  # the SENCo and the key person
    assert told[0].text.params["answer"] == Text("referral.said_yes")
    assert first.flow == "referrals" and first.state["step"] == "views"
    (question,) = [e for e in first.effects if isinstance(e, Reply)]
    assert question.text.key == "referral.ask_views"
    words = "She is shy at first.  Please sing to her!"
    second = start.run(first.flow, first.state, TextReceived(words, ctx(channel="telegram")), NOW)
    assert second.flow is None
    assert Write(ReferralViews(1001, words.strip(), "telegram")) in second.effects
    views = [e for e in second.effects if isinstance(e, NotifyStaff)]
    assert [v.staff_id for v in views] == [SENCO, 10]
    assert views[0].text.params["message"] == words.strip()


def test_no_thanks_to_the_views_question_keeps_nothing_more():
    first = start.run(None, {}, ChoiceMade("referral_yes:1001", ctx({"referral": row()})), NOW)
    second = start.run(first.flow, first.state, ChoiceMade("nothing", ctx()), NOW)
    assert second.flow is None
    assert not [e for e in second.effects if isinstance(e, Write)]
    assert second.effects == (Reply(Text("referral.views_none")),)


def test_typed_by_sms_with_the_reference_in_either_language():
    for typed, answer in (("R-1001 YES", "yes"), ("r1001 nie", "no"), ("R-1001: ask", "questions")):
        t = start.run(None, {}, TextReceived(typed, ctx({"referral": row()})), NOW)
        assert Write(ReferralAnswer(1001, answer, "sms")) in t.effects, typed
    how = start.run(None, {}, TextReceived("R-1001 maybe", ctx({"referral": row()})), NOW)
    assert how.effects == (Reply(Text("referral.how", {"reference": "R-1001"})),)


def test_questions_first_asks_what_and_sends_the_words_to_staff():
    first = start.run(None, {}, TextReceived("R-1001 ask", ctx({"referral": row()})), NOW)
    assert first.state["step"] == "question"
    second = start.run(first.flow, first.state, TextReceived("Who will see her?", ctx()), NOW)
    assert Write(ReferralAnswer(1001, "questions", "sms", "Who will see her?")) in second.effects
    asked = [e for e in second.effects if isinstance(e, NotifyStaff)]
    assert asked and asked[0].text.key == "referral.question_staff"


def test_no_after_yes_is_a_withdrawal_and_after_sending_staff_are_asked_to_tell_the_service():
    sent = row((100, "yes"), sent=True)
    t = start.run(None, {}, TextReceived("R-1001 no", ctx({"referral": sent})), NOW)
    assert Write(ReferralAnswer(1001, "withdrawn", "sms")) in t.effects
    told = [e for e in t.effects if isinstance(e, NotifyStaff)]
    assert {e.text.key for e in told} == {"referral.withdrawn_after_sent"}


def test_a_referral_about_a_child_the_carer_may_not_be_told_about_is_unknown_to_them():
    for facts in ({"referral": row()}, {}):
        t = start.run(None, {}, TextReceived("R-1001 yes", ctx(facts, informed=False)), NOW)
        assert t.effects == (Reply(Text("referral.unknown", {"reference": "R-1001"})),)
        assert not [e for e in t.effects if isinstance(e, Write)]


def test_my_permissions_lists_each_referral_and_choosing_one_withdraws_it():
    mine = [row((100, "yes")), row((100, "no"), number=1002), row(number=1003)]
    menu = start.run(None, {}, TextReceived("PERMISSIONS", ctx({"my_referrals": mine})), NOW)
    (question,) = menu.effects
    assert isinstance(question, Reply) and question.text.key == "referral.permissions_ask"
    states = [line.params["state"] for line in question.text.params["lines"]]
    assert states == [referrals.STATES[s] for s in ("consented", "declined", "asked")]
    # Only what they have not already refused can be withdrawn; Not now leaves.
    assert [c.key for c in question.choices] == ["withdraw:1001", "withdraw:1003", "not_now"]
    done = start.run(
        menu.flow, menu.state, ChoiceMade("withdraw:1001", ctx({"referral": mine[0]})), NOW
    )
    assert Write(ReferralAnswer(1001, "withdrawn", "sms")) in done.effects
    staff = [e for e in done.effects if isinstance(e, NotifyStaff)]
    assert [s.staff_id for s in staff] == [SENCO, 10]
    assert staff[0].text.params["answer"] == Text("referral.said_withdrawn")
    assert any(
        isinstance(e, RecordAudit) and e.action == "referral.withdrawn" for e in done.effects
    )


def test_my_permissions_with_nothing_to_show():
    t = start.run(None, {}, TextReceived("my permissions", ctx({"my_referrals": []})), NOW)
    assert t.effects == (Reply(Text("referral.permissions_none")),)


def test_the_menu_offers_my_permissions_to_carers_only():
    assert any(o.key == "permissions" for o in REGISTRY.offers(ctx()))
    staff_ctx = dataclasses.replace(ctx(), carer=None)
    assert not any(o.key == "permissions" for o in REGISTRY.offers(staff_ctx))


def test_staff_fall_back_to_the_managers_when_nobody_holds_the_roles():
    orphan = dataclasses.replace(row(), key_person_id=None)
    facts = {"referral": orphan, "referral_sencos": ()}
    t = start.run(None, {}, TextReceived("R-1001 yes", ctx(facts)), NOW)
    assert [e.staff_id for e in t.effects if isinstance(e, NotifyStaff)] == [MANAGER]


def test_one_no_stops_a_referral_and_a_later_yes_from_that_carer_restores_it():
    assert row((100, "yes"), (101, "no")).state == "declined"
    assert not row((100, "yes"), (101, "no")).may_be_sent
    assert row((100, "yes"), (101, "no"), (101, "yes")).state == "consented"
    assert row((100, "questions")).state == "questions"
    assert row((100, "yes"), (100, "withdrawn")).state == "withdrawn"
    assert row((100, "yes"), sent=True).state == "sent"


def staff_ctx(roles: tuple[str, ...] = ("senco", "key_person"), **facts: object) -> Context:
    from tests.conftest import staff

    member = staff(SENCO, "Priya", roles)
    return Context(
        staff=member,
        setting_id=1,
        glossary=GLOSSARY,
        facts={"referral_children": [AMELIA], **facts},
    )


def test_referral_on_the_sencos_phone_from_child_to_asking_the_family():
    first = start.run(None, {}, TextReceived("REFERRAL", staff_ctx()), NOW)
    (question,) = first.effects
    assert isinstance(question, Reply) and question.text.key == "referral.which_child"
    flow, state = first.flow, first.state
    for event in (
        TextReceived("C01", staff_ctx()),
        ChoiceMade("known:1", staff_ctx()),
        TextReceived("Amelia's SALT said it would help", staff_ctx()),
    ):
        t = start.run(flow, state, event, NOW)
        flow, state = t.flow, t.state
    assert state["step"] == "make_plain"  # SALT is flagged before anything goes
    t = start.run(flow, state, ChoiceMade("use:0", staff_ctx()), NOW)
    assert t.state["why"] == "Amelia's speech and language therapist said it would help"
    (preview,) = t.effects
    assert isinstance(preview, Reply) and preview.text.key == "referral.preview"
    assert [c.key for c in preview.choices] == ["send_referral:1", "not_now"]
    sending = staff_ctx(referral_child=AMELIA, referral_family=(LAURA, DAN), referral_number=1004)
    made = start.run(t.flow, t.state, ChoiceMade("send_referral:1", sending), NOW)
    assert made.flow is None
    (kept,) = [e for e in made.effects if isinstance(e, Write)]
    assert kept.record == Referral(
        1004, 1, "speech and language therapy service",
        "Amelia's speech and language therapist said it would help", SENCO,
        (Told(100, ("telegram",)),),
    )  # fmt: skip
    assert [e.carer_id for e in made.effects if isinstance(e, NotifyCarer)] == [100]
    assert made.effects[-1] == Reply(
        Text("referral.made", {"reference": "R-1004", "child": "Amelia"})
    )


def test_referral_from_a_phone_with_nobody_to_ask_makes_none():
    state = {
        "step": "make_preview", "child": 1, "name": "Amelia", "to": "portage", "why": "play",
    }  # fmt: skip
    sending = staff_ctx(referral_child=AMELIA, referral_family=(DAN,), referral_number=1004)
    t = start.run("referrals", state, ChoiceMade("send_referral:1", sending), NOW)
    assert t.effects == (Reply(Text("referral.nobody", {"child": "Amelia"})),)


def test_only_the_senco_or_a_manager_makes_a_referral_from_a_phone():
    t = start.run(None, {}, TextReceived("REFERRAL", staff_ctx(("key_person",))), NOW)
    assert t.effects == (Reply(Text("referral.only_senco")),)
    manager = start.run(None, {}, TextReceived("referral", staff_ctx(("manager",))), NOW)
    assert manager.flow == "referrals"


def test_the_same_answer_twice_is_kept_once_and_staff_are_told_once():
    agreed = row((100, "yes"))
    t = start.run(None, {}, ChoiceMade("referral_yes:1001", ctx({"referral": agreed})), NOW)
    assert t.effects == (
        Reply(Text("referral.already_yes", {"reference": "R-1001", "child": "Amelia"})),
    )
    refused = row((100, "no"))
    for typed in ("R-1001 no", "R-1001 NIE"):
        t = start.run(None, {}, TextReceived(typed, ctx({"referral": refused})), NOW)
        assert t.effects == (
            Reply(Text("referral.already_no", {"reference": "R-1001", "child": "Amelia"})),
        )
