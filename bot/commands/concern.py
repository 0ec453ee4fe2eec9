"""`keyperson concern subject C-1042 --carer P06`: the DSL names the carer a concern is about;
Keyperson then sends that carer no updates on it (as SUBJECT C-1042 does from a phone)."""

from __future__ import annotations

import argparse
import re
import sys

from bot.commands import Admin
from bot.storage.rows import Writer

_REFERENCE = re.compile(r"^\s*C-?(\d{4,7})\s*$", re.IGNORECASE)


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `keyperson concern subject`."""
    concern = commands.add_parser("concern", help="act on a concern by its reference")
    actions = concern.add_subparsers(dest="concern_action", required=True)
    subject = actions.add_parser(
        "subject",
        help="name the carer a concern is about (a safeguarding concern about a parent): they "
        "get no updates on it from now on",
    )
    subject.add_argument("reference", help="the concern's reference, e.g. C-1042")
    subject.add_argument(
        "--carer", required=True, metavar="REF", help="the carer's carer_ref in families.csv"
    )
    subject.set_defaults(handler=run)


async def run(args: argparse.Namespace, admin: Admin) -> int:
    """Mark the subject, or say clearly why not (exit 2)."""
    from bot.flows.concern_subject import Subject

    found = _REFERENCE.match(args.reference)
    if found is None:
        print(f"{args.reference!r} is not a concern reference (C- and digits)", file=sys.stderr)
        return 2
    number, ref = int(found.group(1)), f"C-{found.group(1)}"
    now = admin.clock()
    async with admin.db.transaction() as repos:
        if await repos.concerns.by_number(admin.setting_id, number) is None:
            print(f"there is no concern {ref}", file=sys.stderr)
            return 2
        carers = await repos.concerns.carers_of(admin.setting_id, number)
        chosen = [c for c in carers if c[1].casefold() == args.carer.strip().casefold()]
        if not chosen:
            known = ", ".join(f"{c[1]} ({c[2]})" for c in carers) or "none"
            print(f"{args.carer} is not a carer {ref} is about; they are: {known}", file=sys.stderr)
            return 2
        carer_id, carer_ref, name = chosen[0]
        writer = Writer(admin.setting_id, "cli", None, None, now)
        await repos.concerns.mark_subject(Subject(number, carer_id), writer)
        await repos.audit.record(
            admin.setting_id, "cli", "concern.subject", f"concern:{ref}", {"carer": carer_id}, now
        )
    print(f"{name} ({carer_ref}) is marked as the subject of {ref}: they get no updates on it")
    return 0
