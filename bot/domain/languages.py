"""What Keyperson keeps about the languages families write in: the last languages their
messages agreed on, and whether (and when) they were asked about a switch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# After being asked once, a family is not asked again about any language for this long.
ASK_AGAIN_AFTER = timedelta(days=30)
# Messages in a row, in one offered language other than the family's, before they are asked.
AGREEING_MESSAGES = 2


@dataclass(frozen=True, slots=True)
class LanguageSeen:
    """A carer's message was found to be written in `language`; `count` messages in a row now
    agree on it (undetermined ones left out)."""

    carer_id: int
    language: str
    count: int


@dataclass(frozen=True, slots=True)
class SwitchAsked:
    """The family was asked whether they would like messages in `language`."""

    carer_id: int
    language: str


@dataclass(frozen=True, slots=True)
class SwitchAnswered:
    """The family answered: yes (their messages now come in `language`) or no."""

    carer_id: int
    language: str
    accepted: bool


@dataclass(frozen=True, slots=True)
class LanguageHistory:
    """A carer's row: the language their last messages agreed on, how many, and the switch
    question asked last (when, about what, and the answer, if any)."""

    seen_language: str | None = None
    seen_count: int = 0
    asked_language: str | None = None
    asked_at: datetime | None = None
    answer: str | None = None  # "yes", "no", or None while unanswered

    def may_ask(self, now: datetime) -> bool:
        """Whether the family may be asked about a switch now (not asked in the last 30 days)."""
        return self.asked_at is None or now - self.asked_at >= ASK_AGAIN_AFTER
