"""STYLE.md convention 2: channel libraries stay at the edge; the core never speaks HTTP."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
EDGE_ONLY = ("telegram", "twilio")
NO_HTTP = ("starlette", "uvicorn", "httpx", "aiohttp")
CORE = ("flows", "engine", "storage", "domain", "language", "admin")
# Flows are pure: no I/O, no clock, no database.
NOT_IN_FLOWS = (
    "asyncio",
    "aiosqlite",
    "sqlite3",
    "bot.storage",
    "bot.engine.effects",
    "time",
    "random",
)


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules() -> list[Path]:
    return sorted(BOT.rglob("*.py"))


def uses(names: set[str], roots: tuple[str, ...]) -> set[str]:
    return {n for n in names if any(n == r or n.startswith(r + ".") for r in roots)}


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(BOT)))
def test_channel_libraries_only_in_handlers(path: Path) -> None:
    if path.relative_to(BOT).parts[0] == "handlers":
        return
    assert not uses(imported(path), EDGE_ONLY), f"{path.name} imports a channel library"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(BOT)))
def test_core_does_not_speak_http(path: Path) -> None:
    if path.relative_to(BOT).parts[0] not in CORE:
        return
    assert not uses(imported(path), NO_HTTP), f"{path.name} imports a web library"


@pytest.mark.parametrize("path", sorted((BOT / "flows").rglob("*.py")), ids=lambda p: p.name)
def test_flows_are_pure(path: Path) -> None:
    assert not uses(imported(path), NOT_IN_FLOWS), f"{path.name} does I/O or reads the clock"
    source = path.read_text(encoding="utf-8")
    assert "await " not in source and "datetime.now" not in source


def test_the_check_itself_catches_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from telegram import Update\nimport twilio.rest\n")
    assert uses(imported(sample), EDGE_ONLY) == {"telegram", "twilio.rest"}


# Rule 5 of "Room to grow": storage behind Protocols. Only the SQLite backend speaks SQL or
# imports a SQLite driver; only the composition roots name the backend at all.
SQLITE_BACKEND = ("storage", "sqlite")
SQLITE_DRIVERS = ("aiosqlite", "sqlite3")
NAMES_THE_BACKEND = ("app.py", "cli.py", "demo.py")
SQL = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|SAVEPOINT|PRAGMA|BEGIN)\b")


def strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def outside_backend() -> list[Path]:
    return [p for p in modules() if p.relative_to(BOT).parts[:2] != SQLITE_BACKEND]


@pytest.mark.parametrize("path", outside_backend(), ids=lambda p: str(p.relative_to(BOT)))
def test_only_the_sqlite_backend_touches_sqlite(path: Path) -> None:
    names = imported(path)
    assert not uses(names, SQLITE_DRIVERS), f"{path.name} imports a SQLite driver"
    if str(path.relative_to(BOT)) not in NAMES_THE_BACKEND:
        assert not uses(names, ("bot.storage.sqlite",)), f"{path.name} names the SQLite backend"


@pytest.mark.parametrize("path", outside_backend(), ids=lambda p: str(p.relative_to(BOT)))
def test_no_sql_outside_the_sqlite_backend(path: Path) -> None:
    found = [s for s in strings(path) if SQL.search(s)]
    assert not found, f"{path.name} holds SQL: {found[0][:60]!r}"


def test_the_sql_check_itself_catches_sql_and_drivers(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import aiosqlite\nfrom bot.storage.sqlite.database import Database\n"
        "Q = 'UPDATE outbox SET status = ?'\nasync def f(c): await c.execute('SAVEPOINT row')\n"
        "'''A docstring that selects nothing.'''\n"
    )
    assert uses(imported(sample), SQLITE_DRIVERS) == {"aiosqlite"}
    assert uses(imported(sample), ("bot.storage.sqlite",)) == {"bot.storage.sqlite.database"}
    assert [s for s in strings(sample) if SQL.search(s)] == [
        "UPDATE outbox SET status = ?",
        "SAVEPOINT row",
    ]


# Rule 1 of "Room to grow": flows declare themselves. The engine, the edge and the composition
# root name no flow (only the package, which finds the specs, and base, the contract); a
# capability imports no other capability, only base and the shared steps.
NAMES_NO_FLOW = ("engine", "handlers", "app.py", "web.py", "demo.py", "cli.py", "admin")
CONTRACT = frozenset({"bot.flows", "bot.flows.base"})


def flow_modules(names: set[str]) -> set[str]:
    return {n for n in names if n == "bot.flows" or n.startswith("bot.flows.")}


def capabilities() -> list[Path]:
    return sorted(p for p in (BOT / "flows").glob("*.py") if p.stem not in ("__init__", "base"))


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(BOT)))
def test_engine_edge_and_app_name_no_flow(path: Path) -> None:
    if path.relative_to(BOT).parts[0] not in NAMES_NO_FLOW:
        return
    named = flow_modules(imported(path)) - CONTRACT
    assert not named, f"{path.relative_to(BOT)} names a flow: {sorted(named)}"


@pytest.mark.parametrize("path", capabilities(), ids=lambda p: p.name)
def test_a_capability_imports_no_other_capability(path: Path) -> None:
    named = flow_modules(imported(path)) - {"bot.flows.base"}
    others = {n for n in named if not n.startswith("bot.flows.steps")}
    assert not others, f"{path.name} imports another flow: {sorted(others)}"
    assert "SPEC = FlowSpec(" in path.read_text(encoding="utf-8"), f"{path.name} has no SPEC"


@pytest.mark.parametrize(
    "path", sorted((BOT / "flows" / "steps").glob("*.py")), ids=lambda p: p.name
)
def test_shared_steps_import_no_capability(path: Path) -> None:
    named = flow_modules(imported(path)) - {"bot.flows.base"}
    assert all(n.startswith("bot.flows.steps") for n in named), f"{path.name}: {sorted(named)}"


def test_every_capability_module_is_found_by_the_registry() -> None:
    from bot.flows import specs

    assert len(specs()) == len(capabilities())


# Rule 6: words live in the catalogs. No word list for people to type is written in the flows
# or the engine (carrier keywords such as STOP are the channels' protocol, at the edge).
WORD_LIST = re.compile(r"^[A-Z_]*(WORDS|GREETINGS|FILLER)\b\s*=", re.M)


@pytest.mark.parametrize(
    "path",
    sorted([*(BOT / "flows").rglob("*.py"), *(BOT / "engine").glob("*.py")]),
    ids=lambda p: str(p.relative_to(BOT)),
)
def test_no_trigger_words_in_code(path: Path) -> None:
    assert not WORD_LIST.search(path.read_text(encoding="utf-8")), f"{path.name} lists words"


# Rule 8: every module imports on its own: each is imported first in a clean module table (a
# circular import shows only then), in one child interpreter so the suite stays fast.
ALONE = """
import importlib, sys
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "bot" or m.startswith("bot.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as error:
        failed.append(f"{name}: {type(error).__name__}: {error}")
print(chr(10).join(failed))
"""


def module_names() -> list[str]:
    names = []
    for path in modules():
        parts = path.relative_to(BOT.parent).with_suffix("").parts
        if parts[-1] == "__main__":
            continue  # runs the command line when imported
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_imports_on_its_own() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", ALONE, *module_names()],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert result.stdout.strip() == "", result.stdout
