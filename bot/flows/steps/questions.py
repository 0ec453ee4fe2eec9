"""What questions share: Not now, answers that say nothing, and "which child?".

Every question offers a way out ("Not now"; on SMS a numbered option, or the words NOT NOW or
BACK where the answer is free text: the catalogs' trigger.leave), never an SMS opt-out word
such as CANCEL or STOP.
"""

from __future__ import annotations

from bot.domain.messages import Choice, ChoiceStyle, Text
from bot.domain.people import ChildLink
from bot.flows.base import LEAVE, Keywords
from bot.language.catalogs import normalise_answer

OTHER = "other"  # the answer to "which child?" for children a carer may not be told about


def leave_option() -> Choice:
    """ "Not now" as one of a question's options (a button; a numbered line on SMS)."""
    return Choice(LEAVE, Text("choice.not_now"))


def leave_button() -> Choice:
    """ "Not now" under a question answered in free text: a button only; SMS says the words."""
    return Choice(LEAVE, Text("choice.not_now"), ChoiceStyle.TAP)


def answers_nothing(text: str, words: Keywords) -> bool:
    """Whether a reply holds nothing to pass on: blank, only digits or marks, or a filler word
    ("ok", "thanks": the catalogs' trigger.filler)."""
    word = normalise_answer(text)
    return not word or words.said("filler", word) or not any(c.isalpha() for c in word)


def which_children(children: tuple[ChildLink, ...]) -> dict[str, tuple[ChildLink, ...]]:
    """The answers a carer can give to "which child?": each child they may be told about, by
    id, and one answer (OTHER) for all those they may not, who are never named to them."""
    answers: dict[str, tuple[ChildLink, ...]] = {
        str(c.child_id): (c,) for c in children if c.receives_information
    }
    unnamed = tuple(c for c in children if not c.receives_information)
    if unnamed:
        answers[OTHER] = unnamed
    return answers


def child_choices(children: tuple[ChildLink, ...]) -> list[Choice]:
    """One choice per answer to "which child?": the child's name, or "Another child"."""
    return [
        Choice(key, Text("relay.choice_other"))
        if key == OTHER
        else Choice(key, Text("label.raw", {"text": chosen[0].first_name}))
        for key, chosen in which_children(children).items()
    ]
