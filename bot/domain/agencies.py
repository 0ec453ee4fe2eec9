"""Outside agencies and referrals: what was shared with whom, a family's consent and views.

Records a flow writes (Write) and rows flows and reports read, kept by the agencies
repository. A referral's reference is R-<number>; a setting's first is R-1001.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

FIRST_REFERRAL_NUMBER = 1001
# A carer's answers to a referral, as kept; the latest of yes/no/withdrawn is their consent.
ANSWERS = ("yes", "no", "questions", "withdrawn")
CONSENTS = ("yes", "no", "withdrawn")


def referral_reference(number: int) -> str:
    """A referral's reference as people read it out: R-1001."""
    return f"R-{number}"


@dataclass(frozen=True, slots=True)
class Told:
    """A carer a notice was queued for, and on which channels."""

    carer_id: int
    channels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reachable:
    """A carer of a child, and whether a notice about the child can reach them now."""

    carer_id: int
    name: str
    relationship: str
    language: str
    informed: bool  # receives_information = yes
    channels: tuple[str, ...]  # where an essential message goes now; () = cannot be told

    @property
    def can_be_told(self) -> bool:
        return self.informed and bool(self.channels)


@dataclass(frozen=True, slots=True)
class ChildOnFile:
    """A child as agency and referral commands find them: by ref, with their key person."""

    id: int
    ref: str
    first_name: str
    last_name: str
    key_person_id: int | None
    send_status: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


# Records (Write).


@dataclass(frozen=True, slots=True)
class AgencyContact:
    """A communication with an outside agency about a child; `planned`: not yet happened
    (the family is told before it does). `told`: whom the notice was queued for."""

    child_id: int
    agency: str
    what: str
    when: date | None
    planned: bool
    told: tuple[Told, ...]


@dataclass(frozen=True, slots=True)
class Referral:
    """A referral of a child to a service, made by staff; the family is asked for consent."""

    number: int
    child_id: int
    to: str
    why: str
    staff_id: int | None  # who made it from a phone (None: the command line)
    told: tuple[Told, ...]


@dataclass(frozen=True, slots=True)
class ReferralAnswer:
    """A carer's answer (the writer is the carer): yes, no, questions or withdrawn, with the
    channel it came on and, for questions, their words."""

    number: int
    answer: str
    channel: str
    words: str = ""


@dataclass(frozen=True, slots=True)
class ReferralViews:
    """What a carer would like the service to know, word for word."""

    number: int
    words: str
    channel: str


@dataclass(frozen=True, slots=True)
class ReferralSent:
    """Staff sent the referral to the service (only with consent)."""

    number: int


# Rows read back.


@dataclass(frozen=True, slots=True)
class NoticeLine:
    """One carer told about a contact or asked about a referral."""

    carer: str  # "Laura Hughes (mum)"
    channels: tuple[str, ...]
    told_at: datetime


@dataclass(frozen=True, slots=True)
class AgencyRow:
    """A recorded agency contact, with whom the family notice went to and when."""

    id: int
    child: str  # "Amelia Hughes"
    child_ref: str
    agency: str
    what: str
    when: date | None
    planned: bool
    recorded_at: datetime
    recorded_by: str
    told: tuple[NoticeLine, ...]


@dataclass(frozen=True, slots=True)
class AnswerLine:
    """One carer's answer to a referral, as kept."""

    carer_id: int
    carer: str
    answer: str  # one of ANSWERS, or "views"
    words: str
    channel: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ReferralRow:
    """A referral with the family's answers, oldest first."""

    number: int
    child_id: int
    child: str  # first name
    child_full: str
    child_ref: str
    key_person_id: int | None
    to: str
    why: str
    staff_id: int | None
    made_at: datetime
    sent_at: datetime | None
    asked: tuple[NoticeLine, ...]
    answers: tuple[AnswerLine, ...]

    @property
    def reference(self) -> str:
        return referral_reference(self.number)

    def consents(self) -> dict[int, str]:
        """Each carer's consent now: their latest yes, no or withdrawn."""
        latest: dict[int, str] = {}
        for line in self.answers:
            if line.answer in CONSENTS:
                latest[line.carer_id] = line.answer
        return latest

    @property
    def state(self) -> str:
        """Where it stands: withdrawn or declined when any carer's latest answer says so
        (one parent's no is enough to stop it), consented when someone said yes, questions
        when the family asked first, else asked; sent once staff sent it (and still agreed)."""
        consents = self.consents()
        if "withdrawn" in consents.values():
            return "withdrawn"
        if "no" in consents.values():
            return "declined"
        if "yes" in consents.values():
            return "sent" if self.sent_at is not None else "consented"
        if any(line.answer == "questions" for line in self.answers):
            return "questions"
        return "asked"

    @property
    def may_be_sent(self) -> bool:
        return self.state in ("consented", "sent")

    def views(self) -> tuple[AnswerLine, ...]:
        return tuple(line for line in self.answers if line.answer == "views")
