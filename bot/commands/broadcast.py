"""`keyperson broadcast`: a message from the setting to all families or some of them, queued
into the running server's database (which sends it, paced to each channel) and referenced B-."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from bot.commands import Admin

if TYPE_CHECKING:
    from bot.admin.broadcasts import Queued

DESCRIPTION = (
    "Queue a message to all families, or some of them (--audience), into the database the "
    "server uses; the server starts sending it within a second, paced to what SMS and Telegram "
    "allow, and never to anyone who texted STOP. Families get your words as written, after "
    '"Message from <setting>:" in their own language. It prints who it reaches, who will not '
    "get it and why, and its reference (B-3): keyperson report broadcast B-3 shows how it goes."
)
AUDIENCE_HELP = (
    "who it is for (default all): all, room:Acorns, send (children whose send_status is not "
    "none), language:pl, child:C01,C02; joined with +, parts of one kind add families "
    "(room:Acorns+room:Oaks), parts of different kinds narrow them (room:Acorns+language:pl)"
)


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `broadcast`."""
    parser = commands.add_parser(
        "broadcast", help="send a message to all families or some of them", description=DESCRIPTION
    )
    parser.add_argument("--text", required=True, help="the message, as families will read it")
    parser.add_argument("--audience", metavar="AUDIENCE", help=AUDIENCE_HELP)
    parser.add_argument(
        "--confirm",
        action="store_true",
        help='ask "Please reply 1 to say you have seen this", and remind those who have not '
        "after [broadcasts] confirm_reminder_hours (default 24)",
    )
    parser.add_argument(
        "--urgent",
        action="store_true",
        help="a closure or the like: sent at once, even in families' quiet hours, on another "
        "channel if the chosen one fails; never to anyone who texted STOP",
    )
    parser.add_argument(
        "--as-written",
        action="store_true",
        help="send it even though the plain-words check flags some words",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="say who it would reach; queue nothing"
    )
    parser.set_defaults(handler=run)


async def run(args: argparse.Namespace, admin: Admin) -> int:
    """Check, preview and queue one broadcast; print its reference."""
    from bot.admin.broadcasts import Broadcaster
    from bot.domain.audience import AudienceError
    from bot.domain.broadcasts import BroadcastError, BroadcastRequest, reach_text
    from bot.domain.messages import Text
    from bot.language.catalogs import Catalogs
    from bot.language.plain import Glossary

    catalogs = Catalogs.load()
    language = admin.profile.languages[0]
    request = BroadcastRequest(args.text, args.audience, args.confirm, args.urgent, "cli")
    broadcaster = Broadcaster(catalogs, admin.profile)
    try:
        async with admin.db.reading() as repos:
            preview = await broadcaster.preview(repos, admin.setting_id, request)
    except (AudienceError, BroadcastError) as error:
        said = catalogs.render(Text(error.key, dict(error.params)), language)
        print(f"keyperson: broadcast: {said}", file=sys.stderr)
        return 1
    flags = Glossary.load().check(request.text.strip(), to_many=True)
    if flags and not args.as_written:
        print("keyperson: broadcast: some words may not be clear, or may hurt:", file=sys.stderr)
        for flag in flags:
            plain = f' (plain words: "{flag.suggestion}")' if flag.suggestion else ""
            print(f'  "{flag.found}": {flag.reason}{plain}', file=sys.stderr)
        print("Change the text, or add --as-written to send it as it is.", file=sys.stderr)
        return 1
    reach = reach_text(preview.families, preview.carers, preview.not_reached)
    print(catalogs.render(reach, language))
    if args.dry_run:
        print("Nothing was queued (--dry-run).")
        return 0
    bar = _Bar(sys.stderr) if sys.stderr.isatty() else None
    async with admin.db.transaction() as repos:
        queued = await broadcaster.queue(
            repos, admin.setting_id, request, admin.clock(), bar.show if bar else None
        )
    if bar is not None:
        bar.done()
    print(_when(queued, admin))
    print(
        f"{queued.reference}: {queued.messages} message(s) queued. The server sends them; "
        f"keyperson report broadcast {queued.reference} shows how it is going."
    )
    return 0


def _when(queued: Queued, admin: Admin) -> str:
    from zoneinfo import ZoneInfo

    held = queued.held_until
    if held is None:
        return "It goes now."
    local = held.astimezone(ZoneInfo(admin.profile.time_zone))
    return f"It waits for families' quiet hours to end: it goes at {local:%Y-%m-%d %H:%M}."


class _Bar:
    """A progress bar on a terminal while recipients are queued."""

    WIDTH = 30

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def show(self, done: int, total: int) -> None:
        filled = self.WIDTH * done // max(total, 1)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.out.write(f"\rQueuing [{bar}] {done}/{total}")
        self.out.flush()

    def done(self) -> None:
        self.out.write("\n")
        self.out.flush()
