"""`keyperson visit add|list|move|cancel`: professionals' visits about a child, each told to
the family in advance (the running server sends the notice within a minute)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.commands import Admin, day_argument

WHEN = "'YYYY-MM-DD HH:MM'"


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `visit` and its subcommands to the `keyperson` subparsers."""
    visit = commands.add_parser(
        "visit",
        help="record, list, move or cancel a professional's visit about a child",
        description="Record a professional's visit about a child. The family (every carer "
        "with receives_information = yes) is told in plain words and their language who is "
        "coming, why, when and where, and can answer; they are reminded the day before at "
        "[reminders] time. Times are in the setting's time zone.",
    )
    verbs = visit.add_subparsers(dest="verb", required=True, metavar="VERB")
    new = verbs.add_parser(
        "add",
        help="record a visit and tell the family; prints its reference (V-12)",
        description="Record a visit and tell the family. Prints the reference (V-12).",
    )
    new.add_argument("--child", required=True, metavar="REF", help="the child_ref")
    new.add_argument(
        "--who",
        required=True,
        help="who is coming, e.g. 'speech and language therapist' (roles in the glossary are "
        "explained to the family)",
    )
    new.add_argument("--name", default="", help="their name, if known")
    new.add_argument("--at", required=True, metavar=WHEN, help="when, in local time")
    new.add_argument("--why", required=True, help="why, in plain words, as the family reads it")
    where = new.add_mutually_exclusive_group()
    where.add_argument(
        "--where", default="", help="where, e.g. 'at the children's centre' (default: here)"
    )
    where.add_argument("--home", action="store_true", help="a home visit")
    new.set_defaults(handler=run_add)
    listed = verbs.add_parser(
        "list",
        help="visits with their state and each carer's answer",
        description="Visits from a day on (default today), soonest first, with their state "
        "and each carer's last answer.",
    )
    listed.add_argument("--child", metavar="REF", help="only this child's visits")
    listed.add_argument(
        "--from",
        dest="since",
        type=day_argument,
        metavar="YYYY-MM-DD",
        help="from this day (default: today)",
    )
    listed.set_defaults(handler=run_list)
    move = verbs.add_parser(
        "move", help="give a visit a new time and tell the family", description="Move a visit."
    )
    move.add_argument("reference", metavar="V-12")
    move.add_argument("--at", required=True, metavar=WHEN, help="the new time, in local time")
    move.set_defaults(handler=run_move)
    cancel = verbs.add_parser(
        "cancel", help="cancel a visit and tell the family", description="Cancel a visit."
    )
    cancel.add_argument("reference", metavar="V-12")
    cancel.add_argument("--reason", default="", help="why, as the family will read it")
    cancel.set_defaults(handler=run_cancel)


def _problem(error: Exception) -> int:
    print(f"keyperson: {error}", file=sys.stderr)
    return 2


async def run_add(args: argparse.Namespace, admin: Admin) -> int:
    from bot.admin.visits import Request, VisitProblem, add_visit
    from bot.language.plain import Glossary

    request = Request(args.child, args.who, args.at, args.why, args.name, args.where, args.home)
    try:
        info = await add_visit(admin.db, admin.setting_id, admin.profile, request, admin.clock())
    except VisitProblem as error:
        return _problem(error)
    print(info.reference)
    glossary = Glossary.load()
    for flag in glossary.check(info.why):
        # The plain-words check suggests; from the command line it cannot ask, so it says.
        plain = f"; plainer: {flag.suggestion!r}" if flag.suggestion else ""
        said = f"note: --why says {flag.found!r}, which families may not know{plain}"
        print(said, file=sys.stderr)
    if glossary.explain(info.who, "en") is None:
        print(
            f"note: {info.who!r} is not in the glossary, so the family reads it as written",
            file=sys.stderr,
        )
    if not info.family:
        print(f"note: no carer on file may be told about {info.child}", file=sys.stderr)
    return 0


async def run_list(args: argparse.Namespace, admin: Admin) -> int:
    from bot.admin.visits import visit_lines

    zone = ZoneInfo(admin.profile.time_zone)
    day = args.since or admin.clock().astimezone(zone).date()
    since = datetime.combine(day, time(0, 0), tzinfo=zone)
    child_id = None
    async with admin.db.reading() as repos:
        if args.child is not None:
            child = await repos.visits.child(admin.setting_id, args.child)
            if child is None:
                unknown = f"--child {args.child!r}: no child on file has this ref"
                return _problem(ValueError(unknown))
            child_id = child.id
        visits = await repos.visits.listed(admin.setting_id, child_id, since)
    print("\n".join(visit_lines(visits, admin.profile)))
    return 0


async def run_move(args: argparse.Namespace, admin: Admin) -> int:
    from bot.admin.visits import VisitProblem, move_visit

    try:
        info = await move_visit(
            admin.db, admin.setting_id, admin.profile, args.reference, args.at, admin.clock()
        )
    except VisitProblem as error:
        return _problem(error)
    print(f"{info.reference} moved; the family is told")
    return 0


async def run_cancel(args: argparse.Namespace, admin: Admin) -> int:
    from bot.admin.visits import VisitProblem, cancel_visit

    try:
        info = await cancel_visit(
            admin.db, admin.setting_id, args.reference, args.reason, admin.clock()
        )
    except VisitProblem as error:
        return _problem(error)
    print(f"{info.reference} cancelled; the family is told")
    return 0
