"""Reads staff.csv and families.csv, reports every problem, and applies a clean file at once."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import aiosqlite

from bot.domain import PersonKind
from bot.errors import ImportProblems
from bot.phones import normalise_phone
from bot.storage.sqlite import Database
from bot.storage.sqlite_people import FamilyRow, StaffRow

STAFF_COLUMNS = ("staff_ref", "name", "roles", "phone", "languages", "cover_ref")
FAMILY_COLUMNS = (
    "child_ref", "child_first_name", "child_last_name", "date_of_birth", "room",
    "key_person_ref", "send_status", "carer_ref", "carer_name", "relationship", "phone",
    "language", "receives_information",
)  # fmt: skip
# Columns a file may leave out: older files stay valid; a missing one takes its default.
FAMILY_OPTIONAL = ("photo_consent",)
ROLES = ("key_person", "senco", "manager", "dsl", "translator")
SEND_STATUSES = ("none", "emerging", "sen_support", "ehcp")
CHILD_FIELDS = (
    "child_first_name", "child_last_name", "date_of_birth", "room", "key_person_ref",
    "send_status", "photo_consent",
)  # fmt: skip
CARER_FIELDS = ("carer_name", "phone", "language")

_YES_NO = {"yes": True, "no": False, "y": True, "n": False, "true": True, "false": False}
_REF = re.compile(r"[A-Za-z0-9_-]+")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_Owner = tuple[int, str, str | None]  # line, ref, phone of one row
_SMS_HOLDERS = (
    "SELECT c.address, c.setting_id, c.person_kind, COALESCE(s.ref, ca.ref, '') FROM contacts c "
    "LEFT JOIN staff s ON c.person_kind = 'staff' AND s.id = c.person_id "
    "LEFT JOIN carers ca ON c.person_kind = 'carer' AND ca.id = c.person_id "
    "WHERE c.channel = 'sms'"
)


@dataclass(slots=True)
class _Problems:
    """Every problem found in one file, kept with the line it belongs to."""

    file: str
    found: list[tuple[int, str]] = field(default_factory=list)
    cells: set[tuple[int, str]] = field(default_factory=set)

    def add(self, line: int, column: str, what: str) -> None:
        self.found.append((line, f"{self.file}:{line}: {column}: {what}"))
        self.cells.add((line, column))

    def raise_any(self) -> None:
        if self.found:
            raise ImportProblems([text for _, text in sorted(self.found)])


@dataclass(slots=True)
class _Cells:
    """One data row's cells, with checks that record problems against its line."""

    line: int
    cells: dict[str, str]
    problems: _Problems

    def bad(self, column: str, what: str) -> None:
        self.problems.add(self.line, column, what)

    def required(self, column: str) -> str:
        value = self.cells[column]
        if not value:
            self.bad(column, "is required")
        return value

    def ref(self, column: str, known: set[str] | None = None) -> str:
        value = self.required(column)
        if value and not _REF.fullmatch(value):
            self.bad(column, f"{value!r} may hold only A-Z, a-z, 0-9, - and _")
        elif value and known is not None and value not in known:
            self.bad(column, f"{value} is not a staff_ref on file")
        return value

    def codes(self, column: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        items = tuple(dict.fromkeys(x.strip() for x in self.cells[column].lower().split(";")))
        for item in filter(None, items):
            if not (item in allowed if allowed else _LANGUAGE.fullmatch(item)):
                self.bad(column, f"{item!r} is not {_expected(allowed)}")
        if allowed and not any(items):
            self.bad(column, f"needs at least one of {', '.join(allowed)}")
        return tuple(filter(None, items))

    def one(self, column: str, allowed: tuple[str, ...] | None, default: str = "") -> str:
        value = (self.cells[column] or default if default else self.required(column)).lower()
        if value and not (value in allowed if allowed else _LANGUAGE.fullmatch(value)):
            self.bad(column, f"{value!r} is not {_expected(allowed)}")
        return value

    def phone(self, column: str, country: str, needed: bool) -> str | None:
        value = self.required(column) if needed else self.cells[column]
        try:
            return normalise_phone(value, country) if value else None
        except ValueError as error:
            self.bad(column, str(error))
            return None

    def birth_date(self, column: str, today: date | None) -> str:
        value = self.required(column)
        try:
            born = date.fromisoformat(value) if _ISO_DATE.fullmatch(value) else None
        except ValueError:
            born = None
        if value and born is None:
            self.bad(column, f"{value!r} is not a date like 2022-03-14")
        elif born is not None and today is not None and born > today:
            self.bad(column, f"{value} is in the future")
        return value


def _expected(allowed: tuple[str, ...] | None) -> str:
    return f"one of {', '.join(allowed)}" if allowed else "a language code like en or pl"


def _read_text(path: Path, problems: _Problems) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportProblems([f"{path}: cannot be read: {error.strerror}"]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.add(line, "file", "is not UTF-8 text; save it as 'CSV UTF-8'")
        return None


def _check_header(
    names: list[str], columns: tuple[str, ...], optional: tuple[str, ...], problems: _Problems
) -> bool:
    before = len(problems.found)
    if not names:
        problems.add(1, "header", "the file is empty; the first line must name the columns")
        return False
    for column in columns:
        if column not in names:
            problems.add(1, column, "column is missing from the header")
    for number, name in enumerate(names, start=1):
        if name not in columns + optional:
            problems.add(1, name or f"column {number}", "unknown column")
        elif names.index(name) != number - 1:
            problems.add(1, name, "column appears twice")
    return len(problems.found) == before


def _records(
    path: Path, columns: tuple[str, ...], problems: _Problems, optional: tuple[str, ...] = ()
) -> list[_Cells]:
    """The data rows of a CSV file whose header holds `columns` (and any of `optional`)."""
    text = _read_text(path, problems)
    if text is None:
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[_Cells] = []
    try:
        names = [name.strip() for name in next(reader, [])]
        if not _check_header(names, columns, optional, problems):
            return []
        end = reader.line_num
        for values in reader:
            line, end = end + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(names):
                problems.add(line, "row", f"has {len(values)} values, the header {len(names)}")
                continue
            cells = dict.fromkeys(optional, "")
            cells.update((name, value.strip()) for name, value in zip(names, values, strict=True))
            rows.append(_Cells(line, cells, problems))
    except csv.Error as error:
        problems.add(reader.line_num, "file", f"is not readable as CSV ({error})")
    return rows


def _check_shared_phones(owners: list[_Owner], kind: str, problems: _Problems) -> None:
    first: dict[str, tuple[str, int]] = {}
    for line, ref, phone in owners:
        if phone is None:
            continue
        other_ref, other_line = first.setdefault(phone, (ref, line))
        if other_ref != ref:
            problems.add(line, "phone", f"same number as {kind} {other_ref} on line {other_line}")


def _parse_staff(path: Path, country: str, problems: _Problems) -> list[tuple[int, StaffRow]]:
    rows = [
        (c.line, StaffRow(
            ref=c.ref("staff_ref"), name=c.required("name"), roles=c.codes("roles", ROLES),
            phone=c.phone("phone", country, False), languages=c.codes("languages"),
            cover_ref=c.ref("cover_ref") if c.cells["cover_ref"] else None,
        ))
        for c in _records(path, STAFF_COLUMNS, problems)
    ]  # fmt: skip
    first: dict[str, int] = {}
    for line, row in rows:
        if row.ref and first.setdefault(row.ref, line) != line:
            problems.add(line, "staff_ref", f"{row.ref} is already on line {first[row.ref]}")
    for line, row in rows:
        if row.cover_ref is not None and row.cover_ref == row.ref:
            problems.add(line, "cover_ref", "cannot be the staff member themselves")
        elif row.cover_ref is not None and row.cover_ref not in first:
            problems.add(line, "cover_ref", f"{row.cover_ref} is not a staff_ref in this file")
    _check_shared_phones([(line, r.ref, r.phone) for line, r in rows], "staff member", problems)
    return rows


def _family_row(c: _Cells, country: str, staff_refs: set[str], today: date | None) -> FamilyRow:
    return FamilyRow(
        child_ref=c.ref("child_ref"),
        child_first_name=c.required("child_first_name"),
        child_last_name=c.required("child_last_name"),
        date_of_birth=c.birth_date("date_of_birth", today),
        room=c.cells["room"],
        key_person_ref=c.ref("key_person_ref", staff_refs),
        send_status=c.one("send_status", SEND_STATUSES),
        carer_ref=c.ref("carer_ref"),
        carer_name=c.required("carer_name"),
        relationship=c.required("relationship"),
        phone=c.phone("phone", country, True),
        language=c.one("language", None, "en"),
        receives_information=_YES_NO.get(c.one("receives_information", tuple(_YES_NO)), False),
        photo_consent=_YES_NO.get(c.one("photo_consent", tuple(_YES_NO), "no"), False),
    )


def _check_same(
    rows: list[tuple[int, FamilyRow]], key: str, fields: tuple[str, ...], problems: _Problems
) -> None:
    # Cells already reported as wrong are not compared, so one mistake is reported once.
    first: dict[str, tuple[int, FamilyRow]] = {}
    for line, row in rows:
        ref = getattr(row, key)
        if not ref:
            continue
        earlier, seen = first.setdefault(ref, (line, row))
        for name in fields:
            bad = {(line, name), (earlier, name)} & problems.cells
            if not bad and getattr(row, name) != getattr(seen, name):
                problems.add(line, name, f"differs from line {earlier} for {key[:-4]} {ref}")


def _parse_families(
    path: Path, country: str, staff_refs: set[str], today: date | None, problems: _Problems
) -> list[tuple[int, FamilyRow]]:
    cells = _records(path, FAMILY_COLUMNS, problems, FAMILY_OPTIONAL)
    rows = [(c.line, _family_row(c, country, staff_refs, today)) for c in cells]
    first: dict[tuple[str, str], int] = {}
    for line, row in rows:
        pair = (row.child_ref, row.carer_ref)
        if all(pair) and first.setdefault(pair, line) != line:
            problems.add(line, "carer_ref", f"{row.carer_ref} is already a carer of "
                         f"{row.child_ref} on line {first[pair]}")  # fmt: skip
    _check_same(rows, "child_ref", CHILD_FIELDS, problems)
    _check_same(rows, "carer_ref", CARER_FIELDS, problems)
    _check_shared_phones([(line, r.carer_ref, r.phone) for line, r in rows], "carer", problems)
    return rows


def read_staff(path: Path, country: str) -> list[StaffRow]:
    """Read and check staff.csv, raising ImportProblems with every problem found."""
    problems = _Problems(str(path))
    rows = _parse_staff(path, country, problems)
    problems.raise_any()
    return [row for _, row in rows]


def read_families(
    path: Path, country: str, staff_refs: set[str], *, today: date | None = None
) -> list[FamilyRow]:
    """Read and check families.csv against the staff on file, raising ImportProblems if wrong;
    dates of birth after `today` (the setting's local date, when given) are problems."""
    problems = _Problems(str(path))
    rows = _parse_families(path, country, staff_refs, today, problems)
    problems.raise_any()
    return [row for _, row in rows]


async def _check_numbers_on_file(
    conn: aiosqlite.Connection, owners: list[_Owner], kind: PersonKind, setting_id: int,
    problems: _Problems,
) -> None:  # fmt: skip
    # Wanted instead: a People method "sms_holders() -> {address: (setting_id, kind, ref)}".
    async with conn.execute(_SMS_HOLDERS) as cur:
        holders = {str(r[0]): (int(r[1]), str(r[2]), str(r[3])) for r in await cur.fetchall()}
    refs = {ref for _, ref, _ in owners}
    for line, ref, phone in owners:
        held_in, held_kind, held_ref = holders.get(phone or "", (setting_id, kind, ref))
        # A number held by someone this file also lists is checked within the file instead.
        if (held_in, held_kind) == (setting_id, kind) and held_ref in refs:
            continue
        who = "staff member" if held_kind == PersonKind.STAFF else "carer"
        where = f"{who} {held_ref}" if held_in == setting_id else "someone in another setting"
        problems.add(line, "phone", f"is already on file for {where}")


async def import_staff(db: Database, setting_id: int, path: Path, country: str) -> int:
    """Check staff.csv, then create or update every staff member in one transaction."""
    problems = _Problems(str(path))
    rows = _parse_staff(path, country, problems)
    owners = [(line, row.ref, row.phone) for line, row in rows]
    async with db.reading() as repos:
        await _check_numbers_on_file(repos.conn, owners, PersonKind.STAFF, setting_id, problems)
    problems.raise_any()
    async with db.transaction() as repos:
        for _, row in rows:
            await repos.people.upsert_staff(setting_id, row)
    return len(rows)


async def import_families(
    db: Database, setting_id: int, path: Path, country: str, *, today: date | None = None
) -> int:
    """Check families.csv, then create or update every child, carer and link in one transaction;
    dates of birth after `today` (the setting's local date, when given) are problems."""
    async with db.reading() as repos:
        staff_refs = await repos.people.staff_refs(setting_id)
    problems = _Problems(str(path))
    rows = _parse_families(path, country, staff_refs, today, problems)
    owners = [(line, row.carer_ref, row.phone) for line, row in rows]
    async with db.reading() as repos:
        await _check_numbers_on_file(repos.conn, owners, PersonKind.CARER, setting_id, problems)
    problems.raise_any()
    async with db.transaction() as repos:
        for _, row in rows:
            await repos.people.upsert_family(setting_id, row)
    return len(rows)
