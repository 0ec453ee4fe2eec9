"""`keyperson report broadcast B-3`: where one broadcast stands."""

from __future__ import annotations

import argparse
import sys

from bot.commands import Admin

NAME = "broadcast"
HELP = (
    "broadcast B-3: who it reached, and its messages delivered, sent (no receipt yet), waiting, "
    "failed and held back after a STOP; who did not get it and why; and, when it asked, how "
    "many families confirmed they had seen it and the reminders."
)


async def report(args: argparse.Namespace, admin: Admin) -> int:
    from bot.admin.broadcast_report import broadcast_report
    from bot.domain.broadcasts import number_of

    number = number_of(args.ref or "")
    if number is None:
        print("keyperson: report broadcast: give its reference, such as B-3", file=sys.stderr)
        return 2
    async with admin.db.reading() as repos:
        counts = await repos.broadcasts.counts(admin.setting_id, number)
    if counts is None:
        print(f"keyperson: report broadcast: there is no broadcast B-{number}", file=sys.stderr)
        return 1
    print("\n".join(broadcast_report(counts, admin.profile)))
    return 0
