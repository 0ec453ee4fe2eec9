"""Concerns and safeguarding records are never removed: no code deletes, drops or blanks their
rows. DESIGN.md's message retention purge does not exist yet; when it is written, this test
keeps it off these tables (they are kept as the setting's policy says, not by message age).
Migration 0015 rebuilds the concerns tables and is checked to keep every row
(tests/test_concern_drafts.py::test_migration_0015_keeps_concerns_and_notes)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
KEPT = frozenset(
    {"concerns", "concern_notes", "concern_numbers", "safeguarding", "safeguarding_numbers"}
)
REBUILT = {"0015_concern_drafts.sql"}  # copies every row across before it drops a table

_REMOVES = re.compile(
    r"\b(?:DELETE\s+FROM|DROP\s+TABLE(?:\s+IF\s+EXISTS)?|TRUNCATE(?:\s+TABLE)?|"
    r"REPLACE\s+INTO|INSERT\s+OR\s+REPLACE\s+INTO)\s+[\"'`\[]?(?P<table>[{\w]+)",
    re.IGNORECASE,
)
_BLANKS = re.compile(
    r"\bUPDATE\s+(?P<table>\w+)\s+SET\b[^;\"]*?\b(?:words|summary)\s*=\s*(?:NULL|''|\"\")",
    re.IGNORECASE,
)


def removals(source: str) -> list[str]:
    """The kept tables a piece of code deletes from, drops, replaces or blanks, and any
    deletion whose table is worked out at run time ({table}), which could be one of them."""
    found = [m.group("table") for m in _REMOVES.finditer(source)]
    found += [m.group("table") for m in _BLANKS.finditer(source)]
    return [t for t in found if t.lower() in KEPT or t.startswith("{")]


def _sources() -> list[Path]:
    return sorted(p for p in BOT.rglob("*") if p.suffix in (".py", ".sql"))


def test_no_code_removes_concerns_or_safeguarding_records() -> None:
    problems = [
        f"{path.relative_to(BOT.parent)}: {table}"
        for path in _sources()
        if path.name not in REBUILT
        for table in removals(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM concerns WHERE opened_at < ?",
        "delete from concern_notes",
        "DROP TABLE IF EXISTS safeguarding",
        "UPDATE concern_notes SET words = NULL WHERE written_at < ?",
        "UPDATE safeguarding SET signs = '[]', words = '' WHERE raised_at < ?",
        'f"DELETE FROM {table} WHERE created_at < ?"',
        "INSERT OR REPLACE INTO concerns (id) VALUES (1)",
    ],
)
def test_the_check_finds_each_way_of_removing_them(sql: str) -> None:
    assert removals(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM conversations WHERE channel = ?",
        "UPDATE concerns SET stage = 'abandoned' WHERE number = ?",
        "SELECT words FROM concern_notes",
    ],
)
def test_the_check_leaves_other_tables_and_updates_alone(sql: str) -> None:
    assert not removals(sql)
