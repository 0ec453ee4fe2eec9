"""The `keyperson` command: parses arguments and calls app or admin functions."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.commands import Admin, add_commands, day_argument, reports
from bot.config import Settings, load_settings
from bot.domain.clock import Clock, SystemClock, parse_local
from bot.domain.errors import ConfigError, ImportProblems, KeypersonError
from bot.domain.setting import SettingProfile, load_profile
from bot.logs import configured, secrets_of

if TYPE_CHECKING:
    from bot.admin.leavers import Missing
    from bot.storage.repos import Store

log = logging.getLogger("keyperson")


def parser() -> argparse.ArgumentParser:
    """The command line, with a --help for every command."""
    top = argparse.ArgumentParser(
        prog="keyperson",
        description="Two-way messaging between an early years setting and its families.",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "init",
        help="create or migrate the database and load setting.toml",
        description="Create or migrate the database (KEYPERSON_DATABASE) and load the setting "
        "file (KEYPERSON_SETTING_FILE).",
    )
    imports = commands.add_parser(
        "import",
        help="import staff or families from a CSV file",
        description="Import staff or families from CSV. Re-importing updates rows by their refs. "
        "A file with any problem changes nothing and every problem is listed as FILE:ROW: "
        "field: what is wrong.",
    )
    imports.add_argument("kind", choices=["staff", "families"], help="what the file holds")
    imports.add_argument(
        "file",
        type=Path,
        help="the CSV file; cells separated by ',' ';' or tabs; dates like 14/03/2022",
    )
    imports.add_argument(
        "--remove-missing",
        action="store_true",
        help="families only: list the children, carers and carer-child links on file that the "
        "file no longer has and, once you confirm, mark them left (their records stay; they "
        "get nothing more)",
    )
    imports.add_argument(
        "--yes", action="store_true", help="confirm --remove-missing without being asked"
    )
    invite = commands.add_parser(
        "invite",
        help="print a one-time Telegram link for a carer or staff member",
        description="Make a one-time code for one carer or staff member and print the "
        "Telegram link that uses it (https://t.me/BOT?start=CODE). Opening the link and "
        "pressing Start links that Telegram account to them. The code works once and "
        "expires; only a hash of it is stored.",
    )
    who = invite.add_mutually_exclusive_group(required=True)
    who.add_argument("--carer", metavar="REF", help="the carer_ref from families.csv")
    who.add_argument("--staff", metavar="REF", help="the staff_ref from staff.csv")
    invite.add_argument(
        "--days", type=int, default=7, help="how many days the code is valid (default 7)"
    )
    extra = reports()
    report = commands.add_parser(
        "report",
        help="print a report: engagement (which families have not heard from us), contacts "
        "(who can be reached, and how), delivery (what could not be sent), absence (who is "
        "away today) or " + ", ".join(extra),
        description="engagement: for every child, the key person, the last update or "
        "celebration sent, and the last 30 days' concerns and good news. Families with no "
        "update for [updates] no_update_days opening days, or only concerns, are marked. "
        "contacts: for every member of staff and carer, the channels linked, the channel they "
        "chose, STOP and unreachable channels, update mode, and the last message in and out "
        "(refs and names; no phone numbers). "
        "delivery: messages that finally failed, whose outcome is unknown, or that wait to "
        "be tried again, with whom they were for. "
        "absence: the children families said are away on a day (today in the setting's time "
        "zone, or --date): child, room, reason, until, who reported it and when. "
        + " ".join(module.HELP for module in extra.values()),
    )
    report.add_argument(
        "name",
        choices=["engagement", "contacts", "delivery", "absence", *extra],
        help="which report",
    )
    report.add_argument(
        "ref", nargs="?", metavar="REF", help="the record a report is about, where it takes one"
    )
    report.add_argument("--days", type=int, default=7, help="delivery: the last N days (default 7)")
    report.add_argument(
        "--date",
        type=day_argument,
        metavar="YYYY-MM-DD",
        help="absence: the day to list (default: today in the setting's time zone)",
    )
    report.add_argument("--open", action="store_true", help="concerns: only those not closed")
    report.add_argument(
        "--since",
        type=day_argument,
        metavar="YYYY-MM-DD",
        help="concerns: only those opened on or after this day (in the setting's time zone)",
    )
    report.add_argument("--csv", action="store_true", help="write CSV instead, where offered")
    commands.add_parser(
        "serve",
        help="run the production server (webhooks, dispatcher)",
        description="Serve the webhooks on KEYPERSON_HOST:KEYPERSON_PORT and send queued "
        "messages. Ctrl-C stops cleanly; stored messages are handled on the next start.",
    )
    demo = commands.add_parser(
        "demo",
        help="run a fictional setting with the simulator page; no credentials needed",
        description="Start a fictional setting in a fresh local database and open the "
        "simulator at http://HOST:PORT/simulator. No credentials, no network.",
    )
    demo.add_argument("--port", type=int, help="port (default KEYPERSON_PORT or 8080)")
    demo.add_argument(
        "--at",
        type=_local_moment,
        metavar="'YYYY-MM-DD HH:MM'",
        help="start the demo's clock at this local time (the example setting's time zone) and "
        "let it run on, e.g. --at '2026-12-01 07:25'; default: now",
    )
    add_commands(commands)
    return top


def _local_moment(text: str) -> datetime:
    try:
        return parse_local(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the process exit code."""
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        # Every record from here on is redacted: tokens, secrets, numbers, payloads.
        with configured(settings.log_level, secrets_of(settings)):
            return _run(args, settings)
    except ConfigError as error:
        print(f"keyperson: {error}", file=sys.stderr)
        return 2
    except ImportProblems as problems:
        for line in problems.problems:
            print(line, file=sys.stderr)
        print(
            f"keyperson: nothing was imported ({len(problems.problems)} problem(s))",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 130
    except KeypersonError as error:
        print(f"keyperson: {error}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace, settings: Settings) -> int:
    # The composition root's one clock: everything below asks it, never the system.
    if args.command == "demo":
        from bot.demo import demo_app, demo_clock

        clock = demo_clock(args.at)
        port = args.port or settings.port
        if args.at is not None:
            print(f"Keyperson demo: the clock starts at {args.at:%Y-%m-%d %H:%M}", flush=True)
        print(f"Keyperson demo: open http://{settings.host}:{port}/simulator", flush=True)
        _serve(demo_app(settings, clock=clock), settings, port)
        return 0
    if args.command == "serve":
        return _production(settings, SystemClock())
    return asyncio.run(_admin(args, settings, SystemClock()))


async def _admin(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    from bot.app import open_database

    profile = load_profile(settings.setting_file)
    db, setting_id = await open_database(settings, profile, clock)
    try:
        if args.command == "init":
            print(f"database {settings.database} is ready for {profile.name}")
            # Back both files up together: the second holds messages not yet handled.
            print(f"inbound messages are stored beside it, in {db.inbound.path}")
            for line in untranslated_notes(profile, settings.setting_file.name):
                print(line)
            return 0
        if args.command == "invite":
            return await _invite(args, settings, db, setting_id, profile.time_zone, clock)
        if args.command == "report" and args.name == "absence":
            return await _report_absence(db, setting_id, profile, args.date, clock)
        admin = Admin(settings, db, setting_id, profile, clock)
        if args.command == "report" and args.name in reports():
            return int(await reports()[args.name].report(args, admin))
        if getattr(args, "handler", None) is not None:
            return int(await args.handler(args, admin))
        if args.command == "report" and args.name == "delivery":
            return await _report_delivery(db, profile, args.days, clock)
        if args.command == "report":
            return await _report(args.name, db, setting_id, profile, clock)
        return await _import(args, db, setting_id, profile, clock)
    finally:
        await db.close()


def untranslated_notes(profile: SettingProfile, file: str) -> list[str]:
    """One note per free text a language offered has no version of in the setting file."""
    from babel import Locale, UnknownLocaleError

    def named(code: str) -> str:
        try:
            return f"{Locale.parse(code).english_name} ({code})"
        except (ValueError, UnknownLocaleError):
            return code

    first = named(profile.languages[0])
    return [
        f"note: {file} has no {name} in {named(language)}: families reading it get the "
        f"{first} text; add it under [setting.{language}]"
        for language, name in profile.untranslated()
    ]


async def _import(
    args: argparse.Namespace, db: Store, setting_id: int, profile: SettingProfile, clock: Clock
) -> int:
    from bot.admin.csvfile import DELIMITER_NAMES
    from bot.admin.importer import NotConfirmed, import_families, import_staff

    if args.kind == "staff":
        if args.remove_missing:
            print("keyperson: --remove-missing is for families only", file=sys.stderr)
            return 2
        count = await import_staff(db, setting_id, args.file, profile.country)
        print(f"imported {count} row(s) from {args.file}")
        return 0
    try:
        done = await import_families(
            db,
            setting_id,
            args.file,
            profile.country,
            offered=profile.languages,
            remove_missing=args.remove_missing,
            confirm=None if args.yes else _ask_to_mark_left(args.file),
            now=clock().astimezone(ZoneInfo(profile.time_zone)),
        )
    except NotConfirmed:
        print("keyperson: nothing was changed", file=sys.stderr)
        return 1
    separated = (
        "" if done.delimiter == "," else f" (cells separated by {DELIMITER_NAMES[done.delimiter]})"
    )
    print(f"imported {done.rows} row(s) from {args.file}{separated}")
    if done.marked_left:
        if args.yes:
            print("\n".join(done.missing.lines()))
        print(
            f"marked left: {done.missing.counted()}; {done.withdrawn} waiting message(s) "
            "to them withdrawn"
        )
    elif done.missing:
        print(
            f"note: {done.missing.counted()} on file are not in {args.file} and still get "
            f"messages ({done.missing.refs()}); import again with --remove-missing to mark "
            "them left"
        )
    return 0


def _ask_to_mark_left(path: Path) -> Callable[[Missing], bool]:
    """Show what --remove-missing would mark left and ask for a typed "yes"."""

    def confirm(missing: Missing) -> bool:
        print(f"On file but not in {path}:")
        print("\n".join(missing.lines()))
        print(
            "Marked left, they keep their records but get nothing more from the setting, "
            "and their phones and Telegram chats no longer reach the setting as them."
        )
        if not sys.stdin.isatty():
            print(
                "keyperson: not asked without a terminal; add --yes to mark them left",
                file=sys.stderr,
            )
            return False
        try:
            answer = input(f"Mark {missing.counted()} left? Type yes to go on: ")
        except EOFError:
            return False
        return answer.strip().lower() == "yes"

    return confirm


async def _invite(
    args: argparse.Namespace,
    settings: Settings,
    db: Store,
    setting_id: int,
    zone: str,
    clock: Clock,
) -> int:
    from bot.admin.invites import create_invite, deep_link
    from bot.domain.people import PersonKind

    kind = PersonKind.CARER if args.carer else PersonKind.STAFF
    ref = args.carer or args.staff
    made = await create_invite(db, setting_id, kind, ref, args.days, clock())
    until = made.expires_at.astimezone(ZoneInfo(zone))
    print(f"One-time Telegram invite for {made.name} ({kind.value} {ref}).")
    print(f"Valid once, until {until:%Y-%m-%d %H:%M} ({zone}).")
    print(f"code: {made.code}")
    if kind is PersonKind.CARER:
        for line in await _uninformed_warning(db, setting_id, ref):
            print(line, file=sys.stderr)
    username, problem = await _bot_username(settings)
    if username is None:
        print(
            f"keyperson: no link printed: the bot's username could not be read ({problem}); "
            f"the code above still works as https://t.me/YOUR_BOT?start={made.code}",
            file=sys.stderr,
        )
        return 1
    print(f"bot: @{username}")
    print(f"link: {deep_link(username, made.code)}")
    return 0


async def _uninformed_warning(db: Store, setting_id: int, ref: str) -> list[str]:
    """A warning for a carer on file with receives_information = no for any child."""
    from bot.domain.people import PersonKind

    async with db.reading() as repos:
        found = await repos.links.by_ref(setting_id, PersonKind.CARER, ref)
        carer = await repos.people.carer(found[0]) if found else None
    if carer is None:
        return []
    withheld = [c.first_name for c in carer.children if not c.receives_information]
    if not withheld:
        return []
    names = " and ".join(withheld)
    informed = [c.first_name for c in carer.children if c.receives_information]
    still = f" They still get information about {' and '.join(informed)}." if informed else ""
    return [
        f"warning: {carer.name} is on file with receives_information = no for {names}: once "
        f"linked, what they send still reaches staff (marked so), but Keyperson sends them "
        f"nothing about {names}: no updates, wow moments, answers or reminders.{still}"
    ]


async def _bot_username(settings: Settings) -> tuple[str | None, str]:
    """The bot's username from Telegram (getMe), or None and why it could not be read."""
    if settings.telegram_bot_token is None:
        return None, "TELEGRAM_BOT_TOKEN is not set"
    from bot.handlers.startup import telegram_username

    try:
        username = await telegram_username(settings.telegram_bot_token, settings.telegram_api_url)
    except KeypersonError as error:  # refused or unreachable: the code is made all the same
        return None, str(error)
    return username, ""


async def _report(
    name: str, db: Store, setting_id: int, profile: SettingProfile, clock: Clock
) -> int:
    from bot.admin import reports
    from bot.engine.scheduler import engagement

    local = clock().astimezone(ZoneInfo(profile.time_zone))
    async with db.reading() as repos:
        if name == "contacts":
            lines = await reports.contacts(repos, profile, setting_id, local)
        else:
            lines = reports.engagement(
                await engagement(repos, profile, setting_id, local), profile, local
            )
    print("\n".join(lines))
    return 0


async def _report_absence(
    db: Store, setting_id: int, profile: SettingProfile, day: date | None, clock: Clock
) -> int:
    from bot.admin.absences import absence_report

    day = day or clock().astimezone(ZoneInfo(profile.time_zone)).date()
    async with db.reading() as repos:
        rows = await repos.absences.on_day(setting_id, day)
    print("\n".join(absence_report(rows, profile, day)))
    return 0


async def _report_delivery(db: Store, profile: SettingProfile, days: int, clock: Clock) -> int:
    from bot.admin.delivery_report import delivery_report

    for line in await delivery_report(db, profile.name, profile.time_zone, clock(), days):
        print(line)
    return 0


def _production(settings: Settings, clock: Clock) -> int:
    from bot.app import build, production_senders, production_telegram
    from bot.handlers.startup import check_channels, describe
    from bot.web import create_app

    settings.require_channel()
    profile = load_profile(settings.setting_file)  # fail before the server starts
    # A refused credential stops here in one line; no network yet is waited out here.
    channels = asyncio.run(check_channels(settings))
    print(f"Keyperson for {profile.name}, listening on {settings.host}:{settings.port}")
    for line in describe(settings, channels):
        print(line)
    sys.stdout.flush()

    async def factory():  # type: ignore[no-untyped-def]
        return await build(
            settings, production_senders(settings), clock, telegram=production_telegram(settings)
        )

    _serve(create_app(factory), settings, settings.port)
    return 0


def _serve(app: object, settings: Settings, port: int) -> None:
    import uvicorn

    # log_config=None: uvicorn's records go through the root logger, formatted and redacted
    # like every other.
    uvicorn.run(
        app,  # type: ignore[arg-type]
        host=settings.host,
        port=port,
        log_config=None,
        log_level=settings.log_level.lower(),
        access_log=False,
    )
