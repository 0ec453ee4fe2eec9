"""Right-to-left languages (Arabic, Urdu): which they are, the direction a message reads in,
and Unicode isolates that keep a Latin-script name from reordering the words around it."""

from __future__ import annotations

import unicodedata

# Languages written right to left among those Keyperson may offer (and their neighbours).
RTL_LANGUAGES = frozenset({"ar", "ur", "fa", "he", "ps", "sd", "ckb", "yi", "dv", "ug"})
FSI = "\u2068"  # first strong isolate: the name takes its own direction, inside…
PDI = "\u2069"  # …until this pop
RLM = "\u200f"  # right-to-left mark: a line that starts with a Latin name still reads RTL
_RTL_CLASSES = frozenset({"R", "AL"})


def is_rtl(language: str | None) -> bool:
    """Whether a language code is written right to left."""
    base = (language or "").replace("_", "-").split("-")[0].lower()
    return base in RTL_LANGUAGES


def isolate(value: str) -> str:
    """A value placed in a right-to-left message (a child's name, a code, a time), isolated so
    that its own direction does not move the words around it."""
    return f"{FSI}{value}{PDI}" if value else value


def lines_rtl(text: str) -> str:
    """Each line of a right-to-left message marked to read RTL, even when it starts with a
    Latin-script name or a code: apps take a line's direction from its first letter, and not
    every app looks past an isolate for it."""
    return "\n".join(
        line if not line or line.startswith(RLM) else RLM + line for line in text.split("\n")
    )


def direction(text: str) -> str:
    """The direction to show a message in: "rtl" when it is written in a right-to-left script
    (most of its letters), else "auto" (the first strong letter decides)."""
    rtl = ltr = 0
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in _RTL_CLASSES:
            rtl += 1
        elif kind == "L":
            ltr += 1
    return "rtl" if rtl > ltr else "auto"
