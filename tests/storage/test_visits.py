"""The visits repository's contract: references, the family a visit is told to, answers kept
as each carer's, the visit a bare number answers, moving and cancelling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.domain.visits import NewVisit
from bot.storage.repos import Store
from bot.storage.rows import Writer
from tests.storage.conftest import CARER_PHONE, NOW, OnFile, family

AT = NOW + timedelta(days=2)


@dataclass(frozen=True)
class Told:
    number: int
    kind: str
    carers: tuple[int, ...]


@dataclass(frozen=True)
class Answered:
    number: int
    answer: str
    words: str
    channel: str
    state: str | None = None


def by(setting_id: int, person_id: int | None = None, now=NOW) -> Writer:
    return Writer(setting_id, "test", None, person_id, now)


async def _visit(store: Store, on_file: OnFile, home: bool = False) -> int:
    async with store.transaction() as repos:
        number = await repos.visits.reserve_number(on_file.setting_id)
        visit = NewVisit(number, on_file.amelia, "health visitor", "", AT, "the check", "", home)
        await repos.visits.add(visit, by(on_file.setting_id))
    return number


async def test_references_count_from_1_in_each_setting(store: Store, on_file: OnFile):
    async with store.transaction() as repos:
        other = await repos.settings.upsert("second", "Oak Tree", "{}", NOW)
        taken = [await repos.visits.reserve_number(on_file.setting_id) for _ in range(3)]
        assert taken == [1, 2, 3]
        assert await repos.visits.reserve_number(other) == 1


async def test_a_visit_is_told_to_informed_carers_only(store: Store, on_file: OnFile):
    async with store.transaction() as repos:
        dad = family(
            "C01", "Amelia", carer_ref="P02", carer_name="Dan Hughes", relationship="dad",
            phone="+447400200002", receives_information=False,
        )  # fmt: skip
        await repos.roster.upsert_family(on_file.setting_id, dad)
    number = await _visit(store, on_file)
    async with store.reading() as repos:
        info = await repos.visits.by_number(on_file.setting_id, number)
        child = await repos.visits.child(on_file.setting_id, "C01")
        unknown = await repos.visits.child(on_file.setting_id, "C99")
    assert info is not None and child is not None and unknown is None
    assert [m.carer_id for m in info.family] == [on_file.carer]
    assert [m.name for m in info.family] == ["Laura Hughes (mum)"]
    assert (info.reference, info.child, info.key_person_id, info.at) == (
        "V-1", "Amelia", on_file.key_person, AT
    )  # fmt: skip


async def test_a_number_answers_the_last_notice_until_answered(store: Store, on_file: OnFile):
    number = await _visit(store, on_file)
    setting, carer = on_file.setting_id, on_file.carer
    async with store.transaction() as repos:
        assert await repos.visits.awaiting(setting, carer, NOW) is None  # not told yet
        await repos.visits.told(Told(number, "notice", (carer,)), by(setting))
        waiting = await repos.visits.awaiting(setting, carer, NOW)
        assert waiting is not None and waiting.number == number
        assert await repos.visits.awaiting(setting, carer, AT) is None  # over by then
        later = by(setting, carer, NOW + timedelta(minutes=1))
        await repos.visits.answer(Answered(number, "fine", "", "sms"), later)
        assert await repos.visits.awaiting(setting, carer, NOW) is None
        info = await repos.visits.by_number(setting, number)
    assert info is not None
    assert [(a.carer_id, a.answer, a.channel) for a in info.answers] == [(carer, "fine", "sms")]


async def test_a_home_visit_answer_moves_its_state_and_a_move_resets_it(
    store: Store, on_file: OnFile
):
    number = await _visit(store, on_file, home=True)
    setting = on_file.setting_id
    async with store.transaction() as repos:
        answer = Answered(number, "another_time", "", "telegram", "change_asked")
        await repos.visits.answer(answer, by(setting, on_file.carer))
        assert (await repos.visits.by_number(setting, number)).state == "change_asked"
        await repos.visits.move(setting, number, AT + timedelta(days=1), NOW)
        moved = await repos.visits.by_number(setting, number)
        assert (moved.state, moved.at) == ("planned", AT + timedelta(days=1))
        await repos.visits.cancel(setting, number, "ill", NOW)
        await repos.visits.answer(Answered(number, "fine", "", "sms", "confirmed"), by(setting, 1))
        cancelled = await repos.visits.by_number(setting, number)
    assert (cancelled.state, cancelled.cancel_reason) == ("cancelled", "ill")


async def test_listed_by_child_and_day(store: Store, on_file: OnFile):
    first = await _visit(store, on_file)
    async with store.transaction() as repos:
        later = await repos.visits.reserve_number(on_file.setting_id)
        noah = NewVisit(later, on_file.noah, "physiotherapist", "", AT + timedelta(days=7), "x",
                        "", False)  # fmt: skip
        await repos.visits.add(noah, by(on_file.setting_id))
    async with store.reading() as repos:
        every = await repos.visits.listed(on_file.setting_id, None, None)
        amelia = await repos.visits.listed(on_file.setting_id, on_file.amelia, None)
        after = await repos.visits.listed(on_file.setting_id, None, AT + timedelta(days=1))
    assert [v.number for v in every] == [first, later]
    assert [v.number for v in amelia] == [first]
    assert [v.number for v in after] == [later]


async def test_carers_who_share_a_phone_are_told_once(store: Store, on_file: OnFile):
    async with store.transaction() as repos:
        dad = family(
            "C01", "Amelia", carer_ref="P02", carer_name="Mark Hughes", relationship="dad",
            phone=CARER_PHONE,
        )  # fmt: skip
        mark = await repos.roster.upsert_family(on_file.setting_id, dad)
        await repos.roster.hold_phone(on_file.setting_id, CARER_PHONE, [on_file.carer, mark])
    number = await _visit(store, on_file)
    async with store.reading() as repos:
        info = await repos.visits.by_number(on_file.setting_id, number)
    assert info is not None
    assert [(m.carer_id, m.name) for m in info.family] == [(on_file.carer, "Laura Hughes (mum)")]
