"""How an SMS body is encoded (GSM 03.38 or UCS-2) and how many parts it is billed as.

Counts follow Twilio's message segment calculator (sms-segments-calculator 1.3.0), whose
test cases are checked in tests/test_sms_segments.py. Smart Encoding is not applied.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# GSM 03.38 default alphabet: the 127 characters of the basic table (ESC excluded).
_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as ESC + a septet, so it costs two septets.
_ESCAPED = frozenset("\f^{}\\[~]|€")
_GSM = _BASIC | _ESCAPED

PART_BITS = 1120  # 140 octets of user data in one SMS
UDH_BITS = 48  # the 6-octet concatenation header on every part of a multi-part message
_BITS_PER_UNIT = {GSM7: 7, UCS2: 16}

_ZWJ = "\u200d"
_ZWNJ = "\u200c"
_CR_LF = frozenset("\r\n")
_SPACING_EXTRA = frozenset("\u0e33\u0eb3")  # Thai and Lao AM: spacing marks that are not Mc
_PREPEND = frozenset("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u08e2")
_PICTOGRAPHIC = (
    (0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x203C, 0x203C), (0x2049, 0x2049),
    (0x2122, 0x2122), (0x2139, 0x2139), (0x2194, 0x21AA), (0x231A, 0x23FF),
    (0x24C2, 0x24C2), (0x25AA, 0x25FE), (0x2600, 0x27BF), (0x2934, 0x2935),
    (0x2B05, 0x2B55), (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3299),
    (0x1F000, 0x1F1E5), (0x1F200, 0x1F3FA), (0x1F400, 0x1FAFF), (0x1FC00, 0x1FFFD),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Segments:
    """How one SMS body travels: its encoding, the parts it is billed as, and its sizes."""

    encoding: str  # "GSM-7" or "UCS-2"
    parts: int  # SMS parts billed; an empty body counts as one part, as the reference does
    # As the reference counts: septets in GSM-7 (an escaped character counts two), grapheme
    # clusters in UCS-2; CR and LF count as two even when they come as a CRLF pair.
    characters: int
    unicode_scalars: int  # code points
    message_size_bits: int  # payload without User Data Headers
    total_size_bits: int  # with the 48-bit header on every part of a multi-part message
    non_gsm7: tuple[str, ...]  # the characters (graphemes) that forced UCS-2, in order, once each


def gsm7_only(text: str) -> bool:
    """Whether every character of the text is in the GSM 03.38 alphabet or its extension."""
    return all(char in _GSM for char in text)


def count_segments(body: str) -> Segments:
    """Encode a body as a carrier would and count the parts it takes."""
    encoding, atoms = _atoms(body)
    unit_bits = _BITS_PER_UNIT[encoding]
    parts = len(_pack(atoms, unit_bits))
    units = sum(cost for _, cost in atoms)
    message_bits = units * unit_bits
    non_gsm = [text for text, _ in atoms if text not in _GSM]
    return Segments(
        encoding=encoding,
        parts=parts,
        characters=units if encoding == GSM7 else len(atoms),
        unicode_scalars=len(body),
        message_size_bits=message_bits,
        total_size_bits=message_bits + (UDH_BITS * parts if parts > 1 else 0),
        non_gsm7=tuple(dict.fromkeys(non_gsm)),
    )


def costly_characters(body: str) -> tuple[str, ...]:
    """The characters (graphemes) outside GSM-7 that a writer could leave out: emoji, curly
    quotes, long dashes and other symbols, but not letters such as Polish ones."""
    return tuple(
        cluster
        for cluster in count_segments(body).non_gsm7
        if not unicodedata.category(cluster[0]).startswith(("L", "M", "N"))
    )


def without(body: str, clusters: tuple[str, ...]) -> str:
    """The body with these graphemes left out."""
    return "".join(c for c in graphemes(body) if c not in clusters)


def split_parts(body: str) -> tuple[str, ...]:
    """The text each SMS part carries, in order (one empty part for an empty body)."""
    encoding, atoms = _atoms(body)
    return tuple("".join(part) for part in _pack(atoms, _BITS_PER_UNIT[encoding]))


def _atoms(body: str) -> tuple[str, list[tuple[str, int]]]:
    """The encoding, and the body as unsplittable pieces with their cost in code units.

    In GSM-7 a piece is one character (an escaped one costs two septets). In UCS-2 a piece is
    a grapheme cluster, so a surrogate pair, an emoji sequence or a letter and its accents
    always travel in the same part; a GSM character still costs one unit there.
    """
    clusters = graphemes(body)
    if all(len(c) == 1 and c in _GSM for c in clusters):
        return GSM7, [(c, 2 if c in _ESCAPED else 1) for c in clusters]
    return UCS2, [(c, 1 if c in _GSM else _utf16_units(c)) for c in clusters]


def _pack(atoms: list[tuple[str, int]], unit_bits: int) -> list[list[str]]:
    """Fill parts in order; a piece that does not fit in the current part starts the next."""
    total = sum(cost for _, cost in atoms) * unit_bits
    room = PART_BITS if total <= PART_BITS else PART_BITS - UDH_BITS
    parts: list[list[str]] = [[]]
    used = 0
    for text, cost in atoms:
        bits = cost * unit_bits
        if used and used + bits > room:
            parts.append([])
            used = 0
        parts[-1].append(text)
        used += bits
    return parts


def _utf16_units(text: str) -> int:
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)


def graphemes(text: str) -> list[str]:
    """Split text into user-perceived characters, close to Unicode's extended grapheme clusters.

    Enough of UAX #29 for SMS counting: combining and spacing marks, variation selectors, skin
    tones, emoji ZWJ sequences, flag pairs, Hangul syllables and prepended marks. CR and LF are
    always clusters of their own, as the reference calculator counts them.
    """
    clusters: list[str] = []
    for char in text:
        if clusters and _joins(clusters[-1], char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def _joins(cluster: str, char: str) -> bool:
    """Whether `char` continues the grapheme cluster that ends `cluster` (no break between)."""
    last = cluster[-1]
    if _control(last) or _control(char):
        return False
    if last in _PREPEND:
        return True
    if _hangul_joins(last, char):
        return True
    if _extends(char):
        return True
    if last == _ZWJ and _pictographic(char):
        return _pictographic(cluster[0])
    return _regional(char) and len(cluster) == 1 and _regional(last)


def _control(char: str) -> bool:
    if char in _CR_LF:
        return True
    category = unicodedata.category(char)
    if category == "Cf":
        return char not in (_ZWJ, _ZWNJ) and char not in _PREPEND and not _tag(char)
    return category in ("Cc", "Zl", "Zp")


def _extends(char: str) -> bool:
    """Grapheme_Extend, ZWJ or SpacingMark: never a break before these."""
    if char in (_ZWJ, _ZWNJ) or char in _SPACING_EXTRA or _tag(char):
        return True
    if 0x1F3FB <= ord(char) <= 0x1F3FF or char in "\uff9e\uff9f":  # skin tones; kana marks
        return True
    return unicodedata.category(char) in ("Mn", "Me", "Mc")


def _tag(char: str) -> bool:
    return 0xE0020 <= ord(char) <= 0xE007F


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _pictographic(char: str) -> bool:
    point = ord(char)
    return any(low <= point <= high for low, high in _PICTOGRAPHIC)


def _hangul(char: str) -> str:
    """The Hangul syllable type of a character: L, V, T, LV, LVT or ''."""
    point = ord(char)
    if 0x1100 <= point <= 0x115F or 0xA960 <= point <= 0xA97C:
        return "L"
    if 0x1160 <= point <= 0x11A7 or 0xD7B0 <= point <= 0xD7C6:
        return "V"
    if 0x11A8 <= point <= 0x11FF or 0xD7CB <= point <= 0xD7FB:
        return "T"
    if 0xAC00 <= point <= 0xD7A3:
        return "LV" if (point - 0xAC00) % 28 == 0 else "LVT"
    return ""


def _hangul_joins(last: str, char: str) -> bool:
    before, after = _hangul(last), _hangul(char)
    if before == "L":
        return after in ("L", "V", "LV", "LVT")
    if before in ("LV", "V"):
        return after in ("V", "T")
    return before in ("LVT", "T") and after == "T"
