"""`keyperson demo`: a fictional setting in a fresh local database, served with the simulator."""

from __future__ import annotations

import dataclasses
import tempfile
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from bot.admin.importer import import_families, import_staff
from bot.app import Keyperson, build, flow_registry
from bot.config import Settings
from bot.domain.clock import Clock, StartedClock, SystemClock, at_zone
from bot.domain.messages import Channel, Text
from bot.domain.setting import OutOfHours, load_profile
from bot.handlers.simulator.page import SimulatorPage, SimulatorSender
from bot.language.catalogs import Catalogs
from bot.shipped import shipped
from bot.web import create_app

EXAMPLE_SETTING = shipped("setting.example.toml")


def demo_clock(at: datetime | None) -> Clock:
    """The demo's clock: the real time, or one that starts at `at`, the example setting's local
    wall-clock time, and runs on (so the demo can be tried as on a weekday morning at any hour)."""
    if at is None:
        # The real time, read once, then run on: the simulator can still move it forward.
        return StartedClock(SystemClock()())
    return StartedClock(at_zone(at, load_profile(EXAMPLE_SETTING).time_zone))


class DemoTime:
    """The simulator's control of the demo clock: forward, then the scheduler runs at once, so
    reminders, views and summaries due by then are sent without waiting."""

    def __init__(self, clock: StartedClock, keyperson: Keyperson) -> None:
        self.clock = clock
        self.keyperson = keyperson

    async def forward(self, delta: timedelta) -> float:
        """Move on by `delta` and run what is due."""
        self.clock.advance(delta)
        if self.keyperson.scheduler is not None:
            await self.keyperson.scheduler.tick()
        return delta.total_seconds()

    async def to_next(self) -> float | None:
        """Move on to the next timer's time (a minute past it; not at all if one is due
        already), and run it; None when no timer is waiting."""
        now = self.clock()
        async with self.keyperson.db.reading() as repos:
            due = await repos.reminders.next_due(self.keyperson.setting_id)
        if due is None:
            return None
        return await self.forward(due - now + timedelta(minutes=1) if due > now else timedelta())


def demo_settings(settings: Settings, folder: Path) -> Settings:
    """The settings of a demo: a fresh database in `folder`, the example setting, no channels."""
    return dataclasses.replace(
        settings,
        database=folder / "demo.db",
        setting_file=EXAMPLE_SETTING,
        public_url=None,
        twilio_account_sid=None,
        twilio_auth_token=None,
        twilio_from_number=None,
        twilio_messaging_service_sid=None,
        telegram_bot_token=None,
        telegram_webhook_secret=None,
    )


async def build_demo(settings: Settings, clock: Clock) -> Keyperson:
    """A Keyperson on the simulated SMS and Telegram channels with the demo people imported."""
    senders = {
        Channel.SMS: SimulatorSender(),
        Channel.TELEGRAM: SimulatorSender(channel=Channel.TELEGRAM),
    }
    # The demo is tried at any hour: families' messages reach the staff phone on the page at
    # once, rather than waiting for staff hours as the example setting has them do.
    profile = load_profile(settings.setting_file)
    at_once = dataclasses.replace(profile, out_of_hours=OutOfHours(messages="at_once"))
    # An Urdu-speaking family is on file too (right to left, a translator on the staff).
    at_once = dataclasses.replace(
        at_once, languages=tuple(dict.fromkeys((*at_once.languages, "ur")))
    )
    keyperson = await build(settings, senders, clock, profile=at_once)
    data = resources.files("bot").joinpath("data")
    country = keyperson.profile.country
    now = clock().astimezone(ZoneInfo(keyperson.profile.time_zone))
    with resources.as_file(data.joinpath("demo_staff.csv")) as staff:
        await import_staff(keyperson.db, keyperson.setting_id, staff, country)
    with resources.as_file(data.joinpath("demo_families.csv")) as families:
        await import_families(keyperson.db, keyperson.setting_id, families, country, now=now)
    await demo_workshop(keyperson, now)
    return keyperson


DEMO_TICK_S = 2.0  # timers (a workshop's invites) show on the page within seconds


async def demo_workshop(keyperson: Keyperson, now: datetime) -> None:
    """A workshop a fortnight away, added but not yet sent, for the manager to invite families
    to from the page (WORKSHOP); its few places show the waiting list."""
    from bot.admin.workshops import add, new_workshop

    day = (now + timedelta(days=14)).date()
    new = new_workshop(
        keyperson.profile,
        now,
        title="Helping your child with talking",
        at=f"{day:%Y-%m-%d} 18:00",
        until="19:00",
        where="the Acorns room",
        online="https://meet.example/little-acorns",
        capacity=2,
        audience=None,
    )
    await add(keyperson.db, keyperson.setting_id, keyperson.profile, now, new)
    if keyperson.scheduler is not None:
        keyperson.scheduler.tick_s = DEMO_TICK_S


def demo_app(settings: Settings, folder: Path | None = None, *, clock: Clock) -> Starlette:
    """The demo web app: health check, simulator page and its API."""
    where = folder or Path(tempfile.mkdtemp(prefix="keyperson-demo-"))
    configured = demo_settings(settings, where)

    async def factory() -> Keyperson:
        return await build_demo(configured, clock)

    def simulator(keyperson: Keyperson) -> list[BaseRoute]:
        page = SimulatorPage(
            keyperson.db,
            keyperson.setting_id,
            keyperson.router.accept,
            keyperson.clock,
            ZoneInfo(keyperson.profile.time_zone),
            simulator_menus(keyperson.catalogs),
            DemoTime(clock, keyperson) if isinstance(clock, StartedClock) else None,
        )
        return page.routes()

    return create_app(factory, simulator)


def simulator_menus(catalogs: Catalogs) -> dict[str, list[tuple[str, str]]]:
    """The buttons under each simulated phone: the commands the flows declare that are also
    words, labelled `menu.<audience>.<command>` (or the command's own description)."""
    registry = flow_registry(catalogs)
    english = catalogs.messages["en"]
    menus: dict[str, list[tuple[str, str]]] = {}
    for who in ("carer", "staff"):
        menus[who] = []
        for name in registry.typed_commands(who):
            key = f"menu.{who}.{name}" if f"menu.{who}.{name}" in english else f"command.{name}"
            menus[who].append((name, catalogs.render(Text(key), "en")))
    return menus
