"""`keyperson detect-language`: the language of each line on standard input, as Keyperson's
detector judges it among the setting's languages (or those `--languages` names)."""

from __future__ import annotations

import argparse
import sys

from bot.commands import Admin


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `keyperson detect-language`."""
    command = commands.add_parser(
        "detect-language",
        help="print the language of each message on standard input (code or und, confidence)",
        description="Read messages one per line on standard input and print, for each, the "
        "language code (or 'und' when a text is too short or unsure to judge) and the "
        "confidence, separated by a tab.",
    )
    command.add_argument(
        "--languages",
        type=_codes,
        metavar="en,pl,…",
        help="comma-separated language codes to choose among (default: setting.toml's)",
    )
    command.set_defaults(handler=run)


def _codes(text: str) -> tuple[str, ...]:
    codes = tuple(c.strip().lower() for c in text.split(",") if c.strip())
    if not codes:
        raise argparse.ArgumentTypeError("name at least one language code, e.g. en,pl")
    return codes


async def run(args: argparse.Namespace, admin: Admin) -> int:
    """Detect each line of standard input."""
    from bot.language.detect import Detector

    detector = Detector(args.languages or admin.profile.languages)
    for line in sys.stdin:
        found = detector.detect(line.rstrip("\n"))
        print(f"{found.code}\t{found.confidence:.2f}", flush=True)
    return 0
