"""`keyperson agency add|list`: record a communication with an outside agency about a child,
and tell the family at once (or, with --not-yet, before it happens)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from zoneinfo import ZoneInfo

from bot.commands import Admin
from bot.domain.agencies import ChildOnFile

USAGE_EXIT = 2


def text(value: str) -> str:
    """A text argument that must say something."""
    cleaned = " ".join(value.split())
    if not cleaned:
        raise argparse.ArgumentTypeError("must not be empty")
    return cleaned


def day(value: str) -> date:
    """A --when as YYYY-MM-DD (or DD/MM/YYYY)."""
    from bot.admin.agencies import parse_day

    try:
        return parse_day(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `agency add` and `agency list`."""
    agency = commands.add_parser(
        "agency",
        help="record a communication with an outside agency and tell the family",
        description="Record any communication with an outside agency about a child (a health "
        "visitor, the speech and language therapy service…). The family is told at once, in "
        "plain words and their language; with --not-yet it is recorded as planned and they are "
        "told before it happens. Nothing is recorded as shared unless a carer with "
        "receives_information = yes can be told.",
    )
    verbs = agency.add_subparsers(dest="verb", required=True, metavar="add|list")
    adding = verbs.add_parser(
        "add",
        help="record it and tell the family",
        description="Record a communication with an outside agency and send the family a "
        "notice in the same step. Exit 1, with nothing recorded, if no carer can be told.",
    )
    adding.add_argument("--child", required=True, type=text, metavar="REF", help="child_ref")
    adding.add_argument("--agency", required=True, type=text, help='who, e.g. "health visitor"')
    adding.add_argument(
        "--what",
        required=True,
        type=text,
        help='what was (or will be) shared, as the family will read it, e.g. "we shared '
        "Wrenna's two-year check notes\"",
    )
    adding.add_argument(
        "--when", type=day, metavar="YYYY-MM-DD", help="the day it happened (or will happen)"
    )
    adding.add_argument(
        "--not-yet",
        action="store_true",
        help="it has not happened yet: record it as planned and tell the family before",
    )
    adding.add_argument(
        "--as-written",
        action="store_true",
        help="send the words as written even if the plain-words check flags some",
    )
    adding.set_defaults(handler=run_add)
    listing = verbs.add_parser(
        "list",
        help="what went to which agency, and when the family was told",
        description="Agency contacts, oldest first: child, agency, what, when, and which "
        "carers were told, on which channel and when.",
    )
    listing.add_argument("--child", type=text, metavar="REF", help="only this child")
    listing.set_defaults(handler=run_list)


def fail(message: str, code: int = 1) -> int:
    print(f"keyperson: {message}", file=sys.stderr)
    return code


def plain_problems(words: str) -> list[str]:
    """The plain-words check's findings, one line each, for a command's text."""
    from bot.language.plain import Glossary

    return [f'"{f.found}": {f.reason}' for f in Glossary.load().check(words)]


async def find_child(admin: Admin, ref: str) -> ChildOnFile | None:
    async with admin.db.reading() as repos:
        return await repos.agencies.child(admin.setting_id, ref)


async def run_add(args: argparse.Namespace, admin: Admin) -> int:
    """Record the contact and queue the family's notices in one transaction."""
    from bot.admin.agencies import FromCommand
    from bot.flows.agencies import tell_family
    from bot.language.plain import Glossary

    today = admin.clock().astimezone(ZoneInfo(admin.profile.time_zone)).date()
    if args.when is not None and args.not_yet and args.when < today:
        return fail(f"--when {args.when} is in the past: without --not-yet it records what "
                    "already happened", USAGE_EXIT)  # fmt: skip
    if args.when is not None and not args.not_yet and args.when > today:
        return fail(f"--when {args.when} is after today: add --not-yet to tell the family "
                    "before it happens", USAGE_EXIT)  # fmt: skip
    problems = [] if args.as_written else plain_problems(args.what)
    if problems:
        for line in problems:
            print(f"plain words: {line}", file=sys.stderr)
        return fail("nothing was recorded or sent: write it plainly, or add --as-written")
    child = await find_child(admin, args.child)
    if child is None:
        return fail(f"no child {args.child} on file (child_ref in families.csv)")
    applier = FromCommand(admin.profile, admin.setting_id)
    now = admin.clock()
    async with admin.db.transaction() as repos:
        family = await repos.agencies.family(child.id)
        effects = tell_family(
            child, args.agency, args.what, args.when, args.not_yet, family, Glossary.load()
        )
        if effects is None:
            return fail(nobody(child))
        await applier.apply(repos, effects, now)
    told = [f"{c.name} ({c.relationship}) by {' and '.join(c.channels)}"
            for c in family if c.can_be_told]  # fmt: skip
    kind = "planned" if args.not_yet else "recorded"
    print(f"{kind}: {child.full_name} ({child.ref}), {args.agency}")
    print(f"family told: {'; '.join(told)}{held(admin)}")
    return 0


def held(admin: Admin) -> str:
    """Say when the notices will arrive if the families' quiet hours hold them now."""
    from bot.domain.time import quiet_end

    local = admin.clock().astimezone(ZoneInfo(admin.profile.time_zone))
    until = quiet_end(admin.profile.quiet, local)
    if until is None:
        return ""
    day = "today" if until.date() == local.date() else "tomorrow"
    return f" (it is their quiet hours: the messages go {day} at {until:%H:%M})"


def nobody(child: ChildOnFile, kept: str = "nothing was recorded as shared") -> str:
    """Why no carer can be told, and what was therefore not kept."""
    return (
        f"nobody in {child.full_name}'s family can be told now (no carer with "
        "receives_information = yes who has a phone or Telegram that has not sent STOP): "
        f"{kept}"
    )


async def run_list(args: argparse.Namespace, admin: Admin) -> int:
    from bot.admin.agencies import agency_lines

    child_id = None
    if args.child is not None:
        child = await find_child(admin, args.child)
        if child is None:
            return fail(f"no child {args.child} on file (child_ref in families.csv)")
        child_id = child.id
    async with admin.db.reading() as repos:
        rows = await repos.agencies.contacts(admin.setting_id, child_id)
    print("\n".join(agency_lines(rows, admin.profile)))
    return 0
