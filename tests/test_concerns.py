"""The concerns repository (references unique per setting, routing roles, stages) and
`keyperson report concerns`."""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import cli
from bot.flows.concerns import Acknowledged, Closed, Concern, Note, Rated
from bot.storage.rows import Writer
from bot.storage.sqlite.database import Database
from tests.test_absences import DATA, _imported, _setting, env  # noqa: F401 (a fixture)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path):
    database = Database(tmp_path / "k.db")
    await database.open()
    yield database
    await database.close()


def by(setting_id: int, actor: str, person_id: int | None, now: datetime = NOW) -> Writer:
    return Writer(setting_id, actor, None, person_id, now)


async def test_references_are_unique_in_each_setting_from_1001(db):
    async with db.transaction() as repos:
        one = await repos.settings.upsert("one", "One", "{}", NOW)
        two = await repos.settings.upsert("two", "Two", "{}", NOW)
        taken = [await repos.concerns.reserve_number(one) for _ in range(3)]
        other = await repos.concerns.reserve_number(two)
    assert taken == [1001, 1002, 1003] and other == 1001


async def test_roles_for_routing(db):
    setting_id = await _setting(db, DATA / "staff.csv")
    async with db.reading() as repos:
        roles = await repos.concerns.role_holders(setting_id)
    assert roles["manager"] == roles["dsl"] == (1,)  # Sarah
    assert roles["senco"] == (2,) and roles["deputy_dsl"] == ()


async def test_concerns_count_against_good_news_in_keeping_in_touch_but_safety_ones_do_not(db):
    setting_id = await _setting(db, DATA / "staff.csv")
    async with db.transaction() as repos:
        care = Concern(
            await repos.concerns.reserve_number(setting_id),
            1,
            "care",
            "week",
            "a scratch",
            "message",
            (4,),
            DUE,
        )
        safety = Concern(
            await repos.concerns.reserve_number(setting_id),
            2,
            "safety",
            "today",
            "...",
            "phone",
            (1,),
            DUE,
        )
        await repos.concerns.add(care, by(setting_id, "carer:1", 1))
        await repos.concerns.add(safety, by(setting_id, "carer:1", 1))
        rows = await repos.news.quiet_families(setting_id, NOW, NOW - timedelta(days=30))
    counted = {row["child_id"]: row["concerns"] for row in rows}
    assert counted[1] == 1 and counted[2] == 0


async def test_a_concern_through_its_stages(db):
    setting_id = await _setting(db, DATA / "staff.csv")
    async with db.transaction() as repos:
        number = await repos.concerns.reserve_number(setting_id)
        concern = Concern(number, 1, "care", "today", "a scratch", "message", (4, 1), DUE)
        await repos.concerns.add(concern, by(setting_id, "carer:1", 1))
    async with db.reading() as repos:
        kept = await repos.concerns.by_number(setting_id, number)
    assert kept is not None and kept.reference == "C-1001"
    assert (kept.child, kept.carer, kept.informed) == ("Amelia", "Laura Hughes (mum)", True)
    assert (kept.stage, kept.staff, kept.acknowledge_by, kept.opened_at) == (
        "received", (4, 1), DUE, NOW
    )  # fmt: skip
    later = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    async with db.transaction() as repos:
        await repos.concerns.acknowledge(
            Acknowledged(number, 4), by(setting_id, "staff:4", 4, later)
        )
        await repos.concerns.acknowledge(Acknowledged(number, 1), by(setting_id, "staff:1", 1))
        await repos.concerns.note(
            Note(number, "answer", "we will call"), by(setting_id, "staff:4", 4)
        )
        tom = await repos.people.staff_member(4)
        tom_open = await repos.concerns.open_for(setting_id, tom)
        await repos.concerns.close(Closed(number, "called"), by(setting_id, "staff:4", 4, later))
        anna_open = await repos.concerns.open_for(setting_id, await repos.people.staff_member(3))
        await repos.concerns.rate(Rated(number, "manager"), by(setting_id, "carer:1", 1))
        notes = await repos.conn.execute_fetchall("SELECT kind FROM concern_notes ORDER BY id")
    async with db.reading() as repos:
        done = await repos.concerns.by_number(setting_id, number)
        sarah_open = await repos.concerns.open_for(setting_id, await repos.people.staff_member(1))
    assert done is not None
    # The first acknowledgement is the one kept; a low rating reopens it.
    assert (done.acknowledged_at, done.acknowledged_by_name) == (later, "Tom Baker")
    assert (done.stage, done.summary, done.satisfaction) == ("reopened", "called", "manager")
    assert [c.number for c in tom_open] == [number] and anna_open == []
    assert [c.number for c in sarah_open] == [number]  # the manager sees every open one
    assert [n[0] for n in notes] == ["answer", "closed", "satisfaction"]


