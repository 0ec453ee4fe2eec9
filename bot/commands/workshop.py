"""`keyperson workshop add|invite|cancel`: workshops for families, from the command line."""

from __future__ import annotations

import argparse
import sys
from zoneinfo import ZoneInfo

from bot.commands import Admin

ADD_HELP = (
    'add a workshop and print its reference (W-12): --title, --at "YYYY-MM-DD HH:MM" (the '
    "setting's local time), --where, and optionally --until HH:MM, --online URL, --capacity N "
    "(more yeses go on a waiting list) and --audience (all, room:NAME, send, language:CODE, "
    "child:REF,REF, joined with +; default all)"
)


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `workshop` command and its subcommands."""
    workshop = commands.add_parser("workshop", help="add a workshop, invite families, cancel it")
    verbs = workshop.add_subparsers(dest="verb", required=True)
    new = verbs.add_parser("add", help=ADD_HELP, description=ADD_HELP)
    new.add_argument("--title", required=True, help="what it is about, in plain words")
    new.add_argument("--at", required=True, help='when it starts: "2027-01-21 18:00"')
    new.add_argument("--until", help="when it ends: 19:00 (or a date and time)")
    new.add_argument("--where", required=True, help='where: "the Acorns room"')
    new.add_argument("--online", help="a web address to join from home")
    new.add_argument("--capacity", type=int, help="how many families it has places for")
    new.add_argument("--audience", help="who is invited (default: all)")
    new.set_defaults(handler=run_add)
    invite = verbs.add_parser(
        "invite",
        help="send the invite to the workshop's audience (an ordinary message: it waits for "
        "the families' quiet hours to end); families answer Yes, No or Maybe",
    )
    invite.add_argument("ref", metavar="W-12")
    invite.set_defaults(handler=run_invite)
    cancel = verbs.add_parser(
        "cancel", help="call a workshop off and tell everyone who said yes or maybe"
    )
    cancel.add_argument("ref", metavar="W-12")
    cancel.add_argument("--reason", default="", help="why, in a few plain words")
    cancel.set_defaults(handler=run_cancel)


def _problem(verb: str, error: Exception) -> int:
    print(f"keyperson: workshop {verb}: {error}", file=sys.stderr)
    return 2


async def run_add(args: argparse.Namespace, admin: Admin) -> int:
    from bot.admin.workshops import WorkshopProblem, new_workshop, plain_notes
    from bot.admin.workshops import add as keep

    now = admin.clock()
    try:
        new = new_workshop(
            admin.profile,
            now,
            title=args.title,
            at=args.at,
            until=args.until,
            where=args.where,
            online=args.online,
            capacity=args.capacity,
            audience=args.audience,
        )
        number = await keep(admin.db, admin.setting_id, admin.profile, now, new)
    except WorkshopProblem as error:
        return _problem("add", error)
    print(f"W-{number}")
    for note in plain_notes(f"{new.title}\n{new.place}"):
        print(note, file=sys.stderr)
    return 0


async def run_invite(args: argparse.Namespace, admin: Admin) -> int:
    from bot.admin.workshops import WorkshopProblem, invite, missed_line

    now = admin.clock()
    try:
        done = await invite(admin.db, admin.setting_id, admin.profile, now, args.ref)
    except WorkshopProblem as error:
        return _problem("invite", error)
    ref, reach = done.workshop.reference, done.reach
    when = "now"
    if done.due > now:
        local = done.due.astimezone(ZoneInfo(admin.profile.time_zone))
        when = f"at {local:%a %d %b %H:%M}, when the families' quiet hours end"
    print(
        f"{ref}: the invite goes {when} to {reach.families} families ({reach.carers} carers); "
        f"{done.newly} newly invited."
    )
    missed = missed_line(reach)
    if missed:
        print(missed)
    return 0


async def run_cancel(args: argparse.Namespace, admin: Admin) -> int:
    from bot.admin.workshops import WorkshopProblem, cancel

    try:
        workshop, told = await cancel(
            admin.db, admin.setting_id, admin.profile, admin.clock(), args.ref, args.reason
        )
    except WorkshopProblem as error:
        return _problem("cancel", error)
    print(f"{workshop.reference} is cancelled; {told} families who said yes or maybe are told.")
    return 0
