"""`keyperson review add|move|cancel|summary|list`: reviews of a child's plan."""

from __future__ import annotations

import argparse
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.commands import Admin
from bot.domain.clock import parse_local
from bot.domain.reminders import local_stamp, wall_clock
from bot.domain.reviews import DEFAULT_KIND, DEFAULT_PLACE

BY = "cli"  # the audit actor for what the command line does


def _moment(text: str) -> datetime:
    try:
        return parse_local(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{error}, in the setting's time zone") from None


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `review` and its subcommands."""
    review = commands.add_parser("review", help="schedule and follow reviews of a child's plan")
    verbs = review.add_subparsers(
        dest="verb", required=True, metavar="add|move|cancel|summary|list"
    )
    new = verbs.add_parser("add", help="schedule a review; the family is invited")
    new.add_argument("--child", required=True, help="the child's ref, e.g. C-001")
    new.add_argument("--at", required=True, type=_moment, help='local time, "2027-03-29 10:00"')
    new.add_argument(
        "--where",
        default=DEFAULT_PLACE,
        help="where, as families read it (default: at the nursery, in each family's language)",
    )
    new.add_argument(
        "--with",
        dest="with_refs",
        action="append",
        default=[],
        help="a member of staff who will also be there (staff ref); repeatable",
    )
    new.add_argument("--kind", default=DEFAULT_KIND, help=f'default "{DEFAULT_KIND}"')
    new.set_defaults(handler=run_add)
    moved = verbs.add_parser("move", help="move a review; families are asked again")
    moved.add_argument("ref", help="the review's reference, e.g. P-1001")
    moved.add_argument("--at", required=True, type=_moment, help="the new local time")
    moved.set_defaults(handler=run_move)
    gone = verbs.add_parser("cancel", help="cancel a review; families are told")
    gone.add_argument("ref")
    gone.set_defaults(handler=run_cancel)
    summary = verbs.add_parser("summary", help="send the family a plain summary after a review")
    summary.add_argument("ref")
    summary.add_argument("--text", required=True, help="the summary, in plain words")
    summary.set_defaults(handler=run_summary)
    listing = verbs.add_parser("list", help="each review's state and each family's answers")
    listing.add_argument("--child", help="only this child's reviews (child ref)")
    listing.set_defaults(handler=run_list)


def _at(admin: Admin, naive: datetime) -> datetime:
    return wall_clock(naive.date(), naive.time(), ZoneInfo(admin.profile.time_zone))


async def run_add(args: argparse.Namespace, admin: Admin) -> int:
    """Schedule a review and print its reference."""
    from bot.admin.reviews import schedule

    at = _at(admin, args.at)
    async with admin.db.transaction() as repos:
        done = await schedule(
            repos,
            admin.profile,
            admin.setting_id,
            args.child,
            at,
            args.where,
            args.kind,
            args.with_refs,
            BY,
            admin.clock(),
        )
    review = done.review
    print(
        f"{review.ref}: {review.kind} for {review.child_name} {review.child_last_name}, "
        f"{local_stamp(review.at, admin.profile.time_zone)}, {review.place or 'at the nursery'}"
    )
    print(f"invited: {', '.join(done.invited) or 'nobody'}")
    for name in done.not_reachable:
        print(f"note: {name} has no phone or Telegram we can reach; invite them another way")
    return 0


async def run_move(args: argparse.Namespace, admin: Admin) -> int:
    """Move a review to a new time."""
    from bot.admin.reviews import find, move

    async with admin.db.transaction() as repos:
        review = await find(repos, admin.setting_id, args.ref)
        moved = await move(repos, admin.profile, review, _at(admin, args.at), BY, admin.clock())
    print(
        f"{moved.ref} moved to {local_stamp(moved.at, admin.profile.time_zone)}; "
        "families are asked again"
    )
    return 0


async def run_cancel(args: argparse.Namespace, admin: Admin) -> int:
    """Cancel a review."""
    from bot.admin.reviews import cancel, find

    async with admin.db.transaction() as repos:
        review = await find(repos, admin.setting_id, args.ref)
        await cancel(repos, admin.profile, review, BY, admin.clock())
    print(f"{review.ref} cancelled; families are told")
    return 0


async def run_summary(args: argparse.Namespace, admin: Admin) -> int:
    """Send the plain summary, after showing what the plain-words check suggests."""
    from bot.admin.reviews import find, send_summary
    from bot.language.plain import Glossary

    for flag in Glossary.load().check(args.text):
        plain = f'; plain: "{flag.suggestion}"' if flag.suggestion else ""
        print(f'plain words: "{flag.found}" {flag.reason}{plain}')
    async with admin.db.transaction() as repos:
        review = await find(repos, admin.setting_id, args.ref)
        families = await send_summary(repos, admin.profile, review, args.text, BY, admin.clock())
    print(f"{review.ref}: summary sent to {families} {'family' if families == 1 else 'families'}")
    return 0


async def run_list(args: argparse.Namespace, admin: Admin) -> int:
    """List reviews with each family's answers."""
    from bot.admin.reviews import listed

    async with admin.db.reading() as repos:
        lines = await listed(repos, admin.setting_id, admin.profile, args.child)
    print("\n".join(lines) if lines else "No reviews.")
    return 0
