"""Which language a family wrote in: script rules first, then langdetect restricted to the
languages the setting offers, with a fixed seed, and only on a text long enough to judge.

Anything short, mixed or unsure is "und" (undetermined), never a guess: a wrong label tells a
key person the wrong thing, and a wrong switch suggestion asks a family the wrong question.
Names of children and staff are taken out first, so "Zofia" does not make a message Polish.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from langdetect.lang_detect_exception import LangDetectException

UND = "und"
SEED = 0  # langdetect is random; a fixed seed gives one answer per text, run after run

# A script that only one offered language here is written in: its letters settle it.
SCRIPT_LANGUAGE = {"bengali": "bn", "gurmukhi": "pa", "gujarati": "gu", "tamil": "ta"}
_BLOCKS = (
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
    (0x0980, 0x09FF, "bengali"),
    (0x0A00, 0x0A7F, "gurmukhi"),
    (0x0A80, 0x0AFF, "gujarati"),
    (0x0B80, 0x0BFF, "tamil"),
)
# Letters Urdu writes and Arabic does not (ٹ ڈ ڑ ں ے ۓ, the do-chashmi he ھ, he goal ہ), and
# letters Arabic writes that Urdu spells otherwise (ta marbuta ة, Arabic yeh ي and kaf ك,
# alef maksura ى). Persian shares neither list fully: ی ک گ پ چ prove nothing on their own.
URDU_LETTERS = frozenset("ٹڈڑںےۓھہۃ")
ARABIC_SCRIPT = ("ar", "fa", "ur")
ARABIC_LETTERS = frozenset("ةيكى")

# Below this many letters (names and numbers left out) a Latin-script text is not judged.
MIN_LETTERS = 10
# The probability, among the offered languages, that an answer must reach.
MIN_CONFIDENCE = 0.90
# From this many words langdetect's letter statistics judge alone; below it (a parent's short
# reply) each word's frequency in each language (wordfreq) counts too, which two words need.
LONG_WORDS = 5
# Letters each Latin-script language writes beyond a-z: one it does not write counts against it
# (a soft rule: a name or a loanword may bring one in).
ALPHABETS = {
    "en": "",
    "so": "",
    "pl": "ąćęłńóśźż",
    "ro": "ăâîșşțţ",
    "tr": "çğıöşüâîû",
    "lt": "ąčęėįšųūž",
    "es": "áéíñóúü",
    "pt": "áàâãçéêíóôõúü",
}
FOREIGN_LETTER = 6.0  # natural-log penalty for each letter outside a language's alphabet
LANGDETECT_WEIGHT = 0.3  # langdetect is overconfident on two words: its log-probability weighs less
UNKNOWN_WORD_ZIPF = 2.0  # a word a language's list lacks counts as this rare (Zipf scale)
NO_LIST_ZIPF = 3.0  # each word, for a language wordfreq has no list for (Somali)
WORDLIST = "small"  # wordfreq's lists of the commoner words: less memory, loaded in a blink
# A script decides only when most letters are in it.
SCRIPT_SHARE = 0.6

_URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
_NOT_LETTER = re.compile(r"[\W\d_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Detection:
    """A language code (or "und") and how sure the detector is, from 0 to 1."""

    code: str
    confidence: float

    @property
    def determined(self) -> bool:
        """Whether a language was found."""
        return self.code != UND


UNDETERMINED = Detection(UND, 0.0)


def _script(char: str) -> str:
    point = ord(char)
    for low, high, name in _BLOCKS:
        if low <= point <= high:
            return name
    if char.isascii() or 0x00C0 <= point <= 0x024F or 0x1E00 <= point <= 0x1EFF:
        return "latin"
    return "other"


def without_names(text: str, names: Iterable[str]) -> str:
    """The text with each name (a child's, a member of staff's) taken out, whole words only,
    whatever its case; longer names first so "Anna Maria" goes before "Anna"."""
    words = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    for name in words:
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text, flags=re.IGNORECASE)
    return text


def letters(text: str) -> str:
    """The letters of a text, words kept apart by one space (no digits, links or emoji)."""
    text = unicodedata.normalize("NFC", _URL.sub(" ", text))
    return _NOT_LETTER.sub(" ", text).strip()


class Detector:
    """Detects among the offered languages; built once (loading langdetect's profiles)."""

    def __init__(
        self,
        languages: Iterable[str],
        *,
        min_letters: int = MIN_LETTERS,
        min_confidence: float = MIN_CONFIDENCE,
    ) -> None:
        self.languages = tuple(dict.fromkeys(languages))
        self.min_letters = min_letters
        self.min_confidence = min_confidence
        latin = {c for c in self.languages if c not in (*SCRIPT_LANGUAGE.values(), "ar", "ur")}
        # Offered languages are compared with the Latin-script ones Keyperson knows, and only an
        # offered one is an answer: a setting offering English and Polish does not call a
        # Spanish message English because it knows no Spanish.
        latin |= set(ALPHABETS)
        self._factory = _factory(tuple(sorted(latin)))

    def detect(self, text: str, names: Iterable[str] = ()) -> Detection:
        """The language of a text written by a family, or "und" when it cannot be told."""
        plain = letters(without_names(text, names))
        counts = Counter(_script(c) for c in plain if not c.isspace())
        total = sum(counts.values())
        if not total:
            return UNDETERMINED
        script, most = counts.most_common(1)[0]
        if most / total < SCRIPT_SHARE:
            return UNDETERMINED
        if script in SCRIPT_LANGUAGE:
            code = SCRIPT_LANGUAGE[script]
            return Detection(code, 1.0) if code in self.languages and most >= 2 else UNDETERMINED
        if script == "arabic":
            return self._arabic(plain)
        if script == "latin":
            return self._latin(plain, most)
        return UNDETERMINED

    def _arabic(self, plain: str) -> Detection:
        urdu = sum(c in URDU_LETTERS for c in plain)
        arabic = sum(c in ARABIC_LETTERS for c in plain)
        if urdu and not arabic and "ur" in self.languages:
            return Detection("ur", 1.0 if urdu >= 2 else 0.95)
        if arabic and not urdu and "ar" in self.languages:
            return Detection("ar", 1.0 if arabic >= 2 else 0.95)
        if urdu or arabic or not {"ar", "ur"} & set(self.languages):
            return UNDETERMINED  # letters of both: a mixed text
        # No telling letter: the words decide, Persian standing by so that it is not taken
        # for either.
        factory = _factory(ARABIC_SCRIPT)
        detector = factory.create()
        detector.append(plain)
        try:
            found = {p.lang: float(p.prob) for p in detector.get_probabilities()}
        except LangDetectException:
            return UNDETERMINED
        scores = _short_text_scores(plain.split(), found, ARABIC_SCRIPT)
        decided = self._decide(scores)
        return decided if decided.code in self.languages else UNDETERMINED

    def _latin(self, plain: str, count: int) -> Detection:
        if count < self.min_letters or self._factory is None:
            return UNDETERMINED
        found = self._langdetect(plain)
        words = plain.casefold().split()
        if len(words) >= LONG_WORDS or not found:
            scores = {code: math.log(max(p, 1e-9)) for code, p in found.items()}
        else:
            scores = _short_text_scores(words, found, self._factory.get_lang_list())
        found_language = self._decide(scores)
        return found_language if found_language.code in self.languages else UNDETERMINED

    def _langdetect(self, plain: str) -> dict[str, float]:
        assert self._factory is not None
        detector = self._factory.create()
        detector.append(plain)
        try:
            return {p.lang: float(p.prob) for p in detector.get_probabilities()}
        except LangDetectException:
            return {}

    def _decide(self, scores: dict[str, float]) -> Detection:
        """The best language by log-score, if its share of the probability is high enough."""
        if not scores:
            return UNDETERMINED
        top = max(scores.values())
        best = max(scores, key=lambda code: scores[code])
        share = 1.0 / sum(math.exp(v - top) for v in scores.values())
        if share < self.min_confidence:
            return UNDETERMINED
        return Detection(best, round(share, 3))


def _short_text_scores(
    words: list[str], found: dict[str, float], codes: Iterable[str]
) -> dict[str, float]:
    """Log-scores for a short text: langdetect (weighted down), each word's frequency in each
    language, and letters a language does not write."""
    frequency = _word_frequency()
    extra = [c for c in "".join(words) if not c.isascii()]
    scores = {}
    for code in codes:
        score = LANGDETECT_WEIGHT * math.log(max(found.get(code, 0.0), 1e-4))
        alphabet = ALPHABETS.get(code)
        if alphabet is not None:
            score -= FOREIGN_LETTER * sum(c not in alphabet for c in extra)
        for word in words:
            zipf = frequency(word, code) if frequency else None
            if zipf is None:
                zipf = NO_LIST_ZIPF
            score += math.log(10) * (max(zipf, UNKNOWN_WORD_ZIPF) - 9)
        scores[code] = score
    return scores


@lru_cache(maxsize=1)
def _word_frequency() -> Callable[[str, str], float | None] | None:
    """wordfreq's Zipf frequency of a word in a language (None: no list for the language);
    None altogether without wordfreq, when langdetect judges alone."""
    try:
        import wordfreq
    except ImportError:
        return None
    listed = set(wordfreq.available_languages())

    def zipf(word: str, code: str) -> float | None:
        return (
            float(wordfreq.zipf_frequency(word, code, wordlist=WORDLIST))
            if code in listed
            else None
        )

    return zipf


@lru_cache(maxsize=16)
def detector_for(languages: tuple[str, ...]) -> Detector:
    """One detector per set of offered languages, built once (langdetect's profiles load)."""
    return Detector(languages)


@lru_cache(maxsize=16)
def _factory(codes: tuple[str, ...]) -> Any:
    """A langdetect factory that knows only these languages (None for fewer than two: then
    one offered Latin-script language cannot be told from others it does not know)."""
    from langdetect import detector_factory as module
    from langdetect.utils.lang_profile import LangProfile

    folder = Path(module.__file__).parent / "profiles"
    known = [c for c in codes if (folder / c).is_file()]
    if len(known) < 2:
        return None
    factory = module.DetectorFactory()
    for index, code in enumerate(known):
        profile = LangProfile(**json.loads((folder / code).read_text(encoding="utf-8")))
        factory.add_profile(profile, index, len(known))
    factory.set_seed(SEED)
    return factory
