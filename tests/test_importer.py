"""Tests for importing staff.csv and families.csv."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.admin.importer import (
    FAMILY_COLUMNS,
    STAFF_COLUMNS,
    import_families,
    import_staff,
    read_families,
    read_staff,
)
from bot.domain.errors import ImportProblems
from bot.domain.phones import normalise_phone
from bot.storage.sqlite.database import Database

DATA = Path(__file__).parent / "data"
STAFF = DATA / "staff.csv"
FAMILIES = DATA / "families.csv"
STAFF_REFS = {"S01", "S02", "S03", "S04", "S05"}
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
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
        return await repos.settings.upsert("main", "Test", "{}", datetime(2026, 1, 1, tzinfo=UTC))


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


def at_noon(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


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
    assert (await import_families(db, setting_id, FAMILIES, "GB", now=NOW)).rows == 6
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
    await import_families(db, setting_id, FAMILIES, "GB", now=NOW)
    assert await import_staff(db, setting_id, DATA / "import" / "staff_edited.csv", "GB") == 5
    edited = DATA / "import" / "families_edited.csv"
    assert (await import_families(db, setting_id, edited, "GB", now=NOW)).rows == 6
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
    roles = "key_person, senco, manager, dsl, translator, deputy_dsl"
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
    await import_families(db, setting_id, FAMILIES, "GB", now=NOW)
    before = await counts(db)
    path = DATA / "import" / "families_bad.csv"
    problems = await async_problems(
        import_families(db, setting_id, path, "GB", now=at_noon(2026, 11, 24))
    )
    assert problems == [
        f"{path}:3: date_of_birth: differs from line 2 for child C01",
        f"{path}:3: phone: is required",
        f"{path}:3: receives_information: 'maybe' is not one of yes, no, y, n, true, false",
        f"{path}:3: relationship: is required",
        f"{path}:4: child_first_name: is required",
        f"{path}:4: date_of_birth: '31/11/2021' is not a real date",
        f"{path}:4: key_person_ref: S99 is not a staff_ref on file",
        f"{path}:4: language: 'polish' is not a language code like en or pl",
        f"{path}:4: phone: same number as carer P01 on line 2, of other children: only carers "
        "of the same children may share a phone",
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
        (STAFF_COLUMNS[:4] + STAFF_COLUMNS[5:], "1: languages: column is missing from the header"),
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
    problems = await async_problems(import_families(db, setting_id, FAMILIES, "GB", now=NOW))
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
    assert len(read_families(path, "GB", {"S01"}, now=at_noon(2026, 5, 2))) == 1
    assert problems_of(lambda: read_families(path, "GB", {"S01"}, now=at_noon(2026, 5, 1))) == [
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
    other_child = family_line("P02", "0044 7400 200001").replace("C01,Amelia", "C02,Ben")
    families = write(tmp_path, "families.csv", [
        ",".join(FAMILY_COLUMNS), family_line("P01", "07400 200001"), other_child,
    ])  # fmt: skip
    assert problems_of(lambda: read_families(families, "GB", {"S01"})) == [
        f"{families}:3: phone: same number as carer P01 on line 2, of other children: only "
        "carers of the same children may share a phone"
    ]


async def test_a_phone_already_held_by_someone_else_is_a_problem(
    db: Database, setting_id: int, tmp_path: Path
) -> None:
    await import_staff(db, setting_id, STAFF, "GB")
    await import_families(db, setting_id, FAMILIES, "GB", now=NOW)
    before = await counts(db)
    carer = write(tmp_path, "families.csv", [
        ",".join(FAMILY_COLUMNS), family_line("P09", "07400 100003"),
    ])  # fmt: skip
    assert await async_problems(import_families(db, setting_id, carer, "GB", now=NOW)) == [
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
        other = await repos.settings.upsert(
            "other", "Other", "{}", datetime(2026, 1, 1, tzinfo=UTC)
        )
    problems = await async_problems(import_staff(db, other, STAFF, "GB"))
    assert problems[0] == f"{STAFF}:2: phone: is already on file for someone in another setting"
    assert len(problems) == 4


def test_one_carer_must_look_the_same_on_every_row(tmp_path: Path) -> None:
    second = family_line("P01", "07400 200002").replace("C01,Amelia", "C02,Ben")
    path = write(tmp_path, "f.csv", [",".join(FAMILY_COLUMNS), family_line(), second])
    assert problems_of(lambda: read_families(path, "GB", {"S01"})) == [
        f"{path}:3: phone: differs from line 2 for carer P01"
    ]


# CSV as nurseries have it: UK dates, ';' or tab between cells, optional cover_ref, languages.


def family_file(folder: Path, lines: list[str], name: str = "f.csv") -> Path:
    return write(folder, name, [",".join(FAMILY_COLUMNS), *lines])


def with_date(cell: str, child: str = "C01,Amelia", carer: str = "P01") -> str:
    phone = f"07400 2000{carer[1:]}"
    return family_line(carer, phone).replace("2022-03-14", cell).replace("C01,Amelia", child)


@pytest.mark.parametrize(
    ("cell", "iso"),
    [("14/03/2022", "2022-03-14"), ("14/3/2022", "2022-03-14"), ("4/3/2022", "2022-03-04"),
     ("14.03.2022", "2022-03-14"), ("14-03-2022", "2022-03-14"), ("2022-03-14", "2022-03-14"),
     ("2022/3/14", "2022-03-14"), ("14/03/2022 00:00", "2022-03-14"), ("29/02/2024", "2024-02-29")],
)  # fmt: skip
async def test_uk_dates_are_read_day_first_and_stored_as_iso(
    db: Database, setting_id: int, tmp_path: Path, cell: str, iso: str
) -> None:
    await import_staff(db, setting_id, STAFF, "GB")
    path = family_file(tmp_path, [with_date(cell).replace(",S01,", ",S04,")])
    assert (await import_families(db, setting_id, path, "GB", now=NOW)).rows == 1
    assert await rows(db, "SELECT date_of_birth FROM children") == [(iso,)]


@pytest.mark.parametrize(
    ("cell", "problem"),
    [("31/02/2022", "'31/02/2022' is not a real date"),
     ("29/02/2023", "'29/02/2023' is not a real date"),
     ("14/03/22", "'14/03/22' has a two-digit year: write it in full, like 14/03/2022"),
     ("03/14/2022", "'03/14/2022' reads only as month/day/year: write day/month/year, like "
                    "14/03/2022"),
     ("14 March", "'14 March' is not a date like 14/03/2022 or 2022-03-14"),
     ("44634", "'44634' is not a date like 14/03/2022 or 2022-03-14"),
     ("14/03/1022", "'14/03/1022': the year 1022 cannot be right"),
     ("01/12/2026", "01/12/2026 is in the future")],
)  # fmt: skip
def test_an_impossible_or_ambiguous_date_is_a_problem_naming_the_row(
    tmp_path: Path, cell: str, problem: str
) -> None:
    path = family_file(tmp_path, [family_line(), with_date(cell, "C02,Ben", "P02")])
    assert problems_of(lambda: read_families(path, "GB", {"S01"}, now=at_noon(2026, 5, 1))) == [
        f"{path}:3: date_of_birth: {problem}"
    ]


def test_in_a_file_written_month_first_a_date_that_reads_both_ways_is_a_problem(
    tmp_path: Path,
) -> None:
    path = family_file(tmp_path, [
        with_date("03/14/2022"), with_date("03/04/2021", "C02,Ben", "P02"),
        with_date("13/04/2021", "C03,Eve", "P03"), with_date("04/04/2021", "C04,Max", "P04"),
    ])  # fmt: skip
    assert problems_of(lambda: read_families(path, "GB", {"S01"})) == [
        f"{path}:2: date_of_birth: '03/14/2022' reads only as month/day/year: write "
        "day/month/year, like 14/03/2022",
        f"{path}:3: date_of_birth: '03/04/2021' could be 3 April 2021 or 4 March 2021: line 2 "
        "is written month first, so write every date day/month/year",
    ]


def test_the_same_child_with_one_date_written_two_ways_is_one_child(tmp_path: Path) -> None:
    second = family_line("P02", "07400 200002").replace("2022-03-14", "14/3/2022")
    path = family_file(tmp_path, [family_line(), second])
    assert [row.date_of_birth for row in read_families(path, "GB", {"S01"})] == [
        "2022-03-14", "2022-03-14"
    ]  # fmt: skip


def test_a_file_separated_by_semicolons_is_read(tmp_path: Path) -> None:
    staff = write(tmp_path, "staff.csv", [
        ";".join(STAFF_COLUMNS), 'S01;Sarah Jones;"manager;dsl";07400 100001;en;',
        "S02;Priya Shah;senco;07400 100002;\"en;pa\";S01",
    ])  # fmt: skip
    read = read_staff(staff, "GB")
    assert [(r.ref, r.roles, r.languages, r.cover_ref) for r in read] == [
        ("S01", ("manager", "dsl"), ("en",), None), ("S02", ("senco",), ("en", "pa"), "S01"),
    ]  # fmt: skip
    families = write(tmp_path, "families.csv", [
        ";".join(FAMILY_COLUMNS), family_line().replace(",", ";"),
    ])  # fmt: skip
    [row] = read_families(families, "GB", {"S01"})
    assert (row.carer_ref, row.phone, row.date_of_birth) == ("P01", "+447400200001", "2022-03-14")


def test_a_file_separated_by_tabs_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "staff.tsv", [
        "\t".join(STAFF_COLUMNS), "S01\tSarah Jones\tmanager;dsl\t07400 100001\ten\t",
    ])  # fmt: skip
    assert [row.roles for row in read_staff(path, "GB")] == [("manager", "dsl")]


def test_an_unquoted_semicolon_in_a_semicolon_file_is_explained_in_one_line(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "staff.csv", [
        ";".join(STAFF_COLUMNS), "S01;Sarah Jones;manager;dsl;07400 100001;en;",
    ])  # fmt: skip
    assert problems_of(lambda: read_staff(path, "GB")) == [
        f"{path}:2: row: has 7 values, the header 6 (a cell holding ';' needs quotes)"
    ]


async def test_import_says_what_separated_the_cells(
    db: Database, setting_id: int, tmp_path: Path
) -> None:
    await import_staff(db, setting_id, STAFF, "GB")
    path = write(tmp_path, "f.csv", [
        ";".join(FAMILY_COLUMNS), family_line().replace(",", ";").replace(";S01;", ";S04;"),
    ])  # fmt: skip
    assert (await import_families(db, setting_id, path, "GB", now=NOW)).delimiter == ";"
    assert (await import_families(db, setting_id, FAMILIES, "GB", now=NOW)).delimiter == ","


def test_cover_ref_may_be_left_out_of_staff_csv(tmp_path: Path) -> None:
    path = write(tmp_path, "staff.csv", [
        "staff_ref,name,roles,phone,languages", "S01,Sarah Jones,manager,07400 100001,en",
    ])  # fmt: skip
    [row] = read_staff(path, "GB")
    assert (row.ref, row.cover_ref) == ("S01", None)


def test_a_language_the_setting_does_not_offer_names_the_row_and_the_offered_ones(
    tmp_path: Path,
) -> None:
    german = family_line("P02", "07400 200002").replace(",en,", ",de,")
    path = family_file(tmp_path, [family_line(), german])
    assert problems_of(lambda: read_families(path, "GB", {"S01"}, offered=("en", "pl"))) == [
        f"{path}:3: language: 'de' is not a language the setting offers (en, pl); add it to "
        "[setting] languages in setting.toml or choose one of these"
    ]


def test_a_blank_language_is_the_settings_first(tmp_path: Path) -> None:
    path = family_file(tmp_path, [family_line().replace(",en,", ",,")])
    [row] = read_families(path, "GB", {"S01"}, offered=("pl", "en"))
    assert row.language == "pl"


# Carers who share a phone.

MUM = "C01,Amelia,Hughes,2022-03-14,Acorns,S04,none,P01,Laura Hughes,mum,07400 200001,en,yes"
DAD = "C01,Amelia,Hughes,2022-03-14,Acorns,S04,none,P06,Mark Hughes,dad,07400 200001,en,yes"


async def sms_contacts(db: Database, phone: str) -> list[tuple[object, ...]]:
    return await rows(
        db, "SELECT ca.ref FROM contacts c JOIN carers ca ON ca.id = c.person_id "
        "WHERE c.channel = 'sms' AND c.address = ? AND c.person_kind = 'carer'", phone,
    )  # fmt: skip


async def test_two_carers_of_one_child_may_share_a_phone_which_is_one_contact(
    db: Database, setting_id: int, tmp_path: Path
) -> None:
    await import_staff(db, setting_id, STAFF, "GB")
    path = family_file(tmp_path, [MUM, DAD])
    assert (await import_families(db, setting_id, path, "GB", now=NOW)).rows == 2
    assert await rows(db, "SELECT ref, phone FROM carers ORDER BY ref") == [
        ("P01", "+447400200001"), ("P06", "+447400200001"),
    ]  # fmt: skip
    assert await sms_contacts(db, "+447400200001") == [("P01",)]
    # The phone stays filed under the same carer whatever order the next file has.
    again = family_file(tmp_path, [DAD, MUM], "again.csv")
    await import_families(db, setting_id, again, "GB", now=NOW)
    assert await sms_contacts(db, "+447400200001") == [("P01",)]
    # When mum gets her own number, dad keeps the family phone.
    own = family_file(tmp_path, [MUM.replace("07400 200001", "07400 200011"), DAD], "own.csv")
    await import_families(db, setting_id, own, "GB", now=NOW)
    assert await sms_contacts(db, "+447400200001") == [("P06",)]
    assert await sms_contacts(db, "+447400200011") == [("P01",)]


def test_a_shared_phone_must_be_listed_for_the_same_children(tmp_path: Path) -> None:
    ben = MUM.replace("C01,Amelia", "C02,Ben")
    path = family_file(tmp_path, [MUM, ben, DAD])
    assert problems_of(lambda: read_families(path, "GB", {"S04"})) == [
        f"{path}:4: phone: shared with carer P01 (line 2) but only P01 is listed for C02: carers "
        "who share a phone must be listed for the same children"
    ]


def test_a_shared_phone_cannot_be_both_told_and_not_told(tmp_path: Path) -> None:
    path = family_file(tmp_path, [MUM, DAD.replace(",en,yes", ",en,no")])
    assert problems_of(lambda: read_families(path, "GB", {"S04"})) == [
        f"{path}:3: receives_information: differs from line 2 (carer P01, same phone): one "
        "phone cannot be both told and not told about C01"
    ]


def test_a_shared_phone_gets_one_language(tmp_path: Path) -> None:
    path = family_file(tmp_path, [MUM, DAD.replace(",en,yes", ",pl,yes")])
    assert problems_of(lambda: read_families(path, "GB", {"S04"})) == [
        f"{path}:3: language: differs from line 2 (carer P01, same phone): one phone gets "
        "messages in one language"
    ]


# Leavers: --remove-missing.

LEAVERS_FILE = (
    [  # families.csv without Isla (C05, P05) and without Marek as Leo's carer
        line
        for line in FAMILIES.read_text(encoding="utf-8").splitlines()[1:]
        if not line.startswith(("C05,", "C04,"))
    ]
    + ["C04,Leo,Wiśniewski,2020-09-01,Oaks,S05,ehcp,P07,Ewa Wiśniewska,mum,07400 200007,pl,yes"]
)


async def imported(db: Database, setting_id: int) -> None:
    await import_staff(db, setting_id, STAFF, "GB")
    await import_families(db, setting_id, FAMILIES, "GB", now=NOW)


async def test_an_import_that_leaves_people_out_says_so_and_removes_nobody(
    db: Database, setting_id: int, tmp_path: Path
) -> None:
    await imported(db, setting_id)
    result = await import_families(
        db, setting_id, family_file(tmp_path, LEAVERS_FILE), "GB", now=NOW
    )
    assert not result.marked_left
    assert result.missing.counted() == "1 child, 1 carer and 1 carer-child link"
    assert result.missing.refs() == "C05, P05, P04-C04"
    assert await rows(db, "SELECT COUNT(*) FROM carers WHERE left_at IS NOT NULL") == [(0,)]
    assert await rows(db, "SELECT COUNT(*) FROM child_carers WHERE left_at IS NOT NULL") == [(0,)]


async def test_remove_missing_marks_them_left_and_keeps_their_records(
    db: Database, setting_id: int, tmp_path: Path
) -> None:
    await imported(db, setting_id)
    asked: list[list[str]] = []

    def confirm(missing: object) -> bool:
        asked.append(missing.lines())  # type: ignore[attr-defined]
        return True

    path = family_file(tmp_path, LEAVERS_FILE)
    result = await import_families(
        db, setting_id, path, "GB", remove_missing=True, confirm=confirm, now=at_noon(2026, 7, 20)
    )
    assert result.marked_left and result.rows == 5
    assert asked == [[
        "  child  C05      Isla Patel (and every carer's link to them)",
        "  carer  P05      Meera Patel",
        "  link   P04      Marek Wiśniewski, dad of Leo (C04); stays on file for their other "
        "children",
    ]]  # fmt: skip
    left = "2026-07-20T12:00:00.000000Z"
    assert await rows(db, "SELECT ref, left_at FROM children WHERE ref IN ('C04', 'C05')") == [
        ("C04", None), ("C05", left),
    ]  # fmt: skip
    assert await rows(db, "SELECT ref, left_at FROM carers WHERE ref IN ('P04', 'P05')") == [
        ("P04", None), ("P05", left),
    ]  # fmt: skip
    links = await rows(
        db, "SELECT c.ref, p.ref, cc.left_at FROM child_carers cc JOIN children c ON "
        "c.id = cc.child_id JOIN carers p ON p.id = cc.carer_id WHERE cc.left_at IS NOT NULL "
        "ORDER BY c.ref",
    )  # fmt: skip
    assert links == [("C04", "P04", left), ("C05", "P05", left)]
    # Their records stay; only the leaver's contact is gone, so their phone links nobody.
    assert await counts(db) == {
        "staff": 5, "children": 5, "carers": 6, "child_carers": 7, "contacts": 9,
    }  # fmt: skip
    assert await rows(db, "SELECT 1 FROM contacts WHERE address = '+447400200005'") == []
    [audit] = await rows(db, "SELECT action, details FROM audit WHERE action LIKE 'import.%'")
    assert audit[0] == "import.marked_left" and '"P04-C04"' in str(audit[1])
    # A second import of the same file has nobody left to remove.
    again = await import_families(db, setting_id, path, "GB", remove_missing=True, now=NOW)
    assert not again.missing and not again.marked_left


async def test_not_confirming_changes_nothing(
    db: Database, setting_id: int, tmp_path: Path
) -> None:
    await imported(db, setting_id)
    before = await counts(db)
    renamed = LEAVERS_FILE[1].replace("Dan Hughes", "Daniel Hughes")
    path = family_file(tmp_path, [LEAVERS_FILE[0], renamed, *LEAVERS_FILE[2:]])
    problems = await async_problems(import_families(
        db, setting_id, path, "GB", remove_missing=True, confirm=lambda missing: False, now=NOW
    ))  # fmt: skip
    assert problems == [f"{path}: not confirmed; nothing was changed"]
    assert await counts(db) == before
    assert await rows(db, "SELECT name FROM carers WHERE ref = 'P02'") == [("Dan Hughes",)]
    assert await rows(db, "SELECT COUNT(*) FROM carers WHERE left_at IS NOT NULL") == [(0,)]


async def test_a_leavers_number_is_free_only_when_they_are_marked_left(
    db: Database, setting_id: int, tmp_path: Path
) -> None:
    await imported(db, setting_id)
    # Isla's grandmother left; her number now belongs to a new carer, P08.
    new = "C06,Maya,Khan,2023-01-05,Acorns,S02,none,P08,Sana Khan,mum,07400 200005,en,yes"
    path = family_file(tmp_path, [*LEAVERS_FILE, new])
    assert await async_problems(import_families(db, setting_id, path, "GB", now=NOW)) == [
        f"{path}:7: phone: is already on file for carer P05, who is not in this file "
        "(--remove-missing marks them left)"
    ]
    await import_families(db, setting_id, path, "GB", remove_missing=True, now=NOW)
    assert await sms_contacts(db, "+447400200005") == [("P08",)]


async def test_a_leaver_listed_again_is_back(db: Database, setting_id: int, tmp_path: Path) -> None:
    await imported(db, setting_id)
    await import_families(
        db, setting_id, family_file(tmp_path, LEAVERS_FILE), "GB", remove_missing=True, now=NOW
    )
    back = await import_families(db, setting_id, FAMILIES, "GB", remove_missing=True, now=NOW)
    assert back.missing.refs() == "P07"  # only the carer the shorter file added
    assert await rows(db, "SELECT COUNT(*) FROM children WHERE left_at IS NOT NULL") == [(0,)]
    assert await rows(db, "SELECT ref FROM carers WHERE left_at IS NOT NULL") == [("P07",)]
    assert await sms_contacts(db, "+447400200005") == [("P05",)]
