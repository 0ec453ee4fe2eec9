"""The people a message is from, to or about: staff, carers, children, threads."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PersonKind(StrEnum):
    """Whether a contact belongs to a carer or a member of staff."""

    CARER = "carer"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A practitioner, SENCo, manager, DSL or translator."""

    id: int
    ref: str
    name: str
    roles: tuple[str, ...]
    phone: str | None
    languages: tuple[str, ...]
    cover_ref: str | None = None

    @property
    def language(self) -> str:
        """The language they read messages in: the first of their languages in staff.csv."""
        return self.languages[0] if self.languages else "en"


@dataclass(frozen=True, slots=True)
class ChildLink:
    """A child as one carer sees them: the child, the relationship and the carer's rights."""

    child_id: int
    child_ref: str
    first_name: str
    key_person_id: int | None
    key_person_name: str | None
    relationship: str
    receives_information: bool


@dataclass(frozen=True, slots=True)
class Carer:
    """A parent or carer, with the children they are linked to."""

    id: int
    ref: str
    name: str
    phone: str | None
    language: str
    children: tuple[ChildLink, ...] = ()


@dataclass(frozen=True, slots=True)
class ThreadInfo:
    """A relay thread as a flow sees it: who it is with and what it is about."""

    code: str
    carer_id: int
    carer_name: str
    relationship: str
    child_id: int
    child_name: str
    key_person_id: int | None
    receives_information: bool
    language: str = "en"  # the carer's, for what is sent to them


@dataclass(frozen=True, slots=True)
class KeyChild:
    """A child a member of staff may send updates about (their own or a colleague's they cover)."""

    id: int
    first_name: str
    photo_consent: bool
