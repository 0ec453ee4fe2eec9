"""Tests for importing staff.csv and families.csv."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path

import pytest

from bot.errors import ImportProblems
from bot.importer import (
    FAMILY_COLUMNS,
    STAFF_COLUMNS,
    import_families,
    import_staff,
    read_families,
    read_staff,
)
from bot.phones import normalise_phone
from bot.storage.sqlite import Database

DATA = Path(__file__).parent / "data"
STAFF = DATA / "staff.csv"
FAMILIES = DATA / "families.csv"
STAFF_REFS = {"S01", "S02", "S03", "S04", "S05"}
TODAY = date(2026, 11, 24)  # dates of birth after this are in the future
TABLES = ("staff", "children", "carers", "child_carers", "contacts")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "k.db")
    await database.open()
    yield database
    await database.close()


@pytest.fixture
async def setting_id(db: Database) -> int:
    async with db.transaction() as repos:
        return await repos.settings.upsert("main", "Test", "{}", "2026-01-01T00:00:00.000000Z")


async def rows(db: Database, sql: str, *args: object) -> list[tuple[object, ...]]:
    async with db.reading() as repos, repos.conn.execute(sql, args) as cur:
        return [tuple(r) for r in await cur.fetchall()]


async def counts(db: Database) -> dict[str, object]:
    return {t: (await rows(db, f"SELECT COUNT(*) FROM {t}"))[0][0] for t in TABLES}


def write(folder: Path, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def staff_line(ref: str = "S01", phone: str = "07400 100001", cover: str = "") -> str:
    return f"{ref},Sarah Jones,manager,{phone},en,{cover}"


def family_line(carer: str = "P01", phone: str = "07400 200001", receives: str = "yes") -> str:
    return f"C01,Amelia,Hughes,2022-03-14,Acorns,S01,none,{carer},Laura,mum,{phone},en,{receives}"


def problems_of(call: Callable[[], object]) -> list[str]:
    with pytest.raises(ImportProblems) as caught:
        call()
    return caught.value.problems


async def async_problems(awaitable: Awaitable[object]) -> list[str]:
    with pytest.raises(ImportProblems) as caught:
        await awaitable
    return caught.value.problems


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("07400 123456", "GB", "+447400123456"),
        ("  07400-123-456 ", "GB", "+447400123456"),
        ("(07400) 123456", "gb", "+447400123456"),
        ("+44 7400 123456", "GB", "+447400123456"),
        ("+44 (0)7400 123456", "GB", "+447400123456"),
        ("0044 7400 123456", "GB", "+447400123456"),
        ("+48 601 234 567", "GB", "+48601234567"),
        ("601 234 567", "PL", "+48601234567"),
        ("07700 900123", "GB", "+447700900123"),  # Ofcom's fictional range, as DESIGN.md shows
    ],
)
def test_normalise_phone_gives_e164(raw: str, country: str, expected: str) -> None:
    assert normalise_phone(raw, country) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("01632 960123", "not a valid phone number for GB"),  # a drama range we do not allow
        ("0740", "not a valid phone number for GB (too short)"),
        ("+1 202 555 01", "not a valid phone number for US (too short)"),
        ("07400 1234567890", "not a valid phone number for GB (too long)"),
        ("+48 601", "not a valid phone number for PL (too short)"),
        ("07400 ABCDEF", "not a phone number"),
        ("0800 FLOWERS", "not a phone number"),
        ("call me", "not a phone number"),
        ("", "not a phone number"),
        ("07400 123456 ext 5", "not a phone number"),
    ],
)
def test_normalise_phone_refuses_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match="^" + reason.replace("(", r"\(").replace(")", r"\)")):
        normalise_phone(raw, "GB")


def test_normalise_phone_refuses_an_unknown_country() -> None:
    with pytest.raises(ValueError, match="not a known country"):
        normalise_phone("07400 123456", "XX")


def test_read_staff_parses_every_field() -> None:
    staff = {row.ref: row for row in read_staff(STAFF, "GB")}
    assert list(staff) == ["S01", "S02", "S03", "S04", "S05"]
    assert staff["S01"].roles == ("manager", "dsl")
    assert staff["S02"].languages == ("en", "pa")
    assert staff["S02"].cover_ref == "S04"
    assert staff["S01"].cover_ref is None
    assert staff["S03"].phone == "+447400100003"
    assert staff["S05"].phone is None


def test_read_families_parses_every_field() -> None:
    families = read_families(FAMILIES, "GB", STAFF_REFS)
    assert len(families) == 6
    dan = families[1]
    assert (dan.carer_ref, dan.language, dan.receives_information) == ("P02", "en", False)
    polish = families[2]
    assert (polish.phone, polish.language) == ("+48601234567", "pl")
    assert polish.send_status == "emerging" and polish.date_of_birth == "2021-11-02"


async def test_import_stores_staff_and_families(db: Database, setting_id: int) -> None:
    assert await import_staff(db, setting_id, STAFF, "GB") == 5
    assert await import_families(db, setting_id, FAMILIES, "GB") == 6
    assert await counts(db) == {
        "staff": 5, "children": 5, "carers": 5, "child_carers": 6, "contacts": 9,
    }  # fmt: skip
    staff = "SELECT ref, name, roles, phone, languages, cover_ref FROM staff WHERE ref = 'S02'"
    assert await rows(db, staff) == [
        ("S02", "Priya Shah", "senco;key_person", "+447400100002", "en;pa", "S04")
    ]
    assert await rows(db, "SELECT name, phone, language FROM carers WHERE ref = 'P03'") == [
        ("Katarzyna Nowak", "+48601234567", "pl")
    ]
    links = await rows(
        db,
        "SELECT c.ref, p.ref, cc.relationship, cc.receives_information FROM child_carers cc "
        "JOIN children c ON c.id = cc.child_id JOIN carers p ON p.id = cc.carer_id "
        "ORDER BY c.ref, p.ref",
    )
    assert links[:2] == [("C01", "P01", "mum", 1), ("C01", "P02", "dad", 0)]
    assert [link[:2] for link in links if link[1] == "P04"] == [("C03", "P04"), ("C04", "P04")]
    assert await rows(db, "SELECT setting_id, person_kind FROM contacts WHERE address = ?",
                      "+447400200004") == [(setting_id, "carer")]  # fmt: skip


async def test_reimport_updates_by_ref_without_duplicates(db: Database, setting_id: int) -> None:
    await import_staff(db, setting_id, STAFF, "GB")
    await import_families(db, setting_id, FAMILIES, "GB")
    assert await import_staff(db, setting_id, DATA / "import" / "staff_edited.csv", "GB") == 5
    assert await import_families(db, setting_id, DATA / "import" / "families_edited.csv", "GB") == 6
    # S05 gained a phone, so one contact more; everything else is updated in place.
    assert await counts(db) == {
        "staff": 5, "children": 5, "carers": 5, "child_carers": 6, "contacts": 10,
    }  # fmt: skip
    assert await rows(db, "SELECT name FROM staff WHERE ref = 'S01'") == [("Sarah Jones-Reid",)]
    assert await rows(db, "SELECT name FROM carers WHERE ref = 'P01'") == [("Laura Hughes-Evans",)]
    assert await rows(db, "SELECT room FROM children WHERE ref = 'C01'") == [("Oaks",)]
    assert await rows(db, "SELECT relationship FROM child_carers ORDER BY carer_id LIMIT 2") == [
        ("mother",), ("father",)
    ]  # fmt: skip


async def test_staff_may_swap_numbers_on_reimport(
    db: Database, setting_id: int, tmp_path: Path
) -> None:
    await import_staff(db, setting_id, STAFF, "GB")
    header = ",".join(STAFF_COLUMNS)
    swapped = write(tmp_path, "staff.csv", [
        header, staff_line("S01", "07400 100002"), staff_line("S02", "07400 100001"),
    ])  # fmt: skip
    assert await import_staff(db, setting_id, swapped, "GB") == 2
    assert await rows(
        db, "SELECT s.ref, c.address FROM contacts c JOIN staff s ON s.id = c.person_id "
        "WHERE c.person_kind = 'staff' AND s.ref IN ('S01', 'S02') ORDER BY s.ref"
    ) == [("S01", "+447400100002"), ("S02", "+447400100001")]  # fmt: skip


async def test_bad_staff_file_lists_every_problem(db: Database, setting_id: int) -> None:
    path = DATA / "import" / "staff_bad.csv"
    problems = await async_problems(import_staff(db, setting_id, path, "GB"))
    roles = "key_person, senco, manager, dsl, translator"
    assert problems == [
        f"{path}:3: cover_ref: S09 is not a staff_ref in this file",
        f"{path}:3: languages: 'english' is not a language code like en or pl",
        f"{path}:3: name: is required",
        f"{path}:3: phone: not a phone number: use digits and spaces, with + for abroad",
        f"{path}:3: roles: 'cook' is not one of {roles}",
        f"{path}:3: staff_ref: 'S 2' may hold only A-Z, a-z, 0-9, - and _",
        f"{path}:4: cover_ref: cannot be the staff member themselves",
        f"{path}:4: phone: same number as staff member S01 on line 2",
        f"{path}:4: roles: needs at least one of {roles}",
        f"{path}:5: phone: not a valid phone number for GB (too short)",
        f"{path}:5: staff_ref: S01 is already on line 2",
    ]
    assert (await counts(db))["staff"] == 0


async def test_bad_families_file_lists_every_problem_and_changes_nothing(
    db: Database, setting_id: int
) -> None:
    await import_staff(db, setting_id, STAFF, "GB")
    await import_families(db, setting_id, FAMILIES, "GB")
    before = await counts(db)
    path = DATA / "import" / "families_bad.csv"
    problems = await async_problems(import_families(db, setting_id, path, "GB", today=TODAY))
    assert problems == [
        f"{path}:3: date_of_birth: differs from line 2 for child C01",
        f"{path}:3: phone: is required",
        f"{path}:3: receives_information: 'maybe' is not one of yes, no, y, n, true, false",
        f"{path}:3: relationship: is required",
        f"{path}:4: child_first_name: is required",
        f"{path}:4: date_of_birth: '14/11/2021' is not a date like 2022-03-14",
        f"{path}:4: key_person_ref: S99 is not a staff_ref on file",
        f"{path}:4: language: 'polish' is not a language code like en or pl",
        f"{path}:4: phone: same number as carer P01 on line 2",
        f"{path}:4: send_status: 'autism' is not one of none, emerging, sen_support, ehcp",
        f"{path}:5: date_of_birth: 2999-01-01 is in the future",
        f"{path}:5: receives_information: is required",
        f"{path}:6: carer_name: differs from line 5 for carer P04",
        f"{path}:7: carer_ref: P01 is already a carer of C01 on line 2",
    ]
    assert await counts(db) == before
    assert await rows(db, "SELECT name FROM carers WHERE ref = 'P04'") == [("Marek Wiśniewski",)]


@pytest.mark.parametrize(
    ("columns", "problem"),
    [
        (STAFF_COLUMNS[:-1], "1: cover_ref: column is missing from the header"),
        ((*STAFF_COLUMNS, "email"), "1: email: unknown column"),
        ((*STAFF_COLUMNS, ""), "1: column 7: unknown column"),
        ((*STAFF_COLUMNS, "name"), "1: name: column appears twice"),
    ],
)
def test_header_must_hold_exactly_the_columns(
    tmp_path: Path, columns: tuple[str, ...], problem: str
) -> None:
    path = write(tmp_path, "staff.csv", [",".join(columns), staff_line() + ",x"])
    assert problems_of(lambda: read_staff(path, "GB")) == [f"{path}:{problem}"]


def test_columns_may_come_in_any_order(tmp_path: Path) -> None:
    path = write(tmp_path, "staff.csv", ["languages,cover_ref,phone,roles,name,staff_ref",
                                         "pl;en,,07400 100001,senco,Ola,S07"])  # fmt: skip
    [row] = read_staff(path, "GB")
    assert (row.ref, row.name, row.roles, row.languages) == ("S07", "Ola", ("senco",), ("pl", "en"))


def test_empty_file_and_short_rows_are_problems(tmp_path: Path) -> None:
    empty = write(tmp_path, "empty.csv", [])
    assert problems_of(lambda: read_staff(empty, "GB")) == [
        f"{empty}:1: header: the file is empty; the first line must name the columns"
    ]
    short = write(tmp_path, "short.csv", [",".join(STAFF_COLUMNS), "", "S01,Sarah"])
    assert problems_of(lambda: read_staff(short, "GB")) == [
        f"{short}:3: row: has 2 values, the header 6"
    ]


def test_a_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    lines = [",".join(STAFF_COLUMNS), staff_line()]
    path = write(tmp_path, "staff.csv", lines, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfstaff_ref")
    assert [row.ref for row in read_staff(path, "GB")] == ["S01"]


def test_text_that_is_not_utf8_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_bytes(",".join(STAFF_COLUMNS).encode() + b"\nS01,Zo\xeb,manager,,,\n")
    assert problems_of(lambda: read_staff(path, "GB")) == [
        f"{path}:2: file: is not UTF-8 text; save it as 'CSV UTF-8'"
    ]


def test_a_missing_file_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"
    assert problems_of(lambda: read_staff(path, "GB")) == [
        f"{path}: cannot be read: No such file or directory"
    ]


async def test_unknown_key_person_is_a_problem(db: Database, setting_id: int) -> None:
    problems = await async_problems(import_families(db, setting_id, FAMILIES, "GB"))
    assert f"{FAMILIES}:2: key_person_ref: S04 is not a staff_ref on file" in problems
    assert len(problems) == 6
    assert await counts(db) == dict.fromkeys(TABLES, 0)


def test_a_cover_must_be_another_staff_member_in_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "staff.csv", [
        ",".join(STAFF_COLUMNS), staff_line("S01", cover="S02"),
        staff_line("S02", "07400 100002", cover="S01"),
    ])  # fmt: skip
    assert [row.cover_ref for row in read_staff(path, "GB")] == ["S02", "S01"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("yes", True), ("Yes", True), ("Y", True), ("TRUE", True), (" true ", True),
     ("no", False), ("NO", False), ("n", False), ("False", False)],
)  # fmt: skip
def test_receives_information_reads_yes_and_no(tmp_path: Path, cell: str, expected: bool) -> None:
    path = write(tmp_path, "f.csv", [",".join(FAMILY_COLUMNS), family_line(receives=cell)])
    [row] = read_families(path, "GB", {"S01"})
    assert row.receives_information is expected


@pytest.mark.parametrize(
    ("cell", "problem"),
    [("", "is required"), ("maybe", "'maybe' is not one of yes, no, y, n, true, false"),
     ("1", "'1' is not one of yes, no, y, n, true, false")],
)  # fmt: skip
def test_receives_information_has_no_default(tmp_path: Path, cell: str, problem: str) -> None:
    path = write(tmp_path, "f.csv", [",".join(FAMILY_COLUMNS), family_line(receives=cell)])
    assert problems_of(lambda: read_families(path, "GB", {"S01"})) == [
        f"{path}:2: receives_information: {problem}"
    ]


def test_a_date_of_birth_today_is_accepted_but_tomorrow_is_not(tmp_path: Path) -> None:
    line = family_line().replace("2022-03-14", "2026-05-02")
    path = write(tmp_path, "f.csv", [",".join(FAMILY_COLUMNS), line])
    assert len(read_families(path, "GB", {"S01"}, today=date(2026, 5, 2))) == 1
    assert problems_of(lambda: read_families(path, "GB", {"S01"}, today=date(2026, 5, 1))) == [
        f"{path}:2: date_of_birth: 2026-05-02 is in the future"
    ]


def test_the_same_phone_twice_in_a_file_is_a_problem(tmp_path: Path) -> None:
    staff = write(tmp_path, "staff.csv", [
        ",".join(STAFF_COLUMNS), staff_line("S01", "07400 100001"),
        staff_line("S02", "+447400100001"),
    ])  # fmt: skip
    assert problems_of(lambda: read_staff(staff, "GB")) == [
        f"{staff}:3: phone: same number as staff member S01 on line 2"
    ]
    families = write(tmp_path, "families.csv", [
        ",".join(FAMILY_COLUMNS), family_line("P01", "07400 200001"),
        family_line("P02", "0044 7400 200001"),
    ])  # fmt: skip
    assert problems_of(lambda: read_families(families, "GB", {"S01"})) == [
        f"{families}:3: phone: same number as carer P01 on line 2"
    ]


async def test_a_phone_already_held_by_someone_else_is_a_problem(
    db: Database, setting_id: int, tmp_path: Path
) -> None:
    await import_staff(db, setting_id, STAFF, "GB")
    await import_families(db, setting_id, FAMILIES, "GB")
    before = await counts(db)
    carer = write(tmp_path, "families.csv", [
        ",".join(FAMILY_COLUMNS), family_line("P09", "07400 100003"),
    ])  # fmt: skip
    assert await async_problems(import_families(db, setting_id, carer, "GB")) == [
        f"{carer}:2: phone: is already on file for staff member S03"
    ]
    staff = write(tmp_path, "staff.csv", [
        ",".join(STAFF_COLUMNS), staff_line("S09", "07400 200005"),
        staff_line("S01", "07400 100001"),
    ])  # fmt: skip
    assert await async_problems(import_staff(db, setting_id, staff, "GB")) == [
        f"{staff}:2: phone: is already on file for carer P05"
    ]
    other = write(tmp_path, "staff2.csv", [",".join(STAFF_COLUMNS), staff_line("S02")])
    assert await async_problems(import_staff(db, setting_id, other, "GB")) == [
        f"{other}:2: phone: is already on file for staff member S01"
    ]
    assert await counts(db) == before


async def test_a_phone_held_in_another_setting_is_a_problem(db: Database, setting_id: int) -> None:
    await import_staff(db, setting_id, STAFF, "GB")
    async with db.transaction() as repos:
        other = await repos.settings.upsert("other", "Other", "{}", "2026-01-01T00:00:00.000000Z")
    problems = await async_problems(import_staff(db, other, STAFF, "GB"))
    assert problems[0] == f"{STAFF}:2: phone: is already on file for someone in another setting"
    assert len(problems) == 4


def test_one_carer_must_look_the_same_on_every_row(tmp_path: Path) -> None:
    second = family_line("P01", "07400 200002").replace("C01,Amelia", "C02,Ben")
    path = write(tmp_path, "f.csv", [",".join(FAMILY_COLUMNS), family_line(), second])
    assert problems_of(lambda: read_families(path, "GB", {"S01"})) == [
        f"{path}:3: phone: differs from line 2 for carer P01"
    ]
