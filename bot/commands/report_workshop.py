"""`keyperson report workshop W-12`: invited, delivered, each answer, and what would help."""

from __future__ import annotations

import argparse
import sys

from bot.commands import Admin

NAME = "workshop"
HELP = (
    "workshop W-12: invited, delivered, yes, no, maybe, waiting, no answer, and how many said "
    "what would help them come (another time, online, childcare, an interpreter, their words)."
)


async def report(args: argparse.Namespace, admin: Admin) -> int:
    from bot.admin.workshops import WorkshopProblem, number_of, report_lines

    try:
        if args.ref is None:
            raise WorkshopProblem("name the workshop: keyperson report workshop W-12")
        number = number_of(args.ref)
        async with admin.db.reading() as repos:
            workshop = await repos.workshops.by_number(admin.setting_id, number)
            counts = await repos.workshops.report(admin.setting_id, number)
        if workshop is None or counts is None:
            raise WorkshopProblem(f"there is no workshop W-{number}")
    except WorkshopProblem as error:
        print(f"keyperson: report workshop: {error}", file=sys.stderr)
        return 2
    print("\n".join(report_lines(workshop, counts, admin.profile)))
    return 0
