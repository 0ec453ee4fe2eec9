"""Reading a CSV file as nurseries have it: any of `,` `;` or tab between cells (found from the
header), a byte order mark, UK dates; every problem kept with the line it belongs to."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.domain.errors import ImportProblems
from bot.domain.phones import normalise_phone

DELIMITERS = (",", ";", "\t")  # Excel writes ';' where the decimal mark is a comma
DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tabs"}
_REF = re.compile(r"[A-Za-z0-9_-]+")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_YEAR_FIRST = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})")
_DAY_FIRST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})")
_MIDNIGHT = re.compile(r"\s+0?0:00(:00)?$")  # spreadsheets may add a time to a date
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


@dataclass(slots=True)
class Problems:
    """Every problem found in one file, kept with the line it belongs to."""

    file: str
    found: list[tuple[int, str]] = field(default_factory=list)
    cells: set[tuple[int, str]] = field(default_factory=set)

    def add(self, line: int, column: str, what: str) -> None:
        """Record a problem with one cell (or 'row', 'file', 'header')."""
        self.found.append((line, f"{self.file}:{line}: {column}: {what}"))
        self.cells.add((line, column))

    def raise_any(self) -> None:
        """Raise ImportProblems with every problem, by line, if there are any."""
        if self.found:
            raise ImportProblems([text for _, text in sorted(self.found)])


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A date of birth as read: the date, or what is wrong with it, and how it was written."""

    value: date | None
    problem: str | None = None
    swappable: bool = False  # day and month could be read either way round (03/04/2022)
    month_first: bool = False  # only month/day/year makes sense of it (03/14/2022)


def read_birth_date(text: str, today: date) -> BirthDate:
    """Read 2022-03-14, 14/03/2022, 14/3/2022, 14.03.2022 or 14-03-2022 (day first, as in
    the UK); two-digit years and impossible dates are problems, not guesses."""
    text = _MIDNIGHT.sub("", text)
    if match := _YEAR_FIRST.fullmatch(text):
        year, month, day = int(match[1]), int(match[3]), int(match[4])
        return _checked(text, year, month, day, today)
    match = _DAY_FIRST.fullmatch(text)
    if match is None:
        return BirthDate(None, f"{text!r} is not a date like 14/03/2022 or 2022-03-14")
    day, month, year_text = int(match[1]), int(match[3]), match[4]
    if len(year_text) == 2:
        return BirthDate(None, f"{text!r} has a two-digit year: write it in full, like 14/03/2022")
    if month > 12 >= day:
        return BirthDate(
            None,
            f"{text!r} reads only as month/day/year: write day/month/year, like 14/03/2022",
            month_first=True,
        )
    born = _checked(text, int(year_text), month, day, today)
    swappable = born.value is not None and day <= 12 and day != month
    return BirthDate(born.value, born.problem, swappable=swappable)


def _checked(text: str, year: int, month: int, day: int, today: date) -> BirthDate:
    try:
        born = date(year, month, day)
    except ValueError:
        return BirthDate(None, f"{text!r} is not a real date")
    if born > today:
        return BirthDate(None, f"{text} is in the future")
    if year < 1900:
        return BirthDate(None, f"{text!r}: the year {year} cannot be right")
    return BirthDate(born)


