"""The `keyperson` command: parses arguments and calls app or admin functions."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import Settings, load_profile, load_settings
from bot.errors import ConfigError, ImportProblems

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


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the process exit code."""
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # twilio's client logs every request's headers at INFO; ids are all our logs should hold.
    logging.getLogger("twilio").setLevel(logging.WARNING)
    # aiosqlite logs every statement with its parameters at DEBUG: numbers and bodies.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
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
            return 0
        importer = import_staff if args.kind == "staff" else import_families
        count = await importer(db, setting_id, args.file, profile.country)
        print(f"imported {count} row(s) from {args.file}")
        return 0
    finally:
        await db.close()


def _production(settings: Settings) -> int:
    from bot.app import build, production_senders
    from bot.web import create_app

    settings.require_sms()
    load_profile(settings.setting_file)  # fail before the server starts, not inside it

    async def factory():  # type: ignore[no-untyped-def]
        return await build(settings, production_senders(settings))

    _serve(create_app(factory), settings.host, settings.port)
    return 0


def _serve(app: object, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)  # type: ignore[arg-type]