async def _raised(path: Path) -> None:
    db = Database(path)
    await db.open()
    try:
        async with db.transaction() as repos:
            for child, topic, when in ((1, "care", NOW), (2, "safety", DUE)):
                number = await repos.concerns.reserve_number(1)
                concern = Concern(number, child, topic, "today", "words", "phone", (1,), DUE)
                await repos.concerns.add(concern, by(1, "carer:1", 1, when))
            await repos.concerns.close(Closed(1001, "sorted"), by(1, "staff:1", 1, DUE))
    finally:
        await db.close()


def test_report_concerns(env, capsys):  # noqa: F811
    _imported(capsys)
    asyncio.run(_raised(env / "k.db"))
    assert cli.main(["report", "concerns"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Concerns at Little Acorns Nursery (times in Europe/London)"
    assert out[1].startswith("C-1001  Amelia Hughes: care, today. Opened 2026-11-24 10:00;")
    assert out[1].endswith("closed, closed 2026-12-01 10:30")
    assert out[2].startswith("C-1002  Zofia Nowak: someone's safety, today.")
    assert out[3] == "2 concerns"
    assert cli.main(["report", "concerns", "--open"]) == 0
    assert "C-1001" not in capsys.readouterr().out
    assert cli.main(["report", "concerns", "--since", "2026-11-25", "--csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:3] == ["reference", "child", "topic"]
    assert [r[0] for r in rows[1:]] == ["C-1002"]


async def test_each_member_of_staffs_named_cover(db):
    setting_id = await _setting(db, DATA / "staff.csv")
    async with db.reading() as repos:
        covers = await repos.concerns.covers(setting_id)
    # Priya and Anna are covered by Tom, Tom by Anna, Grace by Priya; Sarah names nobody.
    assert covers == {2: (4,), 3: (4,), 4: (3,), 5: (2,)}


def test_keyperson_concern_subject(env, capsys):  # noqa: F811
    _imported(capsys)
    asyncio.run(_raised(env / "k.db"))
    assert cli.main(["concern", "subject", "C-1001", "--carer", "P02"]) == 0
    assert capsys.readouterr().out.strip() == (
        "Dan Hughes (P02) is marked as the subject of C-1001: they get no updates on it"
    )
    with sqlite3.connect(env / "k.db") as conn:
        (marked,) = conn.execute("SELECT subject_carer_id FROM concerns WHERE number = 1001")
        audit = conn.execute("SELECT actor FROM audit WHERE action = 'concern.subject'").fetchall()
    assert marked == (2,) and audit == [("cli",)]
    assert cli.main(["concern", "subject", "C-1001", "--carer", "P04"]) == 2
    assert "P04 is not a carer C-1001 is about; they are: P01 (Laura" in capsys.readouterr().err
    assert cli.main(["concern", "subject", "C-9999", "--carer", "P01"]) == 2
    assert "there is no concern C-9999" in capsys.readouterr().err
    assert cli.main(["concern", "subject", "1001", "--carer", "P01"]) == 2