def long_date(day: date) -> str:
    """14 March 2022, whichever way round the file wrote it."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def dates_of_birth(rows: list[Cells], column: str, today: date) -> list[str]:
    """Each row's date of birth as ISO ('' where wrong). When any row only makes sense month
    first (03/14/2022), rows that read either way (03/04/2022) cannot be trusted either."""
    read = [read_birth_date(row.required(column), today) for row in rows]
    month_first = next((r for r, d in zip(rows, read, strict=True) if d.month_first), None)
    for row, born in zip(rows, read, strict=True):
        text = row.cells[column]
        if born.problem and text:
            row.bad(column, born.problem)
        elif month_first is not None and born.swappable and born.value is not None:
            other = born.value.replace(day=born.value.month, month=born.value.day)
            row.bad(column, f"{text!r} could be {long_date(born.value)} or {long_date(other)}: "
                    f"line {month_first.line} is written month first, so write every date "
                    "day/month/year")  # fmt: skip
    return [
        born.value.isoformat()
        if born.value and (row.line, column) not in row.problems.cells
        else ""
        for row, born in zip(rows, read, strict=True)
    ]


@dataclass(slots=True)
class Cells:
    """One data row's cells, with checks that record problems against its line."""

    line: int
    cells: dict[str, str]
    problems: Problems

    def bad(self, column: str, what: str) -> None:
        """Record a problem with one of this row's cells."""
        self.problems.add(self.line, column, what)

    def required(self, column: str) -> str:
        """The cell, which must not be empty."""
        value = self.cells[column]
        if not value:
            self.bad(column, "is required")
        return value

    def ref(self, column: str, known: set[str] | None = None) -> str:
        """A reference such as S01, which may have to be one of `known`."""
        value = self.required(column)
        if value and not _REF.fullmatch(value):
            self.bad(column, f"{value!r} may hold only A-Z, a-z, 0-9, - and _")
        elif value and known is not None and value not in known:
            self.bad(column, f"{value} is not a staff_ref on file")
        return value

    def codes(self, column: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """';'-separated codes, each one of `allowed` (or a language code)."""
        items = tuple(dict.fromkeys(x.strip() for x in self.cells[column].lower().split(";")))
        for item in filter(None, items):
            if not (item in allowed if allowed else _LANGUAGE.fullmatch(item)):
                self.bad(column, f"{item!r} is not {_expected(allowed)}")
        if allowed and not any(items):
            self.bad(column, f"needs at least one of {', '.join(allowed)}")
        return tuple(filter(None, items))

    def one(self, column: str, allowed: tuple[str, ...] | None, default: str = "") -> str:
        """One code from `allowed` (or a language code); empty takes `default` if there is one."""
        value = (self.cells[column] or default if default else self.required(column)).lower()
        if value and not (value in allowed if allowed else _LANGUAGE.fullmatch(value)):
            self.bad(column, f"{value!r} is not {_expected(allowed)}")
        return value

    def language(self, column: str, offered: tuple[str, ...] | None) -> str:
        """A language code the setting offers; empty is the setting's first language."""
        if not offered:
            return self.one(column, None, "en")
        value = (self.cells[column] or offered[0]).lower()
        if value not in offered:
            self.bad(
                column,
                f"{value!r} is not a language the setting offers ({', '.join(offered)}); "
                "add it to [setting] languages in setting.toml or choose one of these",
            )
        return value

    def phone(self, column: str, country: str, needed: bool) -> str | None:
        """A phone number in E.164, read as the setting's country unless it starts with +."""
        value = self.required(column) if needed else self.cells[column]
        try:
            return normalise_phone(value, country) if value else None
        except ValueError as error:
            self.bad(column, str(error))
            return None


def _expected(allowed: tuple[str, ...] | None) -> str:
    return f"one of {', '.join(allowed)}" if allowed else "a language code like en or pl"


@dataclass(frozen=True, slots=True)
class Table:
    """The data rows of a file and the character that separated its cells."""

    rows: list[Cells]
    delimiter: str = ","


def read_table(
    path: Path, columns: tuple[str, ...], problems: Problems, optional: tuple[str, ...] = ()
) -> Table:
    """The data rows of a CSV file whose header holds `columns` (and any of `optional`)."""
    text = _read_text(path, problems)
    if text is None:
        return Table([])
    delimiter = _delimiter(text, columns + optional)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Cells] = []
    try:
        names = [name.strip() for name in next(reader, [])]
        if not _check_header(names, columns, optional, problems):
            return Table([], delimiter)
        end = reader.line_num
        for values in reader:
            line, end = end + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(names):
                quote = (
                    f" (a cell holding {DELIMITER_NAMES[delimiter]} needs quotes)"
                    if len(values) > len(names)
                    else ""
                )
                problems.add(
                    line, "row", f"has {len(values)} values, the header {len(names)}{quote}"
                )
                continue
            cells = dict.fromkeys(optional, "")
            cells.update((name, value.strip()) for name, value in zip(names, values, strict=True))
            rows.append(Cells(line, cells, problems))
    except csv.Error as error:
        problems.add(reader.line_num, "file", f"is not readable as CSV ({error})")
    return Table(rows, delimiter)


def _delimiter(text: str, columns: tuple[str, ...]) -> str:
    """The separator that makes the most known column names of the header (',' on a tie)."""
    header = text.split("\n", 1)[0]

    def known(delimiter: str) -> int:
        names = next(csv.reader([header], delimiter=delimiter), [])
        return sum(name.strip() in columns for name in names)

    return max(DELIMITERS, key=known)


def _read_text(path: Path, problems: Problems) -> str | None:
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
    names: list[str], columns: tuple[str, ...], optional: tuple[str, ...], problems: Problems
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
