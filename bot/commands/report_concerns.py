"""`keyperson report concerns`: per concern, where it stands."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.commands import Admin

NAME = "concerns"
HELP = (
    "concerns: per concern, reference, child, topic, urgency, opened, acknowledge by, "
    "acknowledged (when, by whom), stage, closed and satisfaction (--open: only those not "
    "closed; --since: opened on or after a day; --csv: the same as CSV)."
)


async def report(args: argparse.Namespace, admin: Admin) -> int:
    from bot.admin.concerns import concern_csv, concern_report

    since = None
    if args.since is not None:
        zone = ZoneInfo(admin.profile.time_zone)
        since = datetime.combine(args.since, time(0, 0), tzinfo=zone)
    async with admin.db.reading() as repos:
        rows = await repos.concerns.listed(admin.setting_id, args.open, since)
    if args.csv:
        sys.stdout.write(concern_csv(rows, admin.profile))
    else:
        print("\n".join(concern_report(rows, admin.profile)))
    return 0
