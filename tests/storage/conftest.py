"""The storage contract suite's fixtures: every test runs once per backend, through the Protocols
in bot/storage/repos.py only. A new backend (PostgreSQL, say) adds one entry to BACKENDS."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.people import PersonKind
from bot.storage.repos import Store
from bot.storage.rows import FamilyRow, StaffRow

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


async def _sqlite(folder: Path) -> Store:
    from bot.storage.sqlite.database import Database

    db = Database(folder / "contract.db")
    await db.open()
    return db


BACKENDS: dict[str, Callable[[Path], Awaitable[Store]]] = {"sqlite": _sqlite}


@pytest.fixture(params=sorted(BACKENDS))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """An empty, migrated store of each backend."""
    opened = await BACKENDS[request.param](tmp_path)
    yield opened
    await opened.close()


@dataclass(frozen=True)
class OnFile:
    """The people the contract tests use: one setting, two staff, one carer of two children."""

    setting_id: int
    key_person: int  # staff S01, key person of both children
    manager: int  # staff S02, role manager, covering S01
    carer: int  # P01, on SMS at CARER_PHONE
    amelia: int
    noah: int


CARER_PHONE = "+447400200001"
KEY_PERSON_PHONE = "+447700900001"


def family(child: str, first: str, **changes: object) -> FamilyRow:
    """One row of a families file for the carer P01."""
    row = dict(
        child_ref=child, child_first_name=first, child_last_name="Hughes",
        date_of_birth="2022-03-14", room="Acorns", key_person_ref="S01", send_status="none",
        carer_ref="P01", carer_name="Laura Hughes", relationship="mum", phone=CARER_PHONE,
        language="en", receives_information=True,
    ) | changes  # fmt: skip
    return FamilyRow(**row)  # type: ignore[arg-type]


@pytest.fixture
async def on_file(store: Store) -> OnFile:
    """A setting with staff and a family on file, written through the roster repository."""
    async with store.transaction() as repos:
        setting_id = await repos.settings.upsert("main", "Little Acorns", "{}", NOW)
        key_person = await repos.roster.upsert_staff(
            setting_id,
            StaffRow("S01", "Tom Baker", ("key_person",), KEY_PERSON_PHONE, ("en",), None),
        )
        manager = await repos.roster.upsert_staff(
            setting_id, StaffRow("S02", "Priya Shah", ("manager",), None, ("en",), "S01")
        )
        carer = await repos.roster.upsert_family(setting_id, family("C01", "Amelia"))
        await repos.roster.upsert_family(setting_id, family("C02", "Noah"))
        await repos.roster.hold_phone(setting_id, CARER_PHONE, [carer])
    async with store.reading() as repos:
        found = await repos.people.carer(carer)
        kinds = await repos.links.owner_of_phone(setting_id, CARER_PHONE)
    assert kinds == (PersonKind.CARER, carer)
    ids = {link.first_name: link.child_id for link in found.children}
    return OnFile(setting_id, key_person, manager, carer, ids["Amelia"], ids["Noah"])
