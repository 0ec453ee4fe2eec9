"""Agency contacts as flow tables: the family's notice (now, or before it happens), whom the
record says was told, nothing kept when nobody can be told, and AGENCY on a staff phone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.agencies import AgencyContact, ChildOnFile, Reachable, Told
from bot.domain.messages import LocalTime, Text
from bot.flows import agencies
from bot.flows.base import ChoiceMade, Context, NotifyCarer, RecordAudit, Reply, TextReceived, Write
from bot.language.plain import Glossary
from tests.conftest import staff
from tests.flows.dispatch import start

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
AMELIA = ChildOnFile(1, "C01", "Amelia", "Hughes", 10, "none")
OSCAR = ChildOnFile(2, "C02", "Oscar", "Smith", 11, "none")
LAURA = Reachable(100, "Laura Hughes", "mum", "en", True, ("telegram",))
SAM = Reachable(101, "Sam Hughes", "step-dad", "en", True, ("sms",))
DAN = Reachable(102, "Dan Hughes", "dad", "en", False, ())
GLOSSARY = Glossary.load()


def test_every_informed_carer_is_told_now_and_the_record_names_them():
    effects = agencies.tell_family(
        AMELIA, "health visitor", "we shared Amelia's notes", None, False, (LAURA, SAM, DAN),
        GLOSSARY,
    )  # fmt: skip
    assert effects is not None
    assert effects[0] == Write(
        AgencyContact(
            1, "health visitor", "we shared Amelia's notes", None, False,
            (Told(100, ("telegram",)), Told(101, ("sms",))),
        )
    )  # fmt: skip
    notices = [e for e in effects if isinstance(e, NotifyCarer)]
    assert [n.carer_id for n in notices] == [100, 101]
    for notice in notices:
        assert notice.text.key == "agency.told"
        assert notice.about_child == 1 and notice.essential
        assert notice.text.params["agency"] == "the health visitor"
        assert notice.text.params["about"].startswith("\nA health visitor is a nurse")
    (audit,) = [e for e in effects if isinstance(e, RecordAudit)]
    assert audit.details == {"carers": [100, 101], "planned": False}


def test_not_yet_with_a_day_tells_them_before_it_happens():
    effects = agencies.tell_family(
        AMELIA, "portage", "we will ask about home visits", date(2026, 12, 3), True, (LAURA,),
        GLOSSARY,
    )  # fmt: skip
    assert effects is not None
    (notice,) = [e for e in effects if isinstance(e, NotifyCarer)]
    assert notice.text.key == "agency.planned_on"
    assert notice.text.params["day"] == Text("agency.on_day", {"day": LocalTime(date(2026, 12, 3))})
    assert notice.text.params["agency"] == "the home learning service"  # Portage, plainly
    assert "Portage is a free home-visiting service" in notice.text.params["about"]


def test_nothing_is_kept_as_shared_when_nobody_can_be_told():
    unreachable = Reachable(100, "Laura Hughes", "mum", "en", True, ())
    assert agencies.tell_family(AMELIA, "x", "y", None, False, (DAN, unreachable), GLOSSARY) is None


def ctx(**facts: object) -> Context:
    member = staff(10, "Tom")
    return Context(
        staff=member,
        setting_id=1,
        glossary=GLOSSARY,
        facts={"agency_children": [AMELIA, OSCAR], **facts},
    )


def test_agency_on_a_staff_phone_from_child_to_the_familys_notice():
    first = start.run(None, {}, TextReceived("AGENCY", ctx()), NOW)
    (question,) = first.effects
    assert isinstance(question, Reply) and question.text.key == "agency.which_child"
    assert [c.key for c in question.choices] == ["1", "not_now"]  # Tom's key child first
    steps = [
        TextReceived("oscar", ctx()),  # any child, by name
        ChoiceMade("known:0", ctx()),
        TextReceived("We sent Oscar's two-year check notes", ctx()),
        ChoiceMade("done", ctx()),
    ]
    flow, state = first.flow, first.state
    for event in steps:
        t = start.run(flow, state, event, NOW)
        flow, state = t.flow, t.state
    # The plain-words check runs before the preview.
    assert state["step"] == "plain"
    (plain,) = t.effects
    assert isinstance(plain, Reply) and plain.text.key == "plain.found"
    t = start.run(flow, state, ChoiceMade("use:0", ctx()), NOW)
    assert t.state["step"] == "preview"
    assert t.state["what"] == "We sent Oscar's health visitor's check at age two notes"
    (preview,) = t.effects
    assert isinstance(preview, Reply) and preview.text.key == "agency.preview_done"
    assert [c.key for c in preview.choices] == ["send_notice:2", "not_now"]
    family = (Reachable(200, "Ola Smith", "mum", "en", True, ("sms",)),)
    sending = ctx(agency_child=OSCAR, agency_family=family)
    sent = start.run(t.flow, t.state, ChoiceMade("send_notice:2", sending), NOW)
    assert sent.flow is None
    kept = [e for e in sent.effects if isinstance(e, Write)]
    assert kept and kept[0].record.child_id == 2 and kept[0].record.agency == "health visitor"
    assert [e.carer_id for e in sent.effects if isinstance(e, NotifyCarer)] == [200]
    assert sent.effects[-1] == Reply(Text("agency.sent", {"child": "Oscar"}))


def test_a_staff_phone_is_told_when_nobody_in_the_family_can_be_told():
    state = {
        "step": "preview", "child": 2, "name": "Oscar", "agency": "portage", "what": "notes",
        "planned": True,
    }  # fmt: skip
    sending = ctx(agency_child=OSCAR, agency_family=(DAN,))
    t = start.run("agencies", state, ChoiceMade("send_notice:2", sending), NOW)
    assert t.effects == (Reply(Text("agency.nobody", {"child": "Oscar"})),)


def test_not_now_leaves_the_staff_questions_with_nothing_kept():
    first = start.run(None, {}, TextReceived("AGENCY", ctx()), NOW)
    t = start.run(first.flow, first.state, ChoiceMade("not_now", ctx()), NOW)
    assert t.flow is None
    assert not [e for e in t.effects if isinstance(e, Write | NotifyCarer)]


def test_carers_cannot_start_agency():
    from tests.conftest import carer

    parent = Context(carer=carer(), setting_id=1, facts={"threads": {1: "K7Q"}})
    t = start.run(None, {}, TextReceived("AGENCY", parent), NOW)
    assert t.flow != "agencies"  # their words go on as a message
    assert not [
        e for e in t.effects if isinstance(e, Write) and isinstance(e.record, AgencyContact)
    ]
