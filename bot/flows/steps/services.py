"""What agency and referral notices share: a service named plainly and explained from the
glossary in the reader's language, and the carers a notice about a child goes to.

Only carers with receives_information = yes who can be reached now are told; the record of
what was shared names exactly them (Told), in the same transaction as their notices.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.domain.agencies import ChildOnFile, Reachable, Told
from bot.domain.messages import Choice, LocalTime, Text
from bot.flows.base import Context, Reply
from bot.flows.steps.questions import leave_option

_ARTICLES = ("the ", "a ", "an ")


def plain_name(glossary: Any, name: str) -> str:
    """A service's name with any jargon in it replaced by the glossary's plain words
    ("SALT" → "speech and language therapist"); as written when nothing is flagged."""
    text = " ".join(name.split())
    if glossary is None:
        return text
    flags = [f for f in glossary.check(text) if getattr(f, "suggestion", "")]
    for flag in sorted(flags, key=lambda f: f.start, reverse=True):
        text = str(glossary.accept(text, flag))
    if flags and min(f.start for f in flags) == 0 and text[1:2].islower():
        text = text[:1].lower() + text[1:]  # a plain word at the start is not a sentence's start
    return text


def named(glossary: Any, name: str, language: str) -> str:
    """The name as a reader meets it in a sentence: plain, and in English with "the" before a
    service ("the health visitor"), not before a name ("Leeds City Council")."""
    if language != "en":
        # The glossary's plain words are English: other readers get the name as written,
        # explained under it in their language.
        return " ".join(name.split())
    text = plain_name(glossary, name)
    if not text[:1].islower():
        return text
    if text.casefold().startswith((*_ARTICLES, "our ", "your ", "their ")):
        return text
    return f"the {text}"


def explanation(glossary: Any, name: str, language: str) -> str | None:
    """The glossary's plain explanation of a service, in a language, if it has one."""
    if glossary is None:
        return None
    text = " ".join(name.split())
    lowered = text.casefold()
    for article in _ARTICLES:
        if lowered.startswith(article):
            text = text[len(article) :]
            break
    found = glossary.explain(text, language)
    return str(found) if found else None


def about(glossary: Any, name: str, language: str) -> str:
    """The explanation as a line of its own at the end of a notice's first part, or nothing
    (words, not a Text: the reader's language was chosen already)."""
    found = explanation(glossary, name, language)
    return f"\n{found}" if found else ""


def to_tell(family: Sequence[Reachable]) -> tuple[Reachable, ...]:
    """The carers a notice about the child goes to: informed and reachable now."""
    return tuple(c for c in family if c.can_be_told)


def told(family: Sequence[Reachable]) -> tuple[Told, ...]:
    """Whom the record says was told, and on which channels."""
    return tuple(Told(c.carer_id, c.channels) for c in to_tell(family))


def on_day(day: date | None) -> Text:
    """ "on Thursday 3 December", in the reader's language, or nothing."""
    if day is None:
        return Text("label.raw", {"text": ""})
    return Text("agency.on_day", {"day": LocalTime(day)})


# A staff phone's questions: which child, which service.

# The services a staff phone offers by name (each explained to families from the glossary).
KNOWN = (
    "health visitor",
    "speech and language therapy service",
    "educational psychology service",
    "early help",
    "portage",
    "child development centre",
    "local authority SEND team",
)
KNOWN_KEY = "known:"
OFFERED = 10  # children offered as options; any other is found by name


def which_child(children: Sequence[ChildOnFile], ctx: Context, question: Text) -> Reply:
    """Which child: the staff member's key children offered (else the first few); any child
    may be written by name or ref."""
    staff_id = ctx.staff.id if ctx.staff else None
    mine = [c for c in children if c.key_person_id == staff_id] or list(children)
    choices = tuple(
        Choice(str(c.id), Text("label.raw", {"text": c.full_name})) for c in mine[:OFFERED]
    )
    return Reply(question, (*choices, leave_option()))


def chosen_child(key: str | None, text: str, children: Sequence[ChildOnFile]) -> ChildOnFile | None:
    """The child an answer names: an offered option, or one child's ref, full or first name."""
    found = next((c for c in children if str(c.id) == key), None)
    if found is not None or not text:
        return found
    said = " ".join(text.split()).casefold()
    for field in ("ref", "full_name", "first_name"):
        named = [c for c in children if str(getattr(c, field)).casefold() == said]
        if len(named) == 1:
            return named[0]
    return None


def service_choices() -> tuple[Choice, ...]:
    """The known services as options, then Not now."""
    known = tuple(
        Choice(f"{KNOWN_KEY}{i}", Text("label.raw", {"text": name})) for i, name in enumerate(KNOWN)
    )
    return (*known, leave_option())


def chosen_service(key: str | None, text: str) -> str | None:
    """The service an answer names: an offered one, or the words written."""
    if key is not None and key.startswith(KNOWN_KEY) and key[len(KNOWN_KEY) :].isdecimal():
        index = int(key[len(KNOWN_KEY) :])
        return KNOWN[index] if index < len(KNOWN) else None
    cleaned = " ".join(text.split())
    return cleaned or None
