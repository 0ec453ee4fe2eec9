"""The plain-words step shared by every flow that sends staff's own words to families.

text ──check──► no flags ──► carry on
             └─► flags ──► question: use the plain word (one tap each) / send as it is / edit
                 └─► a plain word taken ──► the final text shown: send / edit
The check flags and suggests; it never blocks and never changes the text by itself.
"""

from __future__ import annotations

from typing import Any

from bot.domain.messages import Choice, Text
from bot.flows.base import Reply

KEEP = "keep"
SEND = "send"
EDIT = "edit"
CANCEL = "cancel"
USE = "use:"


def flags(glossary: Any, text: str, to_many: bool = False) -> tuple[Any, ...]:
    """The glossary's flags for `text` (none without a glossary or a text)."""
    if glossary is None or not text.strip():
        return ()
    return tuple(glossary.check(text, to_many=to_many))


def question(found: tuple[Any, ...], edit_label: Text, cancel_label: Text) -> Reply:
    """The question listing what was flagged, with a one-tap plain alternative for each."""
    lines = tuple(
        Text(
            f"plain.line_{f.kind}",
            {"found": f.found, "suggestion": f.suggestion, "reason": f.reason},
        )
        for f in found
    )
    choices = [
        Choice(f"{USE}{i}", Text("plain.use", {"found": f.found, "suggestion": f.suggestion}))
        for i, f in enumerate(found)
        if f.suggestion
    ]
    choices += [
        Choice(KEEP, Text("plain.keep")),
        Choice(EDIT, edit_label),
        Choice(CANCEL, cancel_label),
    ]
    return Reply(Text("plain.found", {"lines": lines}), tuple(choices))


def accepted(glossary: Any, text: str, key: str, to_many: bool = False) -> str | None:
    """The text with the flag a "use:N" answer names replaced, or None for another answer."""
    if not key.startswith(USE) or not key[len(USE) :].isdigit():
        return None
    found = flags(glossary, text, to_many)
    index = int(key[len(USE) :])
    if not 0 <= index < len(found):
        return None
    return str(glossary.accept(text, found[index]))


def final(message: Text, edit_label: Text, cancel_label: Text) -> Reply:
    """The message as it will go, once plain words were taken, to send or change."""
    choices = (
        Choice(SEND, Text("plain.send")),
        Choice(EDIT, edit_label),
        Choice(CANCEL, cancel_label),
    )
    return Reply(Text("plain.final", {"message": message}), choices)
