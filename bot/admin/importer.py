"""Reads staff.csv and families.csv, reports every problem, and applies a clean file at once.

A file with any problem changes nothing. Carers of the same children may share one phone (it
becomes one contact for them all); families.csv can also mark left whoever it no longer lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from bot.admin.csvfile import Cells, Problems, Table, dates_of_birth, read_table
from bot.admin.leavers import Missing, missing_from
from bot.domain.errors import ImportProblems
from bot.domain.people import PersonKind
from bot.storage.repos import Store
from bot.storage.rows import FamilyRow, StaffRow

STAFF_COLUMNS = ("staff_ref", "name", "roles", "phone", "languages", "cover_ref")
STAFF_OPTIONAL = ("cover_ref", "rooms")
FAMILY_COLUMNS = (
    "child_ref", "child_first_name", "child_last_name", "date_of_birth", "room",
    "key_person_ref", "send_status", "carer_ref", "carer_name", "relationship", "phone",
    "language", "receives_information",
)  # fmt: skip
# Columns a file may leave out: older files stay valid; a missing one takes its default.
FAMILY_OPTIONAL = ("photo_consent",)
ROLES = ("key_person", "senco", "manager", "dsl", "translator", "deputy_dsl")
SEND_STATUSES = ("none", "emerging", "sen_support", "ehcp")
CHILD_FIELDS = (
    "child_first_name", "child_last_name", "date_of_birth", "room", "key_person_ref",
    "send_status", "photo_consent",
)  # fmt: skip
CARER_FIELDS = ("carer_name", "phone", "language")

_YES_NO = {"yes": True, "no": False, "y": True, "n": False, "true": True, "false": False}
_Owner = tuple[int, str, str | None]  # line, ref, phone of one row
_Rows = list[tuple[int, FamilyRow]]


@dataclass(frozen=True, slots=True)
class FamiliesImported:
    """What an import of families.csv did."""

    rows: int
    delimiter: str  # what separated the cells: ',', ';' or a tab
    missing: Missing  # on file but not in the file
    marked_left: bool  # whether `missing` was marked left (--remove-missing)
    withdrawn: int = 0  # queued or held messages to leavers that will not go


class NotConfirmed(ImportProblems):
    """The person importing did not confirm marking people left: nothing was changed."""


def _rooms(cell: str) -> tuple[str, ...]:
    """The rooms a member of staff works in: ';'-separated names, as families.csv's `room`."""
    return tuple(dict.fromkeys(r.strip() for r in cell.split(";") if r.strip()))


def _check_shared_phones(owners: list[_Owner], kind: str, problems: Problems) -> None:
    first: dict[str, tuple[str, int]] = {}
    for line, ref, phone in owners:
        if phone is None:
            continue
        other_ref, other_line = first.setdefault(phone, (ref, line))
        if other_ref != ref:
            problems.add(line, "phone", f"same number as {kind} {other_ref} on line {other_line}")


