"""Matching a typed answer to the choices a person was offered: "1", "yes" and "Yes!" agree."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import ChoiceStyle, RenderedChoice
from bot.i18n import normalise_answer


def match_choice(text: str, offered: Sequence[RenderedChoice]) -> str | None:
    """The key of the offered choice a reply names by number, label or key, if any."""
    answer = normalise_answer(text)
    # Only options can be typed; buttons-only choices are pressed, never numbered.
    offered = [c for c in offered if c.style is ChoiceStyle.OPTION]
    if not answer or not offered:
        return None
    if answer.isdigit():
        index = int(answer) - 1
        return offered[index].key if 0 <= index < len(offered) else None
    for choice in offered:
        if answer in (normalise_answer(choice.label), normalise_answer(choice.key)):
            return choice.key
    return None
