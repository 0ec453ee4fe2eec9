"""Commands that capabilities add to `keyperson`, each in its own module, so a new capability
adds a module and a line here rather than editing the parser.

A command module (named in COMMANDS) has:
- `add(commands)`: adds its subparser(s) to the `keyperson` subparsers, each with
  `set_defaults(handler=run)` or its own handler;
- handlers `async def run(args, admin: Admin) -> int`, given an open database.

A report module (named in REPORTS) has `NAME`, `HELP` (one sentence for `report --help`) and
`async def report(args, admin: Admin) -> int`; `keyperson report NAME [REF]` runs it, with the
report command's shared options (--days, --date, --open, --since, --csv) and an optional REF.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.domain.clock import Clock
    from bot.domain.setting import SettingProfile
    from bot.storage.repos import Store

# Modules of bot.commands that add commands of their own.
COMMANDS: tuple[str, ...] = (
    "agency",
    "referral",
    "concern",
    "workshop",
    "visit",
    "reminders",
    "review",
    "detect",
    "language",
    "broadcast",
)
# Modules of bot.commands that add a report.
REPORTS: tuple[str, ...] = ("report_concerns", "report_workshop", "report_broadcast")


@dataclass(frozen=True, slots=True)
class Admin:
    """What a command runs with: the open database, the setting and the one clock."""

    settings: Settings
    db: Store
    setting_id: int
    profile: SettingProfile
    clock: Clock


Handler = Callable[[argparse.Namespace, Admin], Awaitable[int]]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{name}")


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add every capability's commands to the `keyperson` subparsers."""
    for name in COMMANDS:
        _module(name).add(commands)


def reports() -> dict[str, ModuleType]:
    """The reports capabilities add, by the name `keyperson report` takes."""
    found = {}
    for name in REPORTS:
        module = _module(name)
        found[module.NAME] = module
    return found


def day_argument(text: str) -> date:
    """A day given on the command line as YYYY-MM-DD, or a clear message."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD") from None
