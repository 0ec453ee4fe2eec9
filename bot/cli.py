"""The `keyperson` command: parses arguments and calls app or admin functions."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import SettingProfile, Settings, load_profile, load_settings
from bot.errors import ConfigError, ImportProblems, KeypersonError

if TYPE_CHECKING:
    from bot.storage.sqlite import Database

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
    imports.add_argument("file", type=Path, help="the CSV file")
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
    report = commands.add_parser(
        "report",
        help="print a report: engagement (which families have not heard from us)",
        description="engagement: for every child, the key person, the last update or "
        "celebration sent, and the last 30 days' concerns and good news. Families with no "
        "update for [updates] no_update_days opening days, or only concerns, are marked.",
    )
    report.add_argument("name", choices=["engagement"], help="which report")
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
    return top


def configure_logging() -> None:
    """Log at INFO, keeping libraries that would log secrets, numbers or bodies quiet."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # twilio's client logs every request's headers at INFO; ids are all our logs should hold.
    logging.getLogger("twilio").setLevel(logging.WARNING)
    # httpx logs every request's URL at INFO, and the Bot API's URLs hold the bot's token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # aiosqlite logs every statement with its parameters at DEBUG: numbers and bodies.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the process exit code."""
    args = parser().parse_args(argv)
    configure_logging()
    try:
        settings = load_settings()
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
    if args.command == "demo":
        from bot.demo import demo_app

        port = args.port or settings.port
        print(f"Keyperson demo: open http://{settings.host}:{port}/simulator", flush=True)
        _serve(demo_app(settings), settings.host, port)
        return 0
    if args.command == "serve":
        return _production(settings)
    return asyncio.run(_admin(args, settings))


async def _admin(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database
    from bot.importer import import_families, import_staff

    profile = load_profile(settings.setting_file)
    db, setting_id = await open_database(settings, profile)
    try:
        if args.command == "init":
            print(f"database {settings.database} is ready for {profile.name}")
            for line in untranslated_notes(profile, settings.setting_file.name):
                print(line)
            return 0
        if args.command == "invite":
            return await _invite(args, settings, db, setting_id, profile.time_zone)
        if args.command == "report":
            return await _report(db, setting_id, profile)
        importer = import_staff if args.kind == "staff" else import_families
        count = await importer(db, setting_id, args.file, profile.country)
        print(f"imported {count} row(s) from {args.file}")
        return 0
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


async def _invite(
    args: argparse.Namespace, settings: Settings, db: Database, setting_id: int, zone: str
) -> int:
    from zoneinfo import ZoneInfo

    from bot.domain import PersonKind
    from bot.invites import create_invite, deep_link
    from bot.storage.sqlite import utcnow

    kind = PersonKind.CARER if args.carer else PersonKind.STAFF
    ref = args.carer or args.staff
    made = await create_invite(db, setting_id, kind, ref, args.days, utcnow())
    until = made.expires_at.astimezone(ZoneInfo(zone))
    print(f"One-time Telegram invite for {made.name} ({kind.value} {ref}).")
    print(f"Valid once, until {until:%Y-%m-%d %H:%M} ({zone}).")
    print(f"code: {made.code}")
    username = await _bot_username(settings)
    if username is None:
        print(f"link: {deep_link('<your bot username>', made.code)}")
        return 0
    print(f"link: {deep_link(username, made.code)}")
    return 0


async def _bot_username(settings: Settings) -> str | None:
    """The bot's username from Telegram, or None (with a note) when it cannot be asked."""
    if settings.telegram_bot_token is None:
        print("note: set TELEGRAM_BOT_TOKEN to print the full link", file=sys.stderr)
        return None
    from bot.handlers.telegram_web import bot_username

    try:
        return await bot_username(settings.telegram_bot_token, settings.telegram_api_url)
    except Exception as error:  # the code is made and stored; only the link text is missing
        print(
            f"note: could not ask Telegram for the bot's username ({type(error).__name__})",
            file=sys.stderr,
        )
        return None


async def _report(db: Database, setting_id: int, profile: SettingProfile) -> int:
    from zoneinfo import ZoneInfo

    from bot.scheduler import engagement
    from bot.storage.sqlite import from_iso, utcnow

    zone = ZoneInfo(profile.time_zone)
    local = utcnow().astimezone(zone)
    async with db.reading() as repos:
        rows = await engagement(repos, profile, setting_id, local)
    print(f"Keeping in touch at {profile.name}, {local:%Y-%m-%d %H:%M} ({profile.time_zone})")
    print(f"{'key person':<20} {'child':<24} {'last update':<16} concerns  good news  note")
    for row in rows:
        last = row["last_update"]
        when = f"{from_iso(str(last)).astimezone(zone):%Y-%m-%d}" if last else "never"
        notes = []
        if row["no_update"]:
            notes.append(f"no update for {profile.no_update_days}+ opening days")
        if row["concerns"] and not row["celebrations"]:
            notes.append("only concerns")
        child = f"{row['first_name']} {row['last_name']}"
        print(
            f"{row['key_person'] or '-'!s:<20} {child:<24} {when:<16} "
            f"{row['concerns']!s:>8}  {row['celebrations']!s:>9}  {'; '.join(notes)}"
        )
    quiet = sum(1 for row in rows if row["no_update"])
    print(f"{len(rows)} children; {quiet} with no recent update")
    return 0


def _production(settings: Settings) -> int:
    from bot.app import build, production_senders, production_telegram
    from bot.web import create_app

    settings.require_channel()
    load_profile(settings.setting_file)  # fail before the server starts, not inside it

    async def factory():  # type: ignore[no-untyped-def]
        return await build(
            settings, production_senders(settings), telegram=production_telegram(settings)
        )

    _serve(create_app(factory), settings.host, settings.port)
    return 0


def _serve(app: object, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)  # type: ignore[arg-type]
