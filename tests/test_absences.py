"""The absences repository and staff rooms: who is told about a child's absence, what is kept,
and the day's list; staff.csv's optional `rooms` column."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot import cli
from bot.admin.importer import import_families, import_staff, read_staff
from bot.config import load_settings
from bot.flows.absence import Absence
from bot.storage.rows import Writer
from bot.storage.sqlite.database import Database
from tests.harness import Clock

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 24, 9, 5, tzinfo=UTC)


async def keep(repos, setting_id: int, actor: str, record: Absence, now: datetime) -> None:
    """Keep an absence as the router would, written by `actor`."""
    await repos.absences.add(record, Writer(setting_id, actor, None, None, now))


TUESDAY = date(2026, 11, 24)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "k.db")
    await database.open()
    yield database
    await database.close()


async def _setting(db: Database, staff: Path) -> int:
    async with db.transaction() as repos:
        setting_id = await repos.settings.upsert(
            "main", "Test", "{}", datetime(2026, 1, 1, tzinfo=UTC)
        )
    await import_staff(db, setting_id, staff, "GB")
    await import_families(db, setting_id, DATA / "families.csv", "GB", now=NOW)
    return setting_id


async def _ids(db: Database, table: str) -> dict[str, int]:
    async with db.reading() as repos, repos.conn.execute(f"SELECT ref, id FROM {table}") as cur:
        return {str(r[0]): int(r[1]) for r in await cur.fetchall()}


def test_rooms_are_read_from_staff_csv_and_may_be_left_out(tmp_path):
    staff = {row.ref: row for row in read_staff(DATA / "staff.csv", "GB")}
    assert staff["S02"].rooms == ("Oaks",) and staff["S01"].rooms == ()
    lines = (DATA / "staff.csv").read_text().splitlines()
    without = tmp_path / "staff.csv"
    without.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
    assert all(row.rooms == () for row in read_staff(without, "GB"))
    both = tmp_path / "both.csv"
    both.write_text(lines[0] + "\nS09,Kim Lee,key_person,,en,,Oaks; Acorns ;\n")
    assert read_staff(both, "GB")[0].rooms == ("Oaks", "Acorns")


async def test_the_key_person_then_the_rooms_staff_are_told(db):
    await _setting(db, DATA / "staff.csv")
    staff, children = await _ids(db, "staff"), await _ids(db, "children")
    async with db.reading() as repos:
        told = await repos.absences.to_tell((children["C01"], children["C02"], children["C03"]))
    # Amelia (Acorns, key person Tom who works in Acorns): Tom once.
    assert told[children["C01"]] == (staff["S04"],)
    # Zofia (Oaks, key person Anna): Anna, then Priya of Oaks.
    assert told[children["C02"]] == (staff["S03"], staff["S02"])
    # Jan (Acorns, key person Anna): Anna, then Tom of Acorns.
    assert told[children["C03"]] == (staff["S03"], staff["S04"])


async def test_a_child_with_no_key_person_and_no_room_staff_goes_to_the_managers(db, tmp_path):
    lines = (DATA / "staff.csv").read_text().splitlines()
    no_rooms = tmp_path / "staff.csv"
    no_rooms.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
    await _setting(db, no_rooms)
    staff, children = await _ids(db, "staff"), await _ids(db, "children")
    async with db.transaction() as repos:
        await repos.conn.execute("UPDATE children SET key_person_ref = NULL WHERE ref = 'C02'")
        told = await repos.absences.to_tell((children["C02"], children["C01"]))
    assert told == {children["C02"]: (staff["S01"],), children["C01"]: (staff["S04"],)}


async def test_absences_are_kept_and_listed_for_the_days_they_cover(db):
    setting_id = await _setting(db, DATA / "staff.csv")
    children, carers = await _ids(db, "children"), await _ids(db, "carers")
    laura, kasia = f"carer:{carers['P01']}", f"carer:{carers['P03']}"
    async with db.transaction() as repos:
        amelia = Absence(children["C01"], "ill", TUESDAY, date(2026, 11, 25))
        await keep(repos, setting_id, laura, amelia, NOW)
        zofia = Absence(children["C02"], "holiday", date(2026, 11, 20), None)
        await keep(repos, setting_id, kasia, zofia, NOW)
    async with db.reading() as repos:
        today = await repos.absences.on_day(setting_id, TUESDAY)
        thursday = await repos.absences.on_day(setting_id, date(2026, 11, 26))
        a_week_on = await repos.absences.on_day(setting_id, date(2026, 11, 27))
        monday = await repos.absences.on_day(setting_id, date(2026, 11, 23))
    assert [(a.child, a.room, a.reason, a.last_day) for a in today] == [
        ("Amelia Hughes", "Acorns", "ill", date(2026, 11, 25)),
        ("Zofia Nowak", "Oaks", "holiday", None),
    ]
    assert today[0].reported_by == "Laura Hughes (mum)"
    assert today[0].reported_at == NOW and today[0].reported_at.tzinfo is not None
    # Amelia is back on Thursday; Zofia's open absence stays listed for a week from its start.
    assert [a.child for a in thursday] == ["Zofia Nowak"]
    assert a_week_on == []
    assert [a.child for a in monday] == ["Zofia Nowak"]


async def test_a_later_report_for_the_same_day_replaces_the_earlier(db):
    setting_id = await _setting(db, DATA / "staff.csv")
    children, carers = await _ids(db, "children"), await _ids(db, "carers")
    actor = f"carer:{carers['P01']}"
    async with db.transaction() as repos:
        await keep(repos, setting_id, actor, Absence(children["C01"], "ill", TUESDAY, TUESDAY), NOW)
        later = Absence(children["C01"], "appointment", TUESDAY, None)
        await keep(repos, setting_id, actor, later, NOW.replace(hour=10))
    async with db.reading() as repos:
        (only,) = await repos.absences.on_day(setting_id, TUESDAY)
    assert (only.reason, only.last_day) == ("appointment", None)


# --- keyperson report absence ----------------------------------------------------------------


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    monkeypatch.setenv("KEYPERSON_DATABASE", str(tmp_path / "k.db"))
    monkeypatch.setenv("KEYPERSON_SETTING_FILE", str(ROOT / "setting.example.toml"))
    for key in ("KEYPERSON_PUBLIC_URL", "TWILIO_ACCOUNT_SID", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    return tmp_path


async def _reported(path: Path) -> None:
    """Amelia ill today and tomorrow (reported by Laura at 09:05), Zofia away, not sure how long."""
    db = Database(path)
    await db.open()
    try:
        async with db.transaction() as repos:
            setting_id = 1  # the one setting `keyperson import` made
            amelia = Absence(1, "ill", TUESDAY, date(2026, 11, 25))
            await keep(repos, setting_id, "carer:1", amelia, NOW)
            zofia = Absence(2, "holiday", TUESDAY, None)
            await keep(repos, setting_id, "carer:3", zofia, NOW.replace(hour=7, minute=40))
    finally:
        await db.close()


def _imported(capsys) -> None:
    assert cli.main(["import", "staff", str(DATA / "staff.csv")]) == 0
    assert cli.main(["import", "families", str(DATA / "families.csv")]) == 0
    capsys.readouterr()


def test_report_absence_lists_the_days_absences(env, capsys):
    _imported(capsys)
    asyncio.run(_reported(env / "k.db"))
    assert cli.main(["report", "absence", "--date", "2026-11-24"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Absences at Little Acorns Nursery on Tuesday 2026-11-24 (Europe/London)"
    assert out[1].split() == ["child", "room", "reason", "until", "reported", "by", "at"]
    amelia, zofia = out[2], out[3]
    assert amelia.split() == [
        "Amelia", "Hughes", "Acorns", "ill", "2026-11-25", "Laura", "Hughes", "(mum)",
        "2026-11-24", "09:05",
    ]  # fmt: skip
    assert "Zofia Nowak" in zofia and "not sure yet" in zofia and "Katarzyna Nowak" in zofia
    assert "2026-11-24 07:40" in zofia
    assert out[4] == "2 children away"
    assert "+44" not in "\n".join(out)
    assert cli.main(["report", "absence", "--date", "2026-11-26"]) == 0
    out = capsys.readouterr().out
    assert "Zofia Nowak" in out and "Amelia" not in out and "1 child away" in out


def test_report_absence_defaults_to_today_in_the_settings_time_zone(env, capsys):
    _imported(capsys)
    asyncio.run(_reported(env / "k.db"))
    args = cli.parser().parse_args(["report", "absence"])

    def report_at(now: datetime) -> str:
        assert asyncio.run(cli._admin(args, load_settings(), Clock(now))) == 0
        return capsys.readouterr().out

    assert "on Tuesday 2026-11-24" in report_at(datetime(2026, 11, 24, 23, 59, tzinfo=UTC))
    # 23:30 UTC on 1 June is already 2 June in London (summer time).
    assert "on Tuesday 2026-06-02" in report_at(datetime(2026, 6, 1, 23, 30, tzinfo=UTC))
    later = report_at(datetime(2026, 12, 2, 0, 1, tzinfo=UTC))
    assert "on Wednesday 2026-12-02" in later and "No absences reported for this day." in later


def test_report_absence_refuses_a_date_it_cannot_read(env, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["report", "absence", "--date", "24/11/2026"])
    assert done.value.code == 2
    assert "'24/11/2026' is not a date: write YYYY-MM-DD" in capsys.readouterr().err
