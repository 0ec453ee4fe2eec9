"""`keyperson reminders [--days N]`: the reminders due in the next N days, as people read them."""

from __future__ import annotations

import argparse
from datetime import timedelta

from bot.commands import Admin

DEFAULT_DAYS = 14


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `reminders` subcommand."""
    parser = commands.add_parser(
        "reminders",
        help="list the reminders due in the next days (review and workshop reminders)",
        description=(
            "Lists each reminder due in the next N days: its time in the setting's time zone "
            "with the UTC offset, its kind, the child or event, and who gets it."
        ),
    )
    parser.add_argument(
        "--days", type=_days, default=DEFAULT_DAYS, help="how many days ahead (default 14)"
    )
    parser.set_defaults(handler=run)


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--days takes a whole number, not {text!r}") from None
    if days <= 0:
        raise argparse.ArgumentTypeError("--days must be 1 or more")
    return days


async def run(args: argparse.Namespace, admin: Admin) -> int:
    """Print the upcoming reminders, one line per moment and event, with their recipients."""
    from bot.admin.reminders import upcoming_lines

    now = admin.clock()
    async with admin.db.reading() as repos:
        lines = await upcoming_lines(
            repos, admin.setting_id, admin.profile, now, now + timedelta(days=args.days)
        )
    print("\n".join(lines) if lines else f"No reminders due in the next {args.days} days.")
    return 0
