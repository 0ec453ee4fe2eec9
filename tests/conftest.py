"""Shared fixtures: the example setting, the shared external data, people for flow tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.domain.people import Carer, ChildLink, StaffMember
from bot.domain.setting import SettingProfile, load_profile
from bot.storage.sqlite.database import Database

ROOT = Path(__file__).resolve().parent.parent
EXTERNAL = ROOT.parent / "shared" / "external"


@pytest.fixture(scope="session")
def profile() -> SettingProfile:
    """The shipped example setting."""
    return load_profile(ROOT / "setting.example.toml")


@pytest.fixture(autouse=True)
async def _databases_closed(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """Close every database a test opened, even one that failed before it could: an open
    aiosqlite connection keeps its thread alive, and pytest would wait for it at exit."""
    opened: list[Database] = []
    real_open = Database.open

    async def open_and_remember(self: Database) -> None:
        opened.append(self)
        await real_open(self)

    monkeypatch.setattr(Database, "open", open_and_remember)
    yield
    for db in opened:
        with contextlib.suppress(Exception):
            await db.close()


@pytest.fixture(scope="session")
def external() -> Path:
    """Third-party test data shipped beside the repository."""
    assert EXTERNAL.is_dir(), f"missing {EXTERNAL}: the shared folder must sit beside the repo"
    return EXTERNAL


def child(
    child_id: int = 1,
    name: str = "Amelia",
    key_person: int | None = 10,
    key_person_name: str | None = "Tom",
    *,
    relationship: str = "mum",
    informed: bool = True,
) -> ChildLink:
    """A child as one carer sees them."""
    return ChildLink(
        child_id, f"C{child_id}", name, key_person, key_person_name, relationship, informed
    )


def carer(*children: ChildLink, carer_id: int = 100, name: str = "Laura") -> Carer:
    """A carer linked to these children (Amelia with key person Tom by default)."""
    return Carer(carer_id, f"P{carer_id}", name, "+447700900101", "en", children or (child(),))


def staff(
    staff_id: int = 10, name: str = "Tom", roles: tuple[str, ...] = ("key_person",)
) -> StaffMember:
    """A member of staff."""
    return StaffMember(staff_id, f"S{staff_id}", name, roles, "+447700900004", ("en",))


@pytest.fixture(autouse=True)
def _no_test_stops_pytest(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A served app whose supervised task dies stops its process with SIGTERM (bot.web's
    stop_process), which is right for a server and wrong inside pytest: the run would end
    silently, with no summary. Here the signal is recorded instead, and the test fails with
    the reason."""
    import signal

    raised: list[int] = []
    monkeypatch.setattr(signal, "raise_signal", raised.append)
    yield
    assert raised == [], f"a served app asked to stop its process (signal {raised}): a task died"
