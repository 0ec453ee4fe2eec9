"""`keyperson referral add|list|sent`: a referral asks the family for consent first, and is
never recorded as sent without it."""

from __future__ import annotations

import argparse
import re
import sys

from bot.commands import Admin
from bot.commands.agency import fail, find_child, held, nobody, plain_problems, text

_REFERENCE = re.compile(r"^\s*R?-?(\d{4,7})\s*$", re.IGNORECASE)


def reference(value: str) -> int:
    """R-1001 (or 1001) as the referral's number."""
    found = _REFERENCE.match(value)
    if found is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a referral reference such as R-1001")
    return int(found.group(1))


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `referral add`, `referral list` and `referral sent`."""
    referral = commands.add_parser(
        "referral",
        help="refer a child to a service with the family's consent",
        description="Referrals: the family is asked for consent (Yes / No / I have questions "
        "first) and for anything they would like the service to know; their answers are kept "
        "with time and channel, per carer, and they can withdraw at any time.",
    )
    verbs = referral.add_subparsers(dest="verb", required=True, metavar="add|list|sent")
    adding = verbs.add_parser(
        "add",
        help="make a referral and ask the family for consent",
        description="Make a referral (its reference, R- and digits, is printed) and ask every "
        "carer with receives_information = yes for consent, in plain words and their language. "
        "Exit 1, with nothing kept, if no carer can be asked.",
    )
    adding.add_argument("--child", required=True, type=text, metavar="REF", help="child_ref")
    adding.add_argument(
        "--to",
        required=True,
        type=text,
        help='the service, e.g. "speech and language therapy service"',
    )
    adding.add_argument("--why", required=True, type=text, help="why, as the family will read it")
    adding.add_argument(
        "--as-written",
        action="store_true",
        help="send the words as written even if the plain-words check flags some",
    )
    adding.set_defaults(handler=run_add)
    listing = verbs.add_parser(
        "list",
        help="each referral's consent state and the family's answers",
        description="Referrals, oldest first: the consent state, whom the family asked, and "
        "every answer (agreed, did not agree, questions, withdrew, views) with time and channel.",
    )
    listing.add_argument("--child", type=text, metavar="REF", help="only this child")
    listing.set_defaults(handler=run_list)
    sent = verbs.add_parser(
        "sent",
        help="record that a referral was sent to the service (only with consent)",
        description="Record that the referral was sent. Refused (exit 1) unless a carer agreed "
        "and no carer has said no or withdrawn.",
    )
    sent.add_argument("ref", type=reference, metavar="REF", help="the referral, e.g. R-1001")
    sent.set_defaults(handler=run_sent)


async def run_add(args: argparse.Namespace, admin: Admin) -> int:
    """Keep the referral and ask the family, in one transaction."""
    from bot.admin.agencies import FromCommand
    from bot.domain.agencies import referral_reference
    from bot.flows.steps.referring import ask_consent
    from bot.language.plain import Glossary

    problems = [] if args.as_written else plain_problems(args.why)
    if problems:
        for line in problems:
            print(f"plain words: {line}", file=sys.stderr)
        return fail("no referral was made: write it plainly, or add --as-written")
    child = await find_child(admin, args.child)
    if child is None:
        return fail(f"no child {args.child} on file (child_ref in families.csv)")
    applier = FromCommand(admin.profile, admin.setting_id)
    async with admin.db.transaction() as repos:
        family = await repos.agencies.family(child.id)
        if not any(c.can_be_told for c in family):
            return fail(nobody(child, "nothing was referred"))
        number = await repos.agencies.reserve_referral(admin.setting_id)
        effects = ask_consent(number, child, args.to, args.why, family, Glossary.load())
        assert effects is not None
        await applier.apply(repos, effects, admin.clock())
    asked = [f"{c.name} ({c.relationship}) by {' and '.join(c.channels)}"
             for c in family if c.can_be_told]  # fmt: skip
    print(f"{referral_reference(number)}: {child.full_name} ({child.ref}) to {args.to}")
    print(f"consent asked of: {'; '.join(asked)}{held(admin)}")
    return 0


async def run_list(args: argparse.Namespace, admin: Admin) -> int:
    from bot.admin.agencies import referral_lines

    child_id = None
    if args.child is not None:
        child = await find_child(admin, args.child)
        if child is None:
            return fail(f"no child {args.child} on file (child_ref in families.csv)")
        child_id = child.id
    async with admin.db.reading() as repos:
        rows = await repos.agencies.referrals(admin.setting_id, child_id)
    print("\n".join(referral_lines(rows, admin.profile)))
    return 0


async def run_sent(args: argparse.Namespace, admin: Admin) -> int:
    """Record it sent, only with consent; the family is told it has gone."""
    from bot.admin.agencies import STATES, FromCommand
    from bot.domain.agencies import ReferralSent, referral_reference
    from bot.flows.base import RecordAudit, Write
    from bot.flows.steps.referring import sent_notices
    from bot.language.plain import Glossary

    ref = referral_reference(args.ref)
    applier = FromCommand(admin.profile, admin.setting_id)
    async with admin.db.transaction() as repos:
        row = await repos.agencies.referral(admin.setting_id, args.ref)
        if row is None:
            return fail(f"there is no referral {ref}")
        if row.sent_at is not None:
            print(f"{ref} was already recorded as sent")
            return 0
        if not row.may_be_sent:
            return fail(
                f"{ref} cannot be sent: the family has not agreed to it "
                f"({STATES.get(row.state, row.state)}). Nothing was recorded."
            )
        family = await repos.agencies.family(row.child_id)
        effects = (
            Write(ReferralSent(row.number)),
            RecordAudit("referral.sent", f"referral:{ref}"),
            *sent_notices(row, family, Glossary.load()),
        )
        await applier.apply(repos, effects, admin.clock())
    print(f"{ref} recorded as sent to {row.to}; the family was told")
    return 0