def _parse_staff(
    path: Path, country: str, problems: Problems
) -> tuple[Table, list[tuple[int, StaffRow]]]:
    required = tuple(c for c in STAFF_COLUMNS if c not in STAFF_OPTIONAL)
    table = read_table(path, required, problems, STAFF_OPTIONAL)
    rows = [
        (c.line, StaffRow(
            ref=c.ref("staff_ref"), name=c.required("name"), roles=c.codes("roles", ROLES),
            phone=c.phone("phone", country, False), languages=c.codes("languages"),
            cover_ref=c.ref("cover_ref") if c.cells["cover_ref"] else None,
            rooms=_rooms(c.cells["rooms"]),
        ))
        for c in table.rows
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
    return table, rows


def _family_row(
    c: Cells, country: str, staff_refs: set[str], offered: tuple[str, ...] | None, born: str
) -> FamilyRow:
    return FamilyRow(
        child_ref=c.ref("child_ref"),
        child_first_name=c.required("child_first_name"),
        child_last_name=c.required("child_last_name"),
        date_of_birth=born,
        room=c.cells["room"],
        key_person_ref=c.ref("key_person_ref", staff_refs),
        send_status=c.one("send_status", SEND_STATUSES),
        carer_ref=c.ref("carer_ref"),
        carer_name=c.required("carer_name"),
        relationship=c.required("relationship"),
        phone=c.phone("phone", country, True),
        language=c.language("language", offered),
        receives_information=_YES_NO.get(c.one("receives_information", tuple(_YES_NO)), False),
        photo_consent=_YES_NO.get(c.one("photo_consent", tuple(_YES_NO), "no"), False),
    )


def _check_same(rows: _Rows, key: str, fields: tuple[str, ...], problems: Problems) -> None:
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


def phone_groups(rows: _Rows) -> dict[str, dict[str, _Rows]]:
    """{phone: {carer_ref: that carer's rows}}, in file order."""
    groups: dict[str, dict[str, _Rows]] = {}
    for line, row in rows:
        if row.phone and row.carer_ref:
            groups.setdefault(row.phone, {}).setdefault(row.carer_ref, []).append((line, row))
    return groups


def _check_family_phones(rows: _Rows, problems: Problems) -> None:
    """Carers may share a phone only with carers of the same children, told the same things,
    in the same language: the phone is one contact, so it cannot be two families."""
    for carers in phone_groups(rows).values():
        (first_ref, first_rows), *others = carers.items()
        first_line = first_rows[0][0]
        theirs = {row.child_ref: (line, row) for line, row in first_rows}
        for ref, mine_rows in others:
            line = mine_rows[0][0]
            mine = {row.child_ref: (line, row) for line, row in mine_rows}
            if not set(mine) & set(theirs):
                problems.add(line, "phone", f"same number as carer {first_ref} on line "
                             f"{first_line}, of other children: only carers of the same "
                             "children may share a phone")  # fmt: skip
                continue
            for child in sorted(set(mine) ^ set(theirs)):
                only = first_ref if child in theirs else ref
                problems.add(line, "phone", f"shared with carer {first_ref} (line {first_line}) "
                             f"but only {only} is listed for {child}: carers who share a phone "
                             "must be listed for the same children")  # fmt: skip
            for child in sorted(set(mine) & set(theirs)):
                (at, row), (then, seen) = mine[child], theirs[child]
                if row.receives_information != seen.receives_information:
                    problems.add(at, "receives_information", f"differs from line {then} "
                                 f"(carer {first_ref}, same phone): one phone cannot be both "
                                 f"told and not told about {child}")  # fmt: skip
            if mine_rows[0][1].language != first_rows[0][1].language:
                problems.add(line, "language", f"differs from line {first_line} (carer "
                             f"{first_ref}, same phone): one phone gets messages in one "
                             "language")  # fmt: skip


def _parse_families(
    path: Path,
    country: str,
    staff_refs: set[str],
    now: datetime | None,
    problems: Problems,
    offered: tuple[str, ...] | None,
) -> tuple[Table, _Rows]:
    table = read_table(path, FAMILY_COLUMNS, problems, FAMILY_OPTIONAL)
    # Without the setting's local date (a check of a file alone) no date counts as the future.
    born = dates_of_birth(table.rows, "date_of_birth", now.date() if now else date.max)
    rows = [
        (c.line, _family_row(c, country, staff_refs, offered, day))
        for c, day in zip(table.rows, born, strict=True)
    ]
    first: dict[tuple[str, str], int] = {}
    for line, row in rows:
        pair = (row.child_ref, row.carer_ref)
        if all(pair) and first.setdefault(pair, line) != line:
            problems.add(line, "carer_ref", f"{row.carer_ref} is already a carer of "
                         f"{row.child_ref} on line {first[pair]}")  # fmt: skip
    _check_same(rows, "child_ref", CHILD_FIELDS, problems)
    _check_same(rows, "carer_ref", CARER_FIELDS, problems)
    _check_family_phones(rows, problems)
    return table, rows


def read_staff(path: Path, country: str) -> list[StaffRow]:
    """Read and check staff.csv, raising ImportProblems with every problem found."""
    problems = Problems(str(path))
    _, rows = _parse_staff(path, country, problems)
    problems.raise_any()
    return [row for _, row in rows]


def read_families(
    path: Path,
    country: str,
    staff_refs: set[str],
    *,
    now: datetime | None = None,
    offered: tuple[str, ...] | None = None,
) -> list[FamilyRow]:
    """Read and check families.csv against the staff on file (and, if given, the languages
    the setting offers), raising ImportProblems with every problem found."""
    problems = Problems(str(path))
    _, rows = _parse_families(path, country, staff_refs, now, problems, offered)
    problems.raise_any()
    return [row for _, row in rows]


def _check_numbers_on_file(
    holders: dict[str, tuple[int, PersonKind, str]],
    owners: list[_Owner],
    kind: PersonKind,
    setting_id: int,
    problems: Problems,
    leaving: frozenset[str] = frozenset(),
) -> None:
    refs = {ref for _, ref, _ in owners}
    for line, ref, phone in owners:
        held_in, held_kind, held_ref = holders.get(phone or "", (setting_id, kind, ref))
        # A number held by someone this file also lists is checked within the file instead,
        # and one held by a carer this import marks left is theirs no longer.
        if (held_in, held_kind) == (setting_id, kind) and (held_ref in refs | leaving):
            continue
        who = "staff member" if held_kind == PersonKind.STAFF else "carer"
        where = f"{who} {held_ref}" if held_in == setting_id else "someone in another setting"
        gone = (
            ", who is not in this file (--remove-missing marks them left)"
            if held_in == setting_id and held_kind == kind == PersonKind.CARER
            else ""
        )
        problems.add(line, "phone", f"is already on file for {where}{gone}")


async def import_staff(db: Store, setting_id: int, path: Path, country: str) -> int:
    """Check staff.csv, then create or update every staff member in one transaction."""
    problems = Problems(str(path))
    _, rows = _parse_staff(path, country, problems)
    owners = [(line, row.ref, row.phone) for line, row in rows]
    async with db.reading() as repos:
        holders = await repos.roster.sms_holders()
    _check_numbers_on_file(holders, owners, PersonKind.STAFF, setting_id, problems)
    problems.raise_any()
    async with db.transaction() as repos:
        for _, row in rows:
            await repos.roster.upsert_staff(setting_id, row)
    return len(rows)


async def import_families(
    db: Store,
    setting_id: int,
    path: Path,
    country: str,
    *,
    offered: tuple[str, ...] | None = None,
    remove_missing: bool = False,
    confirm: Callable[[Missing], bool] | None = None,
    now: datetime,
) -> FamiliesImported:
    """Check families.csv, then create or update every child, carer and link in one
    transaction. With `remove_missing`, whoever is on file and not in the file is marked left
    in the same transaction, once `confirm` (if given) says yes to the list."""
    async with db.reading() as repos:
        staff_refs = await repos.roster.staff_refs(setting_id)
        holders = await repos.roster.sms_holders()
        on_file = await repos.roster.families_on_file(setting_id)
    problems = Problems(str(path))
    table, rows = _parse_families(path, country, staff_refs, now, problems, offered)
    missing = missing_from(on_file, (row for _, row in rows))
    leaving = frozenset(ref for ref, _ in missing.carers) if remove_missing else frozenset()
    owners = [(line, row.carer_ref, row.phone) for line, row in rows]
    _check_numbers_on_file(holders, owners, PersonKind.CARER, setting_id, problems, leaving)
    problems.raise_any()
    remove = remove_missing and bool(missing)
    if remove and confirm is not None and not confirm(missing):
        raise NotConfirmed([f"{path}: not confirmed; nothing was changed"])
    withdrawn = await _apply(db, setting_id, path, rows, missing if remove else Missing(), now)
    return FamiliesImported(len(rows), table.delimiter, missing, remove, withdrawn)


async def _apply(
    db: Store, setting_id: int, path: Path, rows: _Rows, leavers: Missing, now: datetime
) -> int:
    stamp = now
    async with db.transaction() as repos:
        if leavers:
            # The list was confirmed outside the transaction (a person may take a while to
            # answer); if the families on file changed meanwhile, it is no longer that list.
            again = missing_from(await repos.roster.families_on_file(setting_id),
                                 (row for _, row in rows))  # fmt: skip
            if again != leavers:
                raise ImportProblems([f"{path}: the families on file changed while you were "
                                      "confirming; nothing was changed, import again"])  # fmt: skip
        carer_ids: dict[str, int] = {}
        for _, row in rows:
            carer_ids[row.carer_ref] = await repos.roster.upsert_family(setting_id, row)
        withdrawn = 0
        if leavers:
            withdrawn = await repos.roster.mark_left(
                setting_id,
                [ref for ref, _ in leavers.children],
                [ref for ref, _ in leavers.carers],
                [(child, carer) for child, carer, _ in leavers.links],
                stamp,
            )
            await repos.audit.record(setting_id, "admin", "import.marked_left", None, {
                "children": [r for r, _ in leavers.children],
                "carers": [r for r, _ in leavers.carers],
                "links": [f"{carer}-{child}" for child, carer, _ in leavers.links],
                "withdrawn": withdrawn,
            }, stamp)  # fmt: skip
        for phone, carers in phone_groups(rows).items():
            await repos.roster.hold_phone(setting_id, phone, [carer_ids[ref] for ref in carers])
    return withdrawn
