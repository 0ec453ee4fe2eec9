"""Typed answers: a choice named by number, label or key, and the carrier keywords.

"1", "yes" and "Yes!" name the same choice. Carriers read "STOP 🛑", '"stop"' and a full-width
ＳＴＯＰ as STOP, so `carrier_word` reads them the same way before STOP, START or HELP is matched.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from bot.domain.messages import ChoiceStyle, RenderedChoice
from bot.language.catalogs import normalise_answer

# A typed option number: no question offers more than a few dozen options, and int() of a
# long digit string is slow or refused ("²" and "①" are digits to isdigit(), not to int()).
MAX_NUMBER_DIGITS = 3
# Invisible characters a phone may slip into a word: zero-width spaces and joiners, the
# byte-order mark, direction marks (Cf), and combining marks such as emoji variation selectors.
_INVISIBLE = frozenset({"Cf", "Mn", "Me"})
_WORDS = re.compile(r"[^\W_]+")


def match_choice(text: str, offered: Sequence[RenderedChoice]) -> str | None:
    """The key of the offered choice a reply names by number, label or key, if any."""
    answer = normalise_answer(text)
    options = numbered(offered)
    if not answer or not options:
        return None
    if answer.isdecimal():
        # Only decimal digits of any script (Nd) make a number: "²" or "①" stay text.
        if len(answer) > MAX_NUMBER_DIGITS:
            return None
        wanted = int(answer)
        return next((choice.key for number, choice in options if number == wanted), None)
    for _, choice in options:
        if answer in (normalise_answer(choice.label), normalise_answer(choice.key)):
            return choice.key
    return None


def numbered(offered: Sequence[RenderedChoice]) -> list[tuple[int, RenderedChoice]]:
    """The options a person can type, each with its number, in number order.

    Buttons-only choices are pressed, never numbered. A choice keeps the number it was given
    (so "2" names the same child while a question is asked again with fewer options); the
    others are numbered by position, after any number already given.
    """
    options = [c for c in offered if c.style is ChoiceStyle.OPTION]
    given = [c.number for c in options if c.number is not None]
    if not given:
        return list(enumerate(options, 1))
    following = iter(range(max(given) + 1, max(given) + 1 + len(options)))
    pairs = [(c.number if c.number is not None else next(following), c) for c in options]
    return sorted(pairs, key=lambda pair: pair[0])


def sms_lines(offered: Sequence[RenderedChoice]) -> str:
    """The numbered lines an SMS shows for its options ('' when there are none)."""
    return "\n".join(f"{number} {choice.label}" for number, choice in numbered(offered))


def carrier_word(text: str) -> str:
    """The one word a message consists of, upper-cased, as carriers read keywords; else ''.

    NFKC folds full-width and other compatibility forms; invisible characters are dropped;
    punctuation, symbols (emoji) and spaces only separate words.
    """
    folded = unicodedata.normalize("NFKC", text)
    visible = "".join(c for c in folded if unicodedata.category(c) not in _INVISIBLE)
    words = _WORDS.findall(visible)
    return words[0].upper() if len(words) == 1 else ""
