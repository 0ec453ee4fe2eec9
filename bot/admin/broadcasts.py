"""Queuing a broadcast: its audience resolved, one message per phone or chat rendered in each
family's language, and (when it asks families to confirm) a reminder held until its time, all
in one transaction; and the words that describe who it reaches.

The CLI queues into the running server's database; the server's dispatcher sees the rows
within a second. A broadcast asked for from a manager's phone is kept as a request and queued
by the server the same way (`queue_requested`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.admin.audiences import resolve_audience
from bot.domain.audience import AudienceError, Resolution
from bot.domain.broadcasts import (
    BroadcastError,
    BroadcastRequest,
    checked_text,
    message,
    reference,
    remind_at,
)
from bot.domain.messages import Channel, Priority, Text
from bot.domain.people import PersonKind
from bot.domain.setting import SettingDirectory, SettingProfile
from bot.domain.time import quiet_end
from bot.domain.translations import Delivery
from bot.engine import translating
from bot.engine.translating import SEE_EARLIER, WAITING
from bot.language.catalogs import Catalogs
from bot.language.splitting import sms_rows
from bot.storage.repos import Repos, Store
from bot.storage.rows import NewOutbox

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (recipients done, recipients in all)
CHUNK = 500


@dataclass(frozen=True, slots=True)
class Queued:
    """A broadcast once queued: its number, who it reaches, and when quiet hours hold it to."""

    number: int
    resolution: Resolution
    messages: int
    held_until: datetime | None

    @property
    def reference(self) -> str:
        """B-<number>."""
        return reference(self.number)


class Broadcaster:
    """Queues broadcasts for one setting; the caller owns the transaction."""

    def __init__(self, catalogs: Catalogs, profile: SettingProfile) -> None:
        self.catalogs = catalogs
        self.profile = profile
        self.zone = ZoneInfo(profile.time_zone)

    async def preview(self, repos: Repos, setting_id: int, request: BroadcastRequest) -> Resolution:
        """Who it would reach, checking the text and the audience (raises if either is bad)."""
        checked_text(request.text)
        _, resolution = await resolve_audience(
            repos, setting_id, request.audience, self.profile.languages, request.essential
        )
        return resolution

    async def queue(
        self,
        repos: Repos,
        setting_id: int,
        request: BroadcastRequest,
        now: datetime,
        progress: Progress | None = None,
        existing: tuple[int, int] | None = None,
    ) -> Queued:
        """Queue one broadcast (a new one, or the requested one `existing` = (id, number))."""
        request = dataclasses.replace(request, text=checked_text(request.text))
        audience, resolution = await resolve_audience(
            repos, setting_id, request.audience, self.profile.languages, request.essential
        )
        if existing is None:
            existing = await repos.broadcasts.create(setting_id, request, audience.written(), now)
        broadcast_id, number = existing
        local = now.astimezone(self.zone)
        # An urgent broadcast (a closure) goes through quiet hours; others wait for them to end.
        held = None if request.urgent else quiet_end(self.profile.quiet, local)
        reminder_due = None
        if request.confirm:
            due = remind_at(now, self.profile.broadcast_reminder_hours).astimezone(self.zone)
            reminder_due = quiet_end(self.profile.quiet, due) or due
        rows: list[NewOutbox] = []
        reminders: list[NewOutbox] = []
        # Languages whose words go to a translator first ([languages] translate_staff_text).
        later, told = await self._translated(repos, setting_id, request, number, resolution, now)
        bodies = _Bodies(self.catalogs, self.profile.name, request, frozenset(later))
        total = len(resolution.recipients)
        for done, recipient in enumerate(resolution.recipients, start=1):
            for channel, address in recipient.addresses:
                template = bodies.rows(recipient.language, channel, False)
                rows += [_to(t, setting_id, address, recipient.carer_id, held) for t in template]
                if reminder_due is not None:
                    template = bodies.rows(recipient.language, channel, True)
                    reminders += [
                        _to(t, setting_id, address, recipient.carer_id, reminder_due)
                        for t in template
                    ]
            if progress is not None and (done % CHUNK == 0 or done == total):
                progress(done, total)
        await repos.broadcasts.queue(broadcast_id, resolution, rows, reminders, reminder_due, now)
        if told:
            await repos.outbox.add(told, now)
        await repos.audit.record(
            setting_id,
            request.sent_by,
            "broadcast.queued",
            reference(number),
            {
                "audience": audience.written(),
                "messages": len(rows),
                "families": resolution.families,
                "urgent": request.urgent,
                "confirm": request.confirm,
                "translating": sorted(later),
            },
            now,
        )
        return Queued(number, resolution, len(rows), held)

    async def _translated(
        self,
        repos: Repos,
        setting_id: int,
        request: BroadcastRequest,
        number: int,
        resolution: Resolution,
        now: datetime,
    ) -> tuple[list[str], list[NewOutbox]]:
        """One translation task per language with a translator (not one per family), every
        family of that language in it; the languages, and the rows telling the translators."""
        by_language = await translating.translators(repos, self.profile, setting_id)
        languages = sorted({r.language for r in resolution.recipients} & set(by_language))
        if not languages:
            return [], []
        deliver_to = await translating.told(repos, setting_id, request.sent_by)
        author = await _author(repos, request.sent_by, self.profile.name)
        later: list[str] = []
        rows: list[NewOutbox] = []
        for language in languages:
            carers = tuple(
                (r.carer_id, None) for r in resolution.recipients if r.language == language
            )
            wrapper = message(self.profile.name, request)
            delivery = Delivery(
                wrapper.key,
                "text",
                carers,
                {"setting": self.profile.name},
                int(request.priority),
                request.essential,
            )
            wanted = translating.ForFamilies(
                language, request.text, author, reference(number), delivery, deliver_to,
                request.sent_by,
            )  # fmt: skip
            asked = await translating.ask(
                repos, self.catalogs, self.profile, setting_id, wanted, by_language[language], now
            )
            if asked is not None:
                later.append(language)
                rows += asked[1]
        return later, rows


class _Bodies:
    """The rows of one message per (language, channel, reminder), rendered once each."""

    def __init__(
        self,
        catalogs: Catalogs,
        setting: str,
        request: BroadcastRequest,
        later: frozenset[str] = frozenset(),
    ) -> None:
        self.catalogs = catalogs
        self.setting = setting
        self.request = request
        self.later = later  # languages whose words follow once translated
        self._made: dict[tuple[str, str, bool], list[NewOutbox]] = {}

    def rows(self, language: str, channel: str, reminder: bool) -> list[NewOutbox]:
        key = (language, channel, reminder)
        if key not in self._made:
            text = message(self.setting, self.request, reminder)
            if language in self.later:
                text = _awaiting(self.setting, self.request, reminder)
            body = self.catalogs.render(text, language, channel)
            row = NewOutbox(
                setting_id=None,
                channel=channel,
                address="",
                person_kind=PersonKind.CARER.value,
                person_id=None,
                priority=int(self.request.priority),
                body=body,
                choices=[],
                essential=self.request.essential,
            )
            self._made[key] = sms_rows(row) if channel == Channel.SMS else [row]
        return self._made[key]


def _awaiting(setting: str, request: BroadcastRequest, reminder: bool) -> Text:
    """The wrapper with "a translation is on its way" (a reminder: "see our earlier message")
    in place of the words; the request to confirm comes with the translation itself."""
    if reminder:
        return Text(message(setting, request, True).key, {"setting": setting, "text": SEE_EARLIER})
    plain = dataclasses.replace(request, confirm=False)
    return Text(message(setting, plain).key, {"setting": setting, "text": WAITING})


async def _author(repos: Repos, sent_by: str, setting: str) -> str:
    """Who wrote a broadcast, as a translator reads it: the manager, or the setting (CLI)."""
    kind, _, person = sent_by.partition(":")
    if kind == PersonKind.STAFF.value and person.isdigit():
        return (await repos.people.staff_member(int(person))).name
    return setting


def _to(
    template: NewOutbox, setting_id: int, address: str, carer_id: int, held: datetime | None
) -> NewOutbox:
    # Built directly rather than with dataclasses.replace: a broadcast makes 10,000 of these.
    t = template
    return NewOutbox(
        setting_id, t.channel, address, t.person_kind, carer_id, t.priority, t.body, t.choices,
        t.ignore_stop, t.essential, t.thread, t.photo, held, t.fallback_of,
    )  # fmt: skip


async def queue_requested(
    db: Store, catalogs: Catalogs, directory: SettingDirectory, clock: Callable[[], datetime]
) -> int:
    """Queue the broadcasts managers asked for from their phones, and tell each manager its
    reference; return the messages queued. A request that can no longer go (its room emptied
    since the preview) is queued to nobody, and the manager is told it reaches no family."""
    async with db.reading() as repos:
        requested = await repos.broadcasts.requested()
    queued = 0
    for wanted in requested:
        profile = directory.of(wanted.setting_id)[1]
        broadcaster = Broadcaster(catalogs, profile)
        async with db.transaction() as repos:
            now = clock()
            existing = (wanted.id, wanted.number)
            try:
                done = await broadcaster.queue(
                    repos, wanted.setting_id, wanted.request, now, existing=existing
                )
            except (AudienceError, BroadcastError) as error:
                log.warning("broadcast %s not queued: %s", wanted.id, error.key)
                nobody = Resolution((), 0, 0)
                await repos.broadcasts.queue(wanted.id, nobody, [], [], None, now)
                done = Queued(wanted.number, nobody, 0, None)
            await _tell_sender(repos, catalogs, wanted.setting_id, wanted.request, done, now)
        queued += done.messages
    return queued


async def _tell_sender(
    repos: Repos,
    catalogs: Catalogs,
    setting_id: int,
    request: BroadcastRequest,
    done: Queued,
    now: datetime,
) -> None:
    """The manager who asked from a phone hears its reference and how many it reaches."""
    kind, _, person = request.sent_by.partition(":")
    if kind != PersonKind.STAFF.value or not person.isdigit():
        return
    staff = await repos.people.staff_member(int(person))
    text = Text(
        "broadcast.queued_staff",
        {"reference": done.reference, "count": done.resolution.families},
    )
    rows = []
    for contact in (await repos.links.route(PersonKind.STAFF, staff.id)).chosen(True):
        body = catalogs.render(text, staff.language, contact.channel)
        rows += sms_rows(
            NewOutbox(
                setting_id=setting_id,
                channel=contact.channel,
                address=contact.address,
                person_kind=PersonKind.STAFF.value,
                person_id=staff.id,
                priority=int(Priority.REPLY),
                body=body,
                choices=[],
            )
        )
    if rows:
        await repos.outbox.add(rows, now)
