"""The composition root: the one place that names concrete classes and wires them together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import SettingProfile, Settings, load_profile
from bot.domain import Channel, Text
from bot.effects import STAFF_LANGUAGE, Effects
from bot.handlers.base import Sender
from bot.i18n import Catalogs
from bot.lookup import Lookup
from bot.outbox import Dispatcher
from bot.plain import Glossary
from bot.router import Router
from bot.scheduler import Scheduler
from bot.storage.sqlite import Database, iso, utcnow

if TYPE_CHECKING:
    from bot.handlers.telegram_web import TelegramChannel

log = logging.getLogger(__name__)
# The command menus Telegram shows: families see these, staff also get /reply in their chats.
CARER_COMMANDS = ("start", "info", "wow", "settings", "help")
STAFF_COMMANDS = ("update", "wow", "reply", "info", "help", "start")


@dataclass
class Keyperson:
    """A running Keyperson: storage, router, dispatcher and the channels it sends on."""

    settings: Settings
    profile: SettingProfile
    setting_id: int
    db: Database
    catalogs: Catalogs
    router: Router
    dispatcher: Dispatcher
    senders: Mapping[Channel, Sender]
    clock: Callable[[], datetime]
    telegram: TelegramChannel | None = None
    scheduler: Scheduler | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        """Start Telegram (if configured), the router worker and the dispatcher."""
        if self.telegram is not None:
            # Before the dispatcher: the bot must know itself (getMe) before it can send.
            await self.telegram.start()
        self.tasks = [
            asyncio.create_task(self.router.run(), name="router"),
            asyncio.create_task(self.dispatcher.run(), name="dispatcher"),
        ]
        if self.scheduler is not None:
            self.scheduler.start()

    async def stop(self) -> None:
        """Stop cleanly: committed rows stay stored and are picked up on the next start."""
        if self.scheduler is not None:
            await self.scheduler.stop()
        await self.router.stop()
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.tasks = []
        if self.telegram is not None:
            await self.telegram.stop()
        for sender in self.senders.values():
            await sender.close()
        await self.db.close()


async def open_database(settings: Settings, profile: SettingProfile) -> tuple[Database, int]:
    """Open (creating or migrating) the database and record the setting; return its id."""
    db = Database(settings.database)
    await db.open()
    raw = await asyncio.to_thread(Path(settings.setting_file).read_text, encoding="utf-8")
    async with db.transaction() as repos:
        setting_id = await repos.settings.upsert(profile.ref, profile.name, raw, iso(utcnow()))
    return db, setting_id


async def build(
    settings: Settings,
    senders: Mapping[Channel, Sender],
    clock: Callable[[], datetime] = utcnow,
    telegram: TelegramChannel | None = None,
    profile: SettingProfile | None = None,
) -> Keyperson:
    """Wire a Keyperson from its settings (and setting file, unless `profile` is given)."""
    profile = profile or load_profile(settings.setting_file)
    db, setting_id = await open_database(settings, profile)
    catalogs = Catalogs.load()
    if telegram is not None:
        senders = {**senders, Channel.TELEGRAM: telegram.sender}
    dispatcher = Dispatcher(db, senders, clock)
    effects = Effects(catalogs, profile)
    router = Router(
        db,
        Lookup(profile, setting_id, Glossary.load()),
        effects,
        clock,
        on_queued=dispatcher.wake,
    )
    if telegram is not None:
        telegram.bind(router.accept, clock)
    scheduler = Scheduler(db, effects, profile, setting_id, clock, dispatcher.wake)
    return Keyperson(
        settings,
        profile,
        setting_id,
        db,
        catalogs,
        router,
        dispatcher,
        senders,
        clock,
        telegram,
        scheduler,
    )


def production_senders(settings: Settings) -> dict[Channel, Sender]:
    """The real channel adapters the settings configure."""
    from bot.handlers.sms_send import TwilioSender

    senders: dict[Channel, Sender] = {}
    if settings.sms_enabled:
        assert settings.twilio_account_sid and settings.twilio_auth_token
        callback = f"{settings.public_url}/webhooks/twilio/status" if settings.public_url else None
        senders[Channel.SMS] = TwilioSender(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            from_number=settings.twilio_from_number,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            status_callback_url=callback,
            api_url=settings.twilio_api_url,
        )
    return senders


def production_telegram(settings: Settings) -> TelegramChannel | None:
    """The Telegram channel the settings configure (webhook with a public URL, else polling)."""
    if settings.telegram_bot_token is None:
        return None
    from bot.handlers.telegram_send import TelegramSender
    from bot.handlers.telegram_web import TelegramChannel, build_application

    profile = load_profile(settings.setting_file)
    catalogs = Catalogs.load()
    application = build_application(settings.telegram_bot_token, settings.telegram_api_url)
    staff = command_menu(catalogs, STAFF_COMMANDS, STAFF_LANGUAGE)
    sender = TelegramSender(application.bot, staff_commands=staff)
    menus: dict[str | None, list[tuple[str, str]]] = {
        None: command_menu(catalogs, CARER_COMMANDS, profile.languages[0])
    }
    for language in profile.languages[1:]:
        menus[language] = command_menu(catalogs, CARER_COMMANDS, language)
    return TelegramChannel(
        application,
        sender,
        public_url=settings.public_url,
        secret=settings.telegram_webhook_secret,
        commands=menus,
    )


def command_menu(
    catalogs: Catalogs, commands: tuple[str, ...], language: str
) -> list[tuple[str, str]]:
    """(command, description) pairs for Telegram's menu, described in one language."""
    return [(name, catalogs.render(Text(f"command.{name}"), language)) for name in commands]
