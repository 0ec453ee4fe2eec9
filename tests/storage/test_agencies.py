"""Contract: agency contacts and referrals, through the Protocols: children by ref, who in a
family can be told, contacts with the carers told, referral numbers, and each carer's answers."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain.agencies import (
    AgencyContact,
    Referral,
    ReferralAnswer,
    ReferralSent,
    ReferralViews,
    Told,
)
from bot.domain.people import PersonKind
from bot.storage.repos import Store
from bot.storage.rows import Writer
from tests.storage.conftest import CARER_PHONE, NOW, OnFile


def system(on_file: OnFile) -> Writer:
    return Writer(on_file.setting_id, "system", None, None, NOW)


def carer(on_file: OnFile, minutes: int = 1) -> Writer:
    return Writer(
        on_file.setting_id,
        f"carer:{on_file.carer}",
        PersonKind.CARER,
        on_file.carer,
        NOW + timedelta(minutes=minutes),
    )


async def test_a_child_by_ref_and_the_family_who_can_be_told(store: Store, on_file: OnFile) -> None:
    async with store.reading() as repos:
        amelia = await repos.agencies.child(on_file.setting_id, "c01")
        unknown = await repos.agencies.child(on_file.setting_id, "C99")
        children = await repos.agencies.children(on_file.setting_id)
        family = await repos.agencies.family(on_file.amelia)
    assert amelia is not None and amelia.id == on_file.amelia
    assert amelia.full_name == "Amelia Hughes" and amelia.key_person_id == on_file.key_person
    assert unknown is None
    assert [c.first_name for c in children] == ["Amelia", "Noah"]
    (laura,) = family
    assert laura.carer_id == on_file.carer and laura.relationship == "mum"
    assert laura.informed and laura.channels == ("sms",) and laura.can_be_told
    async with store.transaction() as repos:
        await repos.people.set_opted_out("sms", CARER_PHONE, True, NOW)
        stopped = await repos.agencies.family(on_file.amelia)
    assert stopped[0].channels == () and not stopped[0].can_be_told


async def test_a_contact_is_kept_with_the_carers_told(store: Store, on_file: OnFile) -> None:
    told = (Told(on_file.carer, ("sms",)),)
    async with store.transaction() as repos:
        await repos.agencies.add_contact(
            AgencyContact(on_file.amelia, "portage", "notes", date(2026, 12, 3), True, told),
            system(on_file),
        )
    async with store.reading() as repos:
        (row,) = await repos.agencies.contacts(on_file.setting_id, on_file.amelia)
        none = await repos.agencies.contacts(on_file.setting_id, on_file.noah)
    assert (row.child, row.child_ref, row.agency, row.what) == (
        "Amelia Hughes", "C01", "portage", "notes",
    )  # fmt: skip
    assert row.when == date(2026, 12, 3) and row.planned and row.recorded_by == "system"
    (line,) = row.told
    assert (line.carer, line.channels, line.told_at) == ("Laura Hughes (mum)", ("sms",), NOW)
    assert none == []


async def test_a_referral_with_each_answer_in_order(store: Store, on_file: OnFile) -> None:
    told = (Told(on_file.carer, ("sms",)),)
    async with store.transaction() as repos:
        first = await repos.agencies.reserve_referral(on_file.setting_id)
        second = await repos.agencies.reserve_referral(on_file.setting_id)
        await repos.agencies.add_referral(
            Referral(first, on_file.amelia, "portage", "play", None, told), system(on_file)
        )
        await repos.agencies.answer(
            ReferralAnswer(first, "questions", "sms", "Who?"), carer(on_file, 1)
        )
        await repos.agencies.answer(ReferralAnswer(first, "yes", "telegram"), carer(on_file, 2))
        await repos.agencies.views(
            ReferralViews(first, "She likes songs", "telegram"), carer(on_file, 3)
        )
    assert (first, second) == (1001, 1002)
    async with store.reading() as repos:
        row = await repos.agencies.referral(on_file.setting_id, first)
        mine = await repos.agencies.for_carer(on_file.carer)
        missing = await repos.agencies.referral(on_file.setting_id, second)
    assert row is not None and missing is None
    assert row.reference == "R-1001" and row.state == "consented" and row.may_be_sent
    assert [(a.answer, a.channel, a.words) for a in row.answers] == [
        ("questions", "sms", "Who?"),
        ("yes", "telegram", ""),
        ("views", "telegram", "She likes songs"),
    ]
    assert row.answers[0].carer == "Laura Hughes (mum)"
    assert row.answers[1].at == NOW + timedelta(minutes=2)
    assert [r.number for r in mine] == [1001]
    async with store.transaction() as repos:
        await repos.agencies.mark_sent(ReferralSent(first), system(on_file))
        await repos.agencies.answer(ReferralAnswer(first, "withdrawn", "sms"), carer(on_file, 9))
    async with store.reading() as repos:
        (listed,) = await repos.agencies.referrals(on_file.setting_id)
    assert listed.sent_at == NOW and listed.state == "withdrawn" and not listed.may_be_sent
