"""Visits as flow tables: staff record one from a phone (child, who, name, when, where, why with
the plain-words check, preview, send); the family's notice and answers; the timers that announce
a visit and remind the day before."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.messages import Choice, Text
from bot.domain.visits import FamilyMember, NewVisit, VisitChild, VisitInfo
from bot.flows import visits
from bot.flows.base import (
    ChoiceMade,
    Context,
    NotifyCarer,
    NotifyStaff,
    OpenThread,
    RecordAudit,
    Reply,
    SetTimer,
    TextReceived,
    TimerFired,
    Transition,
    Write,
)
from bot.flows.visits import Answered, Told
from bot.language.plain import Glossary
from tests.conftest import carer, child, staff
from tests.flows.dispatch import start

TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 10:00 in London
THURSDAY_10 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
GLOSSARY = Glossary.load()
LAURA = FamilyMember(100, "Laura (mum)", "en")
MARK = FamilyMember(101, "Mark (dad)", "en")
KASIA = FamilyMember(102, "Kasia (mum)", "pl")
# Amelia's family as the repository gives it: her informed carers only (not Dan, who may not
# be told about her).
CHILDREN = [VisitChild(1, "C01", "Amelia", (LAURA, MARK)), VisitChild(3, "C03", "Jan", (KASIA,))]


def visit(**changes: object) -> VisitInfo:
    base = VisitInfo(
        id=1, setting_id=1, number=12, child_id=1, child="Amelia", child_full="Amelia Hughes",
        child_ref="C01", send=False, key_person_id=10, key_person="Tom",
        who="speech and language therapist", name="Jo Reed", at=THURSDAY_10,
        why="to see how Amelia is getting on with her words", place="", home=False,
        state="planned", recorded_by=None, recorded_at=TUESDAY, cancel_reason=None,
        family=(LAURA, MARK),
    )  # fmt: skip
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def staff_ctx(profile, **facts: object) -> Context:
    known = {"visit_number": 12, "visit_children": CHILDREN, **facts}
    return Context(profile, staff=staff(), setting_id=1, glossary=GLOSSARY, facts=known)


def carer_ctx(profile, *, carer_id: int = 100, channel: str = "sms", **facts: object) -> Context:
    known: dict[str, object] = {"threads": {1: "K7QM2"}, "visit_sencos": [2]}
    known.update(facts)
    parent = carer(child(), carer_id=carer_id, name="Laura")
    return Context(profile, carer=parent, setting_id=1, channel=channel, facts=known)


def talk(ctx: Context, *said: str | Choice, now: datetime = TUESDAY) -> list[Transition]:
    flow, state, steps = None, {}, []
    for item in said:
        event = ChoiceMade(item.key, ctx) if isinstance(item, Choice) else TextReceived(item, ctx)
        t = start.run(flow, state, event, now)
        flow, state = t.flow, t.state
        steps.append(t)
    return steps


def press(key: str) -> Choice:
    return Choice(key)


def replies(t: Transition) -> list[Reply]:
    return [e for e in t.effects if isinstance(e, Reply)]


def keys(t: Transition) -> list[str]:
    return [r.text.key for r in replies(t)]


def of(t: Transition, kind: type) -> list:
    return [e for e in t.effects if isinstance(e, kind)]


# Staff, from a phone.

RECORD = (
    "VISIT", press("1"), press("role:salt"), "Jo Reed", "26/11 10:00", press("setting"),
    "to see how Amelia is getting on with her words",
)  # fmt: skip


def test_staff_record_a_visit_one_question_at_a_time(profile):
    steps = talk(staff_ctx(profile), *RECORD)
    assert [keys(t)[-1] for t in steps] == [
        "visit.ask_child", "visit.ask_who", "visit.ask_name", "visit.ask_when",
        "visit.ask_where", "visit.ask_why", "visit.preview",
    ]  # fmt: skip
    preview = replies(steps[-1])[-1]
    assert [c.key for c in preview.choices] == ["send", "not_now"]
    shown = preview.text.params["notice"]
    assert shown.key == "visit.notice"
    assert shown.params["child"] == "Amelia" and shown.params["reference"] == "V-12"
    assert shown.params["who"].key == "visit.who_explained"  # the role explained
    assert "speech and language therapist" in shown.params["who"].params["explained"]
    # Nothing is kept or sent before Send.
    assert not any(of(t, Write) or of(t, NotifyCarer) for t in steps)


def test_send_keeps_the_visit_and_tells_the_family_at_once(profile):
    ctx = staff_ctx(profile)
    *_, sent = talk(ctx, *RECORD, press("send"))
    assert sent.flow is None
    kept, told = of(sent, Write)
    assert kept.record == NewVisit(
        12, 1, "speech and language therapist", "Jo Reed", THURSDAY_10,
        "to see how Amelia is getting on with her words", "", False, 10,
    )  # fmt: skip
    assert told.record == Told(12, "notice", (100, 101))
    notices = of(sent, NotifyCarer)
    assert [(n.carer_id, n.about_child, n.essential) for n in notices] == [
        (100, 1, True), (101, 1, True)
    ]  # fmt: skip
    assert notices[0].text.params["reference"] == "V-12"
    (reminder,) = of(sent, SetTimer)
    assert (reminder.rule, reminder.due) == ("remind", datetime(2026, 11, 25, 10, tzinfo=UTC))
    assert keys(sent) == ["visit.recorded"]


def test_the_preview_names_who_gets_it_or_says_nobody_may(profile):
    *_, preview = talk(staff_ctx(profile), *RECORD)
    assert replies(preview)[-1].text.params["to"] == ("Laura (mum)", "Mark (dad)")
    alone = [VisitChild(1, "C01", "Amelia", ())]
    said = (*RECORD[:1], *RECORD[2:])  # one child: not asked which
    *_, nobody = talk(staff_ctx(profile, visit_children=alone), *said)
    assert keys(nobody) == ["visit.nobody_told", "visit.preview"]
    *_, sent = talk(staff_ctx(profile, visit_children=alone), *said, press("send"))
    assert not of(sent, NotifyCarer)


def test_a_why_in_jargon_gets_the_plain_words_check(profile):
    ctx = staff_ctx(profile)
    *_, checked = talk(ctx, *RECORD[:-1], "SALT will do an assessment for the EHCP")
    assert keys(checked) == ["plain.found"]
    used = [c for c in replies(checked)[0].choices if c.key.startswith("use:")]
    assert used  # one tap takes the plain word
    *_, final = talk(ctx, *RECORD[:-1], "SALT will do an assessment for the EHCP", used[0])
    assert keys(final) == ["plain.final"]
    *_, preview = talk(
        ctx, *RECORD[:-1], "SALT will do an assessment for the EHCP", used[0], press("send")
    )
    why = replies(preview)[-1].text.params["notice"].params["why"]
    assert why == "Speech and language therapist will do an assessment for the EHCP"


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("next week sometime", "visit.time_unreadable"),
        ("23/11/2026 10:00", "visit.time_past"),  # the Monday before
        ("2027-03-28 01:30", "visit.time_no_such_time"),  # the clocks go forward at 01:00
    ],
)
def test_a_time_that_cannot_be_used_is_asked_again_with_why(profile, typed, problem):
    *_, asked = talk(staff_ctx(profile), *RECORD[:4], typed)
    assert keys(asked) == [problem, "visit.ask_when"]
    assert asked.state["step"] == "when"


def test_a_typed_role_is_kept_as_written_and_the_preview_says_it_is_not_explained(profile):
    said = (*RECORD[:2], "dietitian", *RECORD[3:])
    *_, preview = talk(staff_ctx(profile), *said)
    assert keys(preview) == ["visit.role_not_explained", "visit.preview"]
    assert replies(preview)[-1].text.params["notice"].params["who"].key == "visit.who"


def test_a_home_visit_and_a_visit_elsewhere(profile):
    *_, home = talk(staff_ctx(profile), *RECORD[:5], press("home"), "to meet you", press("send"))
    assert of(home, Write)[0].record.home is True
    steps = talk(
        staff_ctx(profile), *RECORD[:5], press("elsewhere"), "the children's centre",
        "to meet you", press("send"),
    )  # fmt: skip
    assert keys(steps[-3]) == ["visit.ask_why"]
    record = of(steps[-1], Write)[0].record
    assert (record.place, record.home) == ("the children's centre", False)


def test_not_now_at_any_step_keeps_nothing(profile):
    for upto in range(1, len(RECORD) + 1):
        *_, left = talk(staff_ctx(profile), *RECORD[:upto], "NOT NOW")
        assert left.flow is None
        assert not of(left, Write) and not of(left, SetTimer)


def test_one_child_is_not_asked_about(profile):
    ctx = staff_ctx(profile, visit_children=[CHILDREN[0]])
    (first,) = talk(ctx, "VISIT")
    assert keys(first) == ["visit.ask_who"] and first.state["child"] == 1


def test_a_carer_cannot_record_a_visit(profile):
    (said,) = talk(carer_ctx(profile), "VISIT")
    assert "visit.ask_child" not in keys(said)
    assert not [w for w in of(said, Write) if isinstance(w.record, NewVisit)]


# The family's notice.


def _fired(ctx: Context, rule: str, payload: dict, now: datetime = TUESDAY) -> Transition:
    event = TimerFired(rule, payload, now, ctx)
    return visits.timer({}, event, now)


def test_the_notice_goes_to_every_informed_carer_in_their_language(profile):
    info = visit(family=(LAURA, KASIA))
    ctx = Context(profile, staff=staff(), setting_id=1, glossary=GLOSSARY, facts={"visit": info})
    fired = _fired(ctx, "announce", {"number": 12, "kind": "notice"})
    told = of(fired, NotifyCarer)
    assert [n.carer_id for n in told] == [100, 102]
    assert all(n.essential and n.about_child == 1 for n in told)
    assert [c.key for c in told[0].choices] == [
        "visit:12:fine", "visit:12:questions", "visit:12:be_there", "visit:12:call"
    ]  # fmt: skip
    polish = told[1].text.params["who"].params["explained"]
    assert polish.startswith("Logopeda")  # explained in Polish
    assert of(fired, Write)[0].record == Told(12, "notice", (100, 102))
    (reminder,) = of(fired, SetTimer)
    # The day before at [reminders] time (10:00 in the example setting), London time.
    assert reminder.rule == "remind"
    assert reminder.due == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert reminder.payload == {"number": 12, "at": THURSDAY_10.isoformat()}


def test_no_notice_reaches_a_carer_who_may_not_be_told(profile):
    # The family a visit is told to is its informed carers only (receives_information = yes).
    ctx = Context(profile, staff=staff(), setting_id=1, facts={"visit": visit(family=())})
    fired = _fired(ctx, "announce", {"number": 12, "kind": "notice"})
    assert not of(fired, NotifyCarer)


def test_a_home_visit_offers_confirm_or_another_time(profile):
    ctx = Context(profile, staff=staff(), setting_id=1, facts={"visit": visit(home=True)})
    (first, _) = of(_fired(ctx, "announce", {"number": 12, "kind": "notice"}), NotifyCarer)
    assert [c.key for c in first.choices] == [
        "visit:12:fine", "visit:12:another_time", "visit:12:questions", "visit:12:call"
    ]  # fmt: skip
    assert first.text.params["answers"] == Text("visit.answers_home")


def test_a_cancellation_has_no_answers_and_no_reminder(profile):
    info = visit(state="cancelled", cancel_reason="the therapist is ill")
    ctx = Context(profile, staff=staff(), setting_id=1, facts={"visit": info})
    fired = _fired(ctx, "announce", {"number": 12, "kind": "cancelled"})
    told = of(fired, NotifyCarer)
    assert told and all(n.choices == () for n in told)
    assert told[0].text.key == "visit.cancelled_reason"
    assert not of(fired, SetTimer)


# The reminder.


def test_the_reminder_goes_to_the_family_and_the_staff_member(profile):
    ctx = Context(profile, staff=staff(), setting_id=1, facts={"visit": visit(recorded_by=4)})
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    fired = _fired(ctx, "remind", {"number": 12, "at": THURSDAY_10.isoformat()}, now)
    assert [n.carer_id for n in of(fired, NotifyCarer)] == [100, 101]
    assert of(fired, NotifyCarer)[0].text.key == "visit.reminder"
    (to_staff,) = of(fired, NotifyStaff)
    assert (to_staff.staff_id, to_staff.text.key) == (4, "visit.reminder_staff")


@pytest.mark.parametrize(
    "changed", [{"at": THURSDAY_10 + timedelta(days=1)}, {"state": "cancelled"}]
)
def test_a_reminder_for_a_visit_since_moved_or_cancelled_is_dropped(profile, changed):
    ctx = Context(profile, staff=staff(), setting_id=1, facts={"visit": visit(**changed)})
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    fired = _fired(ctx, "remind", {"number": 12, "at": THURSDAY_10.isoformat()}, now)
    assert fired.effects == ()


def test_no_reminder_when_the_day_before_has_passed(profile):
    ctx = Context(profile, staff=staff(), setting_id=1, facts={"visit": visit()})
    late = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
    assert not of(_fired(ctx, "announce", {"number": 12, "kind": "notice"}, late), SetTimer)


# The family's answers.


def test_that_is_fine_is_kept_as_theirs_and_reaches_the_key_person(profile):
    ctx = carer_ctx(profile, visit=visit())
    (answered,) = talk(ctx, press("visit:12:fine"))
    assert answered.flow is None
    assert of(answered, Write)[0].record == Answered(12, "fine", "", "sms", None)
    (told,) = of(answered, NotifyStaff)
    assert told.staff_id == 10 and told.text.key == "visit.answer_staff"
    assert told.text.params["reference"] == "V-12"
    assert keys(answered) == ["visit.thanks_fine"]


def test_a_child_with_send_the_senco_hears_too(profile):
    ctx = carer_ctx(profile, visit=visit(send=True, recorded_by=5))
    (answered,) = talk(ctx, press("visit:12:call"))
    assert [n.staff_id for n in of(answered, NotifyStaff)] == [10, 2, 5]
    assert keys(answered) == ["visit.thanks_call"]


def test_i_have_questions_opens_a_conversation_like_a_relay(profile):
    ctx = carer_ctx(profile, visit=visit())
    asked, sent = talk(ctx, press("visit:12:questions"), "Will she miss her lunch?")
    assert keys(asked) == ["visit.ask_questions"] and asked.flow == "visits"
    assert of(asked, Write)[0].record.answer == "questions"
    assert of(sent, Write)[0].record == Answered(12, "questions", "Will she miss her lunch?", "sms")
    (opened,) = of(sent, OpenThread)
    assert (opened.carer_id, opened.child_id, opened.code) == (100, 1, "K7QM2")
    (told,) = of(sent, NotifyStaff)
    assert told.thread == "K7QM2" and [c.key for c in told.choices] == ["reply:K7QM2"]
    assert keys(sent) == ["visit.words_sent"]


def test_i_would_like_to_be_there_asks_which_times_suit(profile):
    ctx = carer_ctx(profile, visit=visit())
    asked, sent = talk(ctx, press("visit:12:be_there"), "Any morning after 9")
    assert keys(asked) == ["visit.ask_be_there"]
    assert of(sent, NotifyStaff)[0].text.params["lines"][0].params["words"] == "Any morning after 9"


def test_leaving_after_i_have_questions_still_tells_staff(profile):
    ctx = carer_ctx(profile, visit=visit())
    _, left = talk(ctx, press("visit:12:questions"), "NOT NOW")
    assert left.flow is None
    assert [n.staff_id for n in of(left, NotifyStaff)] == [10]
    assert "visit.words_skipped" in keys(left)


def test_a_home_visit_answer_changes_its_state(profile):
    ctx = carer_ctx(profile, visit=visit(home=True))
    (fine,) = talk(ctx, press("visit:12:fine"))
    assert of(fine, Write)[0].record.state == "confirmed"
    other, _ = talk(ctx, press("visit:12:another_time"), "Fridays are better")
    assert of(other, Write)[0].record.state == "change_asked"
    assert keys(other) == ["visit.ask_another_time"]


def test_a_number_by_sms_answers_the_notice_waiting_for_an_answer(profile):
    ctx = carer_ctx(profile, visit_awaiting=visit())
    (answered,) = talk(ctx, "4")
    assert of(answered, Write)[0].record.answer == "call"
    home = carer_ctx(profile, visit_awaiting=visit(home=True))
    (other,) = talk(home, "2")
    assert of(other, Write)[0].record.answer == "another_time"


def test_a_number_with_no_notice_waiting_is_a_message_as_before(profile):
    ctx = carer_ctx(profile, visit_awaiting=None)
    (said,) = talk(ctx, "4")
    assert not any(isinstance(w.record, Answered) for w in of(said, Write))
    assert of(said, NotifyStaff)  # relayed to the key person, as any message


def test_an_answer_from_a_carer_not_told_about_the_visit_is_refused(profile):
    ctx = carer_ctx(profile, carer_id=999, visit=visit())
    (said,) = talk(ctx, press("visit:12:fine"))
    assert keys(said) == ["choice.stale"] and not of(said, Write)


def test_an_answer_to_a_cancelled_visit_says_so(profile):
    ctx = carer_ctx(profile, visit=visit(state="cancelled"))
    (said,) = talk(ctx, press("visit:12:fine"))
    assert keys(said) == ["visit.already_cancelled"] and not of(said, Write)


def test_two_carers_each_answer_as_themselves(profile):
    laura = carer_ctx(profile, carer_id=100, visit=visit())
    mark = carer_ctx(profile, carer_id=101, channel="telegram", visit=visit())
    (first,) = talk(laura, press("visit:12:fine"))
    (second,) = talk(mark, press("visit:12:call"))
    assert of(first, Write)[0].record == Answered(12, "fine", "", "sms")
    assert of(second, Write)[0].record == Answered(12, "call", "", "telegram")
    # Each is kept by the repository as the carer writing it (tests/test_visits.py).
    assert of(first, RecordAudit) and of(second, RecordAudit)
