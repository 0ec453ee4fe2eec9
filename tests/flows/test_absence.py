"""Absence: ABSENT, the menu entry or a message that reads like one; child, reason, how long;
staff told at once; the absence kept; the family thanked, never told a name they may not."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.domain.messages import Choice, Priority, Text, Weekdays
from bot.flows import absence, relay
from bot.flows.absence import Absence, reads_like_absence
from bot.flows.base import (
    ChoiceMade,
    Context,
    NotifyStaff,
    OpenThread,
    RecordAudit,
    Reply,
    TextReceived,
    Transition,
    Write,
)
from bot.flows.steps.questions import LEAVE, OTHER
from tests.conftest import carer, child, staff
from tests.flows.dispatch import start

TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 10:00 in London, the setting is open
NOAH = child(7, "Noah", 10, "Tom", relationship="dad")
JAN = child(8, "Jan", 11, "Anna", relationship="dad")
MILA = child(9, "Mila", 12, "Grace", relationship="dad", informed=False)
THREADS = {7: "N0A", 8: "J4N", 9: "M1L"}
# Who the absences repository says to tell: key person first, then the room's staff.
TO_TELL = {7: (10, 20, 21), 8: (11,), 9: (12, 20)}


def ctx_for(profile, *kids, told=TO_TELL, language: str = "en") -> Context:
    parent = carer(*(kids or (NOAH,)), name="Craig")
    if language != "en":
        parent = type(parent)(
            parent.id, parent.ref, parent.name, parent.phone, language, parent.children
        )
    facts = {absence.STAFF_FACT: told, "threads": THREADS, "fallback_staff": (1,)}
    return Context(profile, carer=parent, facts=facts)


def talk(ctx: Context, *said: str | Choice, now: datetime = TUESDAY) -> list[Transition]:
    """A conversation: strings are typed, Choices are pressed (by key)."""
    flow, state, steps = None, {}, []
    for item in said:
        event = ChoiceMade(item.key, ctx) if isinstance(item, Choice) else TextReceived(item, ctx)
        t = start.run(flow, state, event, now)
        flow, state = t.flow, t.state
        steps.append(t)
    return steps


def press(key: str) -> Choice:
    return Choice(key, Text("label.raw", {"text": key}))


def replies(t: Transition) -> list[Reply]:
    return [e for e in t.effects if isinstance(e, Reply)]


def question(t: Transition) -> Reply:
    (reply,) = replies(t)
    return reply


def keys(t: Transition) -> list[str]:
    return [c.key for c in question(t).choices]


def test_absent_with_one_child_asks_why_then_how_long_and_tells_the_staff_at_once(profile):
    why, how_long, done = talk(ctx_for(profile), "ABSENT", press("ill"), press("two"))
    assert why.flow == absence.NAME
    assert question(why).text == Text("absence.why", {"child": "Noah"})
    assert keys(why) == ["ill", "appointment", "holiday", "other", LEAVE]
    assert keys(how_long) == ["one", "two", "week", "unsure", LEAVE]
    labels = [c.label for c in question(how_long).choices]
    today, tomorrow = Text("absence.today"), Text("absence.tomorrow")
    assert labels[0] == Text("absence.length_one", {"day": today})
    assert labels[1] == Text("absence.length_two", {"day": today, "next": tomorrow})

    assert done.flow is None
    notes = [e for e in done.effects if isinstance(e, NotifyStaff)]
    assert [n.staff_id for n in notes] == [10, 20, 21]
    for note in notes:
        assert note.priority is Priority.URGENT and note.not_before is None
        assert note.text.key == "absence.to_staff"
        assert note.text.params["child"] == "Noah"
        assert note.text.params["reason"] == Text("absence.reason_ill")
        assert note.text.params["when"] == Text(
            "absence.when_range", {"day": today, "last": tomorrow}
        )
        assert note.thread == "N0A" and [c.key for c in note.choices] == ["reply:N0A"]
    (write,) = [e for e in done.effects if isinstance(e, Write)]
    assert write.record == Absence(7, "ill", date(2026, 11, 24), date(2026, 11, 25))
    assert OpenThread(100, 7, "N0A") in done.effects
    assert any(isinstance(e, RecordAudit) and e.action == "absence.reported" for e in done.effects)
    assert question(done).text == Text("absence.thanks_ill", {"child": "Noah"})


@pytest.mark.parametrize(
    ("reason", "thanks"),
    [("appointment", "absence.thanks"), ("holiday", "absence.thanks"), ("other", "absence.thanks")],
)
def test_the_thanks_is_neutral_unless_the_child_is_ill(profile, reason, thanks):
    *_, done = talk(ctx_for(profile), "absent", press(reason), press("one"))
    assert question(done).text == Text(thanks)


@pytest.mark.parametrize(
    ("length", "last"),
    [
        ("one", date(2026, 11, 24)),
        ("two", date(2026, 11, 25)),
        ("week", date(2026, 11, 27)),  # the Friday: the setting opens Monday to Friday
        ("unsure", None),
    ],
)
def test_how_long_is_kept_as_local_days(profile, length, last):
    *_, done = talk(ctx_for(profile), "absent", press("ill"), press(length))
    (write,) = [e for e in done.effects if isinstance(e, Write)]
    assert write.record == Absence(7, "ill", date(2026, 11, 24), last)


def test_after_closing_on_a_friday_the_absence_starts_on_monday(profile):
    friday_evening = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
    _, how_long, done = talk(
        ctx_for(profile), "absent", press("ill"), press("two"), now=friday_evening
    )
    monday, tuesday = Weekdays((0,)), Weekdays((1,))
    assert question(how_long).choices[0].label == Text("absence.length_one", {"day": monday})
    assert question(how_long).choices[1].label == Text(
        "absence.length_two", {"day": monday, "next": tuesday}
    )
    (write,) = [e for e in done.effects if isinstance(e, Write)]
    assert write.record == Absence(7, "ill", date(2026, 11, 30), date(2026, 12, 1))


def test_days_are_the_settings_days_not_utc(profile):
    # 23:30 UTC on 1 June is 00:30 on 2 June in London (summer time): the absence is for the 2nd.
    late = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    *_, done = talk(ctx_for(profile), "absent", press("ill"), press("one"), now=late)
    (write,) = [e for e in done.effects if isinstance(e, Write)]
    assert write.record.first_day == date(2026, 6, 2)


def test_several_children_asks_which_and_never_names_one_not_told_about(profile):
    ctx = ctx_for(profile, NOAH, JAN, MILA)
    which, why, _, done = talk(ctx, "absent", press(OTHER), press("ill"), press("one"))
    assert question(which).text == Text("absence.which_child")
    assert keys(which) == ["7", "8", OTHER, LEAVE]
    assert question(why).text == Text("absence.why_plain")
    notes = [e for e in done.effects if isinstance(e, NotifyStaff)]
    assert {n.text.key for n in notes} == {"absence.to_staff_no_info"}
    assert [n.staff_id for n in notes] == [12, 20] and all(n.choices == () for n in notes)
    assert question(done).text == Text("absence.thanks_ill_plain")
    (write,) = [e for e in done.effects if isinstance(e, Write)]
    assert write.record.child_id == 9


def test_a_carer_without_information_may_report_and_is_never_told_the_name(profile):
    ctx = ctx_for(profile, MILA)
    said = talk(ctx, "Mila is off sick today", press("yes"), press("ill"), press("one"))
    confirm, why, _, done = said
    assert question(confirm).text == Text("absence.confirm_plain")
    assert question(why).text == Text("absence.why_plain")
    for t in said:
        assert "Mila" not in repr([r.text for r in replies(t)])
    (note, _) = [e for e in done.effects if isinstance(e, NotifyStaff)]
    assert note.text.key == "absence.to_staff_no_info_said" and note.choices == ()
    assert note.text.params["message"] == "Mila is off sick today"


def test_a_message_that_reads_like_an_absence_is_asked_about_first(profile):
    confirm, why, _, done = talk(
        ctx_for(profile, NOAH, JAN),
        "Noah is off sick today",
        press("yes"),
        press("ill"),
        press("one"),
    )
    assert confirm.flow == absence.NAME
    assert question(confirm).text == Text("absence.confirm", {"child": "Noah"})
    assert keys(confirm) == ["yes", "no", LEAVE]
    assert not [e for e in confirm.effects if isinstance(e, NotifyStaff)]
    # The child the message named is not asked for again.
    assert question(why).text == Text("absence.why", {"child": "Noah"})
    notes = [e for e in done.effects if isinstance(e, NotifyStaff)]
    assert [n.staff_id for n in notes] == [10, 20, 21]
    assert notes[0].text.key == "absence.to_staff_said"
    assert notes[0].text.params["message"] == "Noah is off sick today"


def test_no_sends_the_words_on_as_an_ordinary_message(profile):
    ctx = ctx_for(profile)
    confirm, sent = talk(ctx, "won't be in, dentist", press("no"))
    assert question(confirm).text == Text("absence.confirm", {"child": "Noah"})
    expected = relay.from_carer("won't be in, dentist", ctx, TUESDAY)
    assert sent.flow == expected.flow
    notes = [e for e in sent.effects if isinstance(e, NotifyStaff)]
    assert [n.text.key for n in notes] == ["relay.to_staff"]
    assert notes[0].text.params["message"] == "won't be in, dentist"
    assert not [e for e in sent.effects if isinstance(e, Write) and isinstance(e.record, Absence)]


def test_typed_yes_and_no_count_in_polish_too(profile):
    ctx = ctx_for(profile, language="pl")
    _, why = talk(ctx, "Noah dziś nie przyjdzie", "tak")
    assert question(why).text == Text("absence.why", {"child": "Noah"})
    _, sent = talk(ctx, "Noah jest chory", "nie")
    assert [e.text.key for e in sent.effects if isinstance(e, NotifyStaff)] == ["relay.to_staff"]


def test_writing_on_instead_of_answering_sends_everything_as_a_message(profile):
    _, sent = talk(ctx_for(profile), "off sick today", "and can you call me about his shoes")
    (note,) = [e for e in sent.effects if isinstance(e, NotifyStaff)]
    assert note.text.params["message"] == "off sick today\nand can you call me about his shoes"


def test_not_now_leaves_and_says_the_message_was_not_sent(profile):
    _, left = talk(ctx_for(profile), "Noah is off sick today", press(LEAVE))
    assert left.flow is None
    assert question(left).text == Text("absence.not_sent")
    assert not [e for e in left.effects if isinstance(e, NotifyStaff | Write)]


@pytest.mark.parametrize("at", ["child", "reason", "length"])
def test_every_question_offers_not_now(profile, at):
    ctx = ctx_for(profile, NOAH, JAN)
    steps = {"child": [], "reason": [press("7")], "length": [press("7"), press("ill")]}[at]
    *_, asked = talk(ctx, "absent", *steps)
    assert keys(asked)[-1] == LEAVE
    _, *_, left = talk(ctx, "absent", *steps, press(LEAVE))
    assert left.flow is None and not [e for e in left.effects if isinstance(e, Write)]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("sick", "ill"), ("Poorly", "ill"), ("dentist", "appointment"), ("holiday", "holiday"),
     ("chory", "ill"), ("lekarz", "appointment"), ("urlop", "holiday")],
)  # fmt: skip
def test_a_typed_reason_is_understood(profile, typed, reason):
    _, asked = talk(ctx_for(profile), "absent", typed)
    assert asked.state["reason"] == reason and keys(asked)[0] == "one"


def test_ok_asks_again_and_other_words_go_on_as_a_message(profile):
    _, again = talk(ctx_for(profile), "absent", "ok")
    assert again.flow == absence.NAME and keys(again)[0] == "ill"
    _, sent = talk(ctx_for(profile), "absent", "Can I bring his inhaler?")
    assert [e.text.key for e in sent.effects if isinstance(e, NotifyStaff)] == ["relay.to_staff"]


def test_the_menu_offers_it_and_starts_it(profile):
    ctx = ctx_for(profile)
    menu, why = talk(ctx, "INFO", press("absent"))
    assert "absent" in keys(menu)
    assert question(why).text == Text("absence.why", {"child": "Noah"})


def test_without_room_staff_on_file_the_key_person_or_the_managers_are_told(profile):
    lone = child(5, "Ada", None, None)
    ctx = ctx_for(profile, NOAH, lone, told={})
    *_, done = talk(ctx, "absent", press("7"), press("ill"), press("one"))
    assert [e.staff_id for e in done.effects if isinstance(e, NotifyStaff)] == [10]
    *_, done = talk(ctx, "absent", press("5"), press("ill"), press("one"))
    assert [e.staff_id for e in done.effects if isinstance(e, NotifyStaff)] == [1]


def test_staff_do_not_report_absences(profile):
    ctx = Context(profile, staff=staff())
    assert absence.recognise("Noah is off sick today", ctx) is None
    (t,) = talk(ctx, "absent")
    assert t.flow != absence.NAME


READS_LIKE_ONE = [
    "Noah is off sick today",
    "noah off sick",
    "won't be in, dentist",
    "Won’t be in today sorry",
    "Noah won't be coming in tomorrow",
    "He's not coming in today",
    "she is poorly today so staying home today",
    "Noah is ill today",
    "dziś nie przyjdzie",
    "Zosia jest chora",
    "jest chory, zostaje w domu",
    "Jutro nie będzie go w żłobku",
]
NOT_ONE = [
    "is Noah off sick?",
    "Is Noah off sick",
    "Was he sick today?",
    "Noah was off sick last week but he is fine now",
    "He isn't sick, just tired",
    "Is he eating?",
    "hello",
    "Thanks!",
    "not today",
    "I won't be in the meeting tonight",
    "Can you tell me what he ate today",
    "He's sick of broccoli",
    "Tata nie przyjdzie na zebranie",
    "Czy Zosia jest chora?",
    "Zosia nie jest chora",
    "Nie będzie problemu",
    "He was ill yesterday, he is much better",
    "Noah is off sick today " + "and more " * 40,
]


@pytest.mark.parametrize("text", READS_LIKE_ONE)
def test_these_read_like_an_absence(text):
    assert reads_like_absence(text)


@pytest.mark.parametrize("text", NOT_ONE)
def test_these_do_not(text, profile):
    assert not reads_like_absence(text)
    assert absence.recognise(text, ctx_for(profile)) is None


def test_the_word_itself_starts_the_questions_without_asking_first(profile):
    (why,) = talk(ctx_for(profile), "not coming in")
    assert question(why).text == Text("absence.why", {"child": "Noah"})


def test_words_that_read_like_an_absence_answer_its_own_question_rather_than_restart_it(profile):
    # The absence flow's own recogniser does not interrupt it: at "why?", these words are
    # the answer (or go on as a message), never the "is this to tell us…?" question again.
    _, asked = talk(ctx_for(profile), "absent", "he is off sick today")
    assert question(asked).text.key != "absence.confirm"
