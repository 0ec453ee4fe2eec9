"""The composition root: the one place that names concrete classes and wires them together."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.admin.broadcasts import queue_requested
from bot.config import Settings
from bot.domain.messages import Channel, Text
from bot.domain.setting import SettingDirectory, SettingProfile, load_profile
from bot.engine.caps import Limits
from bot.engine.delivery import Timing
from bot.engine.effects import STAFF_LANGUAGE, Effects
from bot.engine.lookup import Lookup
from bot.engine.outbox import Backoff, Dispatcher
from bot.engine.registry import Registry
from bot.engine.router import Router
from bot.engine.scheduler import Scheduler
from bot.engine.supervisor import GIVE_UP_AFTER_S, Supervisor
from bot.flows import specs
from bot.handlers.base import Sender
from bot.language.catalogs import Catalogs
from bot.language.keywords import Keywords
from bot.language.plain import Glossary
from bot.storage.sqlite.database import BUSY_TIMEOUT_S, BUSY_WAIT_S, Database

if TYPE_CHECKING:
    from bot.handlers.telegram.web import TelegramChannel

log = logging.getLogger(__name__)
TELEGRAM_CHAT_GAP_S = 1.0  # Telegram's limit: about one message a second to one chat
STALE_INBOUND_S = 300.0  # a message waiting this long to be handled: something is stuck


@dataclass(frozen=True, slots=True)
class Tuning:
    """The numbers behind retries, reconciliation and caps. Production uses the defaults;
    tests and the fault suite shrink them, so that they inject time rather than wait it out."""

    limits: Limits = field(default_factory=Limits)
    timing: Timing = field(default_factory=Timing)
    backoff: Backoff = field(default_factory=Backoff)
    give_up_after_s: float = GIVE_UP_AFTER_S
    busy_timeout_s: float = BUSY_TIMEOUT_S
    busy_wait_s: float = BUSY_WAIT_S


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
    directory: SettingDirectory | None = None
    # The schedulers of settings added after the first (add_setting), one per setting.
    more_schedulers: list[Scheduler] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    supervisor: Supervisor = field(default_factory=Supervisor)

    async def start(self) -> None:
        """Start Telegram (if configured), the router worker and the dispatcher, supervised."""
        if self.telegram is not None:
            # Before the dispatcher: the bot must know itself (getMe) before it can send.
            await self.telegram.start()
        self.tasks = [
            self.supervisor.spawn("router", self.router.run),
            self.supervisor.spawn("dispatcher", self.dispatcher.run),
        ]
        if self.scheduler is not None:
            self.scheduler.start()
        for scheduler in self.more_schedulers:
            scheduler.start()

    async def add_setting(self, profile: SettingProfile, source: str) -> int:
        """Serve one more setting from this deployment: messages from its people are handled
        with its profile (found per message), and its own scheduler does its periodic work."""
        async with self.db.transaction() as repos:
            setting_id = await repos.settings.upsert(
                profile.ref, profile.name, source, self.clock()
            )
        assert self.directory is not None and self.scheduler is not None
        self.directory.add(setting_id, profile)
        first = self.scheduler
        scheduler = Scheduler(
            self.db,
            first.effects,
            profile,
            setting_id,
            self.clock,
            first.on_queued,
            supervisor=self.supervisor,
            accept=first.accept,
            task=f"scheduler:{setting_id}",
        )
        self.more_schedulers.append(scheduler)
        if self.tasks:
            scheduler.start()
        return setting_id

    async def health(self) -> tuple[bool, dict[str, object]]:
        """Whether every task is alive and nothing waits too long, with what /healthz shows."""
        tasks = self.supervisor.tasks
        alive = {name: tasks[name].as_dict()["alive"] if name in tasks else False
                 for name in ("router", "dispatcher", "scheduler")}  # fmt: skip
        if self.scheduler is None:
            alive.pop("scheduler")
        ages = await self._ages()
        inbound_age = ages.get("oldest_unhandled_inbound_s")
        stale = isinstance(inbound_age, float) and inbound_age > STALE_INBOUND_S
        healthy = self.supervisor.healthy and all(alive.values()) and not stale
        body: dict[str, object] = {
            "status": "ok" if healthy else "unhealthy",
            "channels": sorted(self.senders),
            **{name: ("alive" if ok else "dead") for name, ok in alive.items()},
            **ages,
            "tasks": {name: task.as_dict() for name, task in sorted(tasks.items())},
        }
        return healthy, body

    async def _ages(self) -> dict[str, float | str | None]:
        """Seconds the oldest unhandled inbound row and the oldest due outbox row have waited,
        read on a second connection so that a locked database cannot hold /healthz up."""
        now = self.clock()
        try:
            repos = await self.db.snapshot()
            inbound = await (await self.db.inbound.snapshot()).oldest_unhandled()
            outbox = await repos.outbox.oldest_due(now)
        except Exception as error:
            return {"storage": type(error).__name__}
        return {
            "oldest_unhandled_inbound_s": _age(inbound, now),
            "oldest_due_outbox_s": _age(outbox, now),
        }

    async def stop(self) -> None:
        """Stop cleanly: committed rows stay stored and are picked up on the next start."""
        if self.scheduler is not None:
            await self.scheduler.stop()
        for scheduler in self.more_schedulers:
            await scheduler.stop()
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


def _age(stamp: datetime | None, now: datetime) -> float | None:
    return None if stamp is None else round(max(0.0, (now - stamp).total_seconds()), 3)


async def open_database(
    settings: Settings,
    profile: SettingProfile,
    clock: Callable[[], datetime],
    tuning: Tuning = Tuning(),
) -> tuple[Database, int]:
    """Open (creating or migrating) the database and record the setting; return its id."""
    db = Database(settings.database, tuning.busy_timeout_s, tuning.busy_wait_s)
    await db.open()
    raw = await asyncio.to_thread(Path(settings.setting_file).read_text, encoding="utf-8")
    async with db.transaction() as repos:
        setting_id = await repos.settings.upsert(profile.ref, profile.name, raw, clock())
    return db, setting_id


async def build(
    settings: Settings,
    senders: Mapping[Channel, Sender],
    clock: Callable[[], datetime],
    telegram: TelegramChannel | None = None,
    tuning: Tuning = Tuning(),
    profile: SettingProfile | None = None,
) -> Keyperson:
    """Wire a Keyperson from its settings (and setting file, unless `profile` is given)."""
    profile = profile or load_profile(settings.setting_file)
    db, setting_id = await open_database(settings, profile, clock, tuning)
    catalogs = Catalogs.load()
    supervisor = Supervisor(give_up_after_s=tuning.give_up_after_s, is_storage_error=db.is_error)
    if telegram is not None:
        senders = {**senders, Channel.TELEGRAM: telegram.sender}
    dispatcher = Dispatcher(
        db,
        senders,
        clock,
        backoff=tuning.backoff,
        supervisor=supervisor,
        timing=tuning.timing,
        render=catalogs.render,
    )
    registry = flow_registry(catalogs)
    directory = SettingDirectory({setting_id: profile}, setting_id)
    effects = Effects(catalogs, profile, registry.writer, directory)
    # Broadcasts a manager sent from a phone are queued by the server, beside the lanes.
    dispatcher.feeds.append(functools.partial(queue_requested, db, catalogs, directory, clock))
    router = Router(
        db,
        Lookup(profile, setting_id, Glossary.load(), registry, directory),
        effects,
        clock,
        on_queued=dispatcher.wake,
        supervisor=supervisor,
        limits=tuning.limits,
    )
    if telegram is not None:
        telegram.bind(router.accept, clock, supervisor)
    scheduler = Scheduler(
        db,
        effects,
        profile,
        setting_id,
        clock,
        dispatcher.wake,
        supervisor=supervisor,
        accept=router.accept,
    )
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
        directory=directory,
        supervisor=supervisor,
    )


def production_senders(settings: Settings) -> dict[Channel, Sender]:
    """The real channel adapters the settings configure."""
    from bot.handlers.sms.send import TwilioSender

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
            rate_per_s=load_profile(settings.setting_file).sms_per_second,
        )
    return senders


def production_telegram(
    settings: Settings, chat_gap_s: float = TELEGRAM_CHAT_GAP_S
) -> TelegramChannel | None:
    """The Telegram channel the settings configure (webhook with a public URL, else polling).

    `chat_gap_s` keeps sends to one chat apart, as Telegram asks; tests shorten it."""
    if settings.telegram_bot_token is None:
        return None
    from bot.handlers.telegram.send import TelegramSender
    from bot.handlers.telegram.web import TelegramChannel, build_application

    profile = load_profile(settings.setting_file)
    catalogs = Catalogs.load()
    application = build_application(settings.telegram_bot_token, settings.telegram_api_url)
    # The command menus Telegram shows, from what the flows declare: families see theirs,
    # staff get their own in their chats.
    registry = flow_registry(catalogs)
    carer_commands, staff_commands = registry.commands("carer"), registry.commands("staff")
    staff = command_menu(catalogs, staff_commands, STAFF_LANGUAGE)
    sender = TelegramSender(application.bot, chat_gap_s=chat_gap_s, staff_commands=staff)
    menus: dict[str | None, list[tuple[str, str]]] = {
        None: command_menu(catalogs, carer_commands, profile.languages[0])
    }
    for language in profile.languages[1:]:
        menus[language] = command_menu(catalogs, carer_commands, language)
    return TelegramChannel(
        application,
        sender,
        public_url=settings.public_url,
        secret=settings.telegram_webhook_secret,
        commands=menus,
    )


def flow_registry(catalogs: Catalogs) -> Registry:
    """Every flow the package holds, with the trigger words of every catalog."""
    return Registry(specs(), Keywords.from_catalogs(catalogs))


def command_menu(
    catalogs: Catalogs, commands: tuple[str, ...], language: str
) -> list[tuple[str, str]]:
    """(command, description) pairs for Telegram's menu, described in one language."""
    return [(name, catalogs.render(Text(f"command.{name}"), language)) for name in commands]
