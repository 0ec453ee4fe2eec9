"""Reply codes: the short code (#K7QM2) that names one family's conversation for staff."""

from __future__ import annotations

import secrets

# Reply codes avoid letters and digits that are easy to confuse on a small screen.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# Five characters: 31**5 = 28.6 million codes, so guessing one is hopeless with the limit on
# wrong codes (bot.flows.steps.codes); threads opened with three-character codes keep them.
CODE_LENGTH = 5


def new_code(length: int = CODE_LENGTH) -> str:
    """A random reply code such as K7QM2."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
