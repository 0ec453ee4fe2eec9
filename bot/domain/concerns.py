"""A concern as flows and reports see it (kept by the concerns repository)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Concern references are C-<number>; a setting's first is C-1001.
FIRST_CONCERN_NUMBER = 1001


@dataclass(frozen=True, slots=True)
class ConcernInfo:
    """One concern as flows and reports see it, with the names to show."""

    id: int
    setting_id: int
    number: int
    child_id: int | None
    child: str  # the child's first name ("" when not on file)
    child_full: str  # "First Last", for reports
    carer_id: int
    carer: str  # "Laura Hughes (mum)"
    informed: bool  # whether the carer may be told about the child
    topic: str
    urgency: str
    words: str
    answer_by: str
    staff: tuple[int, ...]  # whom it was routed to
    stage: str
    opened_at: datetime
    acknowledge_by: datetime | None  # None while a draft
    acknowledged_at: datetime | None
    acknowledged_by: int | None
    acknowledged_by_name: str | None
    closed_at: datetime | None
    summary: str | None
    satisfaction: str | None
    photo: str | None = None  # a Telegram file id sent with the words
    subject_carer_id: int | None = None  # a carer the DSL named as the subject: told nothing

    @property
    def reference(self) -> str:
        return f"C-{self.number}"
