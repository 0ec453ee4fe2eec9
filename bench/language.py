"""Language detection accuracy on short texts: Keyperson's detector against plain langdetect.

Reads `../shared/external/langid/` (300 sentences and 300 two-word strings per language, from
lingua-py's test data) for the fourteen languages Keyperson offers. Keyperson's detector is
given those fourteen as the offered languages; plain langdetect knows its 55 and is seeded the
same. Prints, per language and kind, the share right, wrong and undetermined ("und": an answer
Keyperson gives instead of guessing), then one line of JSON.

Goals: at least 97% right on sentences and 90% on word pairs, wrong under 3%.

    python bench/language.py [--data DIR] [--kind sentences|word-pairs]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.language.detect import SEED, UND, Detector  # noqa: E402

LANGUAGES = ("en", "pl", "ur", "pa", "bn", "ro", "ar", "so", "pt", "es", "lt", "tr", "gu", "ta")
KINDS = ("sentences", "word-pairs")
GOALS = {"sentences": 97.0, "word-pairs": 90.0}
MAX_WRONG = 3.0


def plain_langdetect(text: str) -> str:
    """What langdetect says on its own (all its languages, the same seed)."""
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = SEED
    try:
        return detect(text)
    except LangDetectException:
        return UND


def measure(data: Path, kinds: tuple[str, ...]) -> dict[str, dict[str, dict[str, float]]]:
    """Per kind and language: right, wrong and undetermined shares (%), for both detectors."""
    detector = Detector(LANGUAGES)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for kind in kinds:
        results[kind] = {}
        for code in LANGUAGES:
            lines = (data / kind / f"{code}.txt").read_text(encoding="utf-8").splitlines()
            ours = [detector.detect(line).code for line in lines]
            theirs = [plain_langdetect(line) for line in lines]
            n = len(lines)
            results[kind][code] = {
                "n": n,
                "right": 100 * sum(a == code for a in ours) / n,
                "wrong": 100 * sum(a not in (code, UND) for a in ours) / n,
                "und": 100 * sum(a == UND for a in ours) / n,
                "langdetect": 100 * sum(a == code for a in theirs) / n,
            }
    return results


def table(results: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    """The results as lines of a table, with a total per kind and whether it meets the goal."""
    out = []
    for kind, rows in results.items():
        out.append(f"\n{kind} (goal: {GOALS[kind]:.0f}% right, under {MAX_WRONG:.0f}% wrong)")
        out.append(f"{'lang':<6}{'right':>8}{'wrong':>8}{'und':>8}{'langdetect':>12}")
        for code, row in rows.items():
            flag = "" if row["right"] >= GOALS[kind] and row["wrong"] < MAX_WRONG else "  <"
            out.append(
                f"{code:<6}{row['right']:>7.1f}%{row['wrong']:>7.1f}%{row['und']:>7.1f}%"
                f"{row['langdetect']:>11.1f}%{flag}"
            )
        mean = {k: sum(r[k] for r in rows.values()) / len(rows) for k in next(iter(rows.values()))}
        out.append(
            f"{'all':<6}{mean['right']:>7.1f}%{mean['wrong']:>7.1f}%{mean['und']:>7.1f}%"
            f"{mean['langdetect']:>11.1f}%"
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/external/langid")
    parser.add_argument("--kind", choices=KINDS, action="append")
    args = parser.parse_args()
    started = time.perf_counter()
    results = measure(args.data, tuple(args.kind or KINDS))
    print("\n".join(table(results)))
    print(f"\n{time.perf_counter() - started:.1f} s")
    print(json.dumps({"bench": "language", "results": results}, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
