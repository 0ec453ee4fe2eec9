"""Long text as several messages: cut at the most natural break, and SMS bodies kept within the
1,600 characters Twilio accepts, marked (1/2), (2/2) so the reader knows the order.
"""

from __future__ import annotations

import dataclasses
import re

from bot.domain.messages import Channel, RenderedChoice
from bot.language.choices import sms_lines
from bot.storage.rows import NewOutbox

SMS_LIMIT = 1600  # characters in one message body at Twilio (it bills them as several parts)
# A sentence end: the punctuation (Latin, Arabic, Urdu, Devanagari/Bengali, CJK), closing quotes
# or brackets, then whitespace. Polish, Romanian, Spanish… use the same ". ", "! ", "? ".
SENTENCE_END = re.compile(r"[.!?…؟۔।。！？][\"'”’»)\]]*(?=\s)")


def sms_rows(row: NewOutbox, limit: int = SMS_LIMIT) -> list[NewOutbox]:
    """An outbox row as the SMS rows it must be sent as (itself when it fits): each part is its
    own row, so each part's send outcome is its own; the options go with the last part."""
    if row.channel != Channel.SMS:
        return [row]
    lines = sms_lines([RenderedChoice.from_dict(c) for c in row.choices])
    bodies = sms_bodies(row.body, f"\n\n{lines}" if lines else "", limit)
    if len(bodies) == 1:
        return [row]
    last = len(bodies) - 1
    return [
        dataclasses.replace(row, body=body, choices=row.choices if i == last else [])
        for i, body in enumerate(bodies)
    ]


def sms_bodies(body: str, tail: str = "", limit: int = SMS_LIMIT) -> list[str]:
    """The bodies a text is sent as by SMS, each at most `limit` characters, the last one with
    room for `tail` (the numbered options); several are marked "(1/2) ", "(2/2) "."""
    if len(body) + len(tail) <= limit:
        return [body]
    count = 2
    while True:
        room = limit - len(_mark(count, count))
        parts = split_at_breaks(body, room)
        if tail and parts and len(parts[-1]) + len(tail) > room and len(tail) < room // 2:
            parts[-1:] = split_at_breaks(parts[-1], room - len(tail))
        if len(parts) < 2:
            return parts or [body.strip()]  # only blanks: nothing to send
        if len(parts) <= count:
            return [_mark(i, len(parts)) + part for i, part in enumerate(parts, 1)]
        count = len(parts)


def _mark(number: int, count: int) -> str:
    return f"({number}/{count}) "


def split_at_breaks(text: str, limit: int) -> list[str]:
    """Split text into parts of at most `limit` characters at the most natural break available."""
    if limit < 1:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        if not rest[:limit].strip():
            rest = rest.lstrip()  # a run of blanks longer than a message: nothing to send
            continue
        end, start = _cut(rest, limit)
        parts.append(rest[:end].rstrip())
        rest = rest[start:].lstrip()
    if rest.strip():
        parts.append(rest)
    return parts


def _cut(text: str, limit: int) -> tuple[int, int]:
    """Where the first part ends and the rest begins: the text between is only whitespace."""
    # A break in the first half of the window would leave a stub of a message, so each kind of
    # break is first looked for in the second half; only then anywhere.
    for earliest in (limit // 2, 1):
        found = _break(text, limit, max(1, earliest))
        if found is not None:
            return found
    return limit, limit  # one unbroken word longer than a message


def _break(text: str, limit: int, earliest: int) -> tuple[int, int] | None:
    """The last paragraph, line, sentence or word break ending a part of `earliest`..`limit`."""
    for separator in ("\n\n", "\n"):
        at = text.rfind(separator, earliest, limit + len(separator))
        if at >= earliest and text[:at].strip():
            return at, at + len(separator)
    ends = [m.end() for m in SENTENCE_END.finditer(text, earliest - 1, limit + 1)]
    if ends:
        return ends[-1], ends[-1]
    for at in range(limit, earliest - 1, -1):
        if text[at].isspace() and text[:at].strip():
            return at, at
    return None
