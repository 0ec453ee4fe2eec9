"""Shared fixtures: the example setting, the shared external data, people for flow tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SettingProfile, load_profile
from bot.domain import Carer, ChildLink, StaffMember

ROOT = Path(__file__).resolve().parent.parent
EXTERNAL = ROOT.parent / "shared" / "external"


@pytest.fixture(scope="session")
def profile() -> SettingProfile:
    """The shipped example setting."""
    return load_profile(ROOT / "setting.example.toml")


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
