"""APScheduler drives the periodic work; the work itself lives in database rows.

Every tick (30 s): summaries whose time has come are queued, one per carer, and their items
marked sent in the same transaction, so each goes once even across restarts. Once a week, at
the setting's keeping-in-touch time, each key person is told which of their families have had
no update lately, or only concerns; a row per week makes that once as well. Due timers (rows,
with their due instant in UTC) go to the flows that set them as events; a reminder that fell
due while the server was down is still sent if it is of use, else recorded as missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.domain.messages import Channel, Inbound, InboundKind, Priority, Text
from bot.domain.people import PersonKind
from bot.domain.reminders import Fate, fate
from bot.domain.setting import SettingProfile
from bot.domain.time import at_local
from bot.engine.effects import STAFF_LANGUAGE, Effects, Message, Origin
from bot.engine.supervisor import Supervisor, TaskDied
from bot.storage.repos import Repos, Store
from bot.storage.rows import ReminderRow

log = logging.getLogger(__name__)
TICK_S = 30.0  # a timer fires within a tick of its time: well within a minute
FIRE_BATCH = 2000  # due timers handed over per round; rounds go on until none are left
CONCERN_WINDOW_DAYS = 30
KEEPING_IN_TOUCH_WINDOW = timedelta(hours=12)  # sent late after a restart, but not days late
TASK = "scheduler"


def _event(timer: ReminderRow, now: datetime) -> Inbound:
    """A due timer as an inbound event for the person it is for."""
    return Inbound(
        channel=Channel(timer.channel),
        address=timer.address,
        external_id=f"timer:{timer.id}",
        received_at=now,
        kind=InboundKind.TIMER,
        timer={
            "id": timer.id,
            "flow": timer.flow,
            "rule": timer.rule,
            "due": timer.due_at.isoformat(),
            "payload": timer.payload,
            "kind": timer.kind,
            "subject": timer.subject,
            "about": timer.about,
            "event_at": timer.event_at.isoformat() if timer.event_at else None,
        },
    )


def _ids(timers: list[ReminderRow]) -> str:
    shown = ",".join(str(t.id) for t in timers[:20])
    return shown + (",…" if len(timers) > 20 else "")


def opening_days_ago(profile: SettingProfile, local_now: datetime, days: int) -> datetime:
    """The local start of the day `days` opening days before today."""
    day = local_now
    counted = 0
    while counted < days:
        day -= timedelta(days=1)
        if day.weekday() in profile.opening_days:
            counted += 1
    return at_local(day, datetime.min.time())


async def engagement(
    repos: Repos, profile: SettingProfile, setting_id: int, local_now: datetime
) -> list[dict[str, object]]:
    """Per child: last update, the last month's concerns and celebrations, and whether the
    family has had no update for the setting's number of opening days."""
    since = opening_days_ago(profile, local_now, profile.no_update_days)
    window = local_now - timedelta(days=CONCERN_WINDOW_DAYS)
    return await repos.news.quiet_families(setting_id, since, window)


class Scheduler:
    """Periodic work for one setting: summaries and the weekly keeping-in-touch lists."""

    def __init__(
        self,
        db: Store,
        effects: Effects,
        profile: SettingProfile,
        setting_id: int,
        clock: Callable[[], datetime],
        on_queued: Callable[[], None],
        tick_s: float = TICK_S,
        supervisor: Supervisor | None = None,
        accept: Callable[[Inbound], Awaitable[bool]] | None = None,
        task: str = TASK,
    ) -> None:
        self.accept = accept  # where due timers go: the router, as events
        # One scheduler per setting; the first is "scheduler" in /healthz, others add their id.
        self.task = task
        self.db = db
        self.effects = effects
        self.profile = profile
        self.setting_id = setting_id
        self.clock = clock
        self.on_queued = on_queued
        self.tick_s = tick_s
        self.zone = ZoneInfo(profile.time_zone)
        self.origin = Origin("system", "system", setting_id, None, STAFF_LANGUAGE)
        self._aps: AsyncIOScheduler | None = None
        self._busy = asyncio.Lock()
        self.supervisor = supervisor or Supervisor(is_storage_error=db.is_error)

    def start(self) -> None:
        """Start ticking in the running event loop (the first tick at once)."""
        self._aps = AsyncIOScheduler(timezone=UTC)
        self._aps.add_job(
            self.tick, "interval", seconds=self.tick_s, max_instances=1, coalesce=True, id="tick"
        )
        # The first tick at once: a date job with no date runs now by APScheduler's own timer,
        # so nothing here reads the wall clock (the work itself goes by self.clock).
        self._aps.add_job(self.tick, "date", id="first-tick")
        self._aps.start()
        self.supervisor.state(self.task).running = True

    async def stop(self) -> None:
        """Stop ticking, letting a tick in progress finish; work not done stays in its rows."""
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
        self._aps = None
        self.supervisor.state(self.task).running = False
        async with self._busy:
            pass

    async def tick(self) -> None:
        """One round of periodic work; errors are logged and the next tick tries again."""
        async with self._busy:
            await self._tick()

    async def _tick(self) -> None:
        try:
            queued = (
                await self.send_summaries()
                + await self.fire_timers()
                + await self.keeping_in_touch()
            )
        except Exception as error:
            # Each piece of work is one transaction over its rows: the next tick does it again.
            with contextlib.suppress(TaskDied):
                await self.supervisor.failed(self.task, error, "tick", wait=False)
            return
        self.supervisor.ok(self.task)
        if queued:
            self.on_queued()

    async def send_summaries(self) -> int:
        """Queue every summary that is due, one message per carer; return messages queued."""
        now = self.clock()
        stamp = now
        async with self.db.transaction() as repos:
            items = await repos.news.due(stamp)
            by_carer: dict[int, list[str]] = defaultdict(list)
            for item in items:
                by_carer[item.carer_id].append(item.text)
            rows = []
            for carer_id, texts in by_carer.items():
                carer = await repos.people.carer(carer_id)
                updates = Text("label.raw", {"text": "\n\n".join(texts)})
                text = Text("update.summary", {"setting": self.profile.name, "updates": updates})
                message = Message(text, (), Priority.NORMAL)
                rows += await self.effects.deliver(
                    repos, PersonKind.CARER, carer_id, carer.language, message, self.origin, stamp
                )
            if rows:
                await repos.outbox.add(rows, stamp)
            await repos.news.mark_sent([item.id for item in items], stamp)
        if items:
            log.info("summaries: %d item(s) for %d carer(s)", len(items), len(by_carer))
        return len(rows)

    async def fire_timers(self) -> int:
        """Hand each due timer to the router as an event of the flow that set it, to be handled
        like a message: under the person's lock, through the flow, in one transaction. The
        event's id is the timer's, so storing it twice (a crash before the timer is marked
        fired) handles it once. A reminder found due after its event, or more than the
        setting's late grace after its time (the server was down), is recorded as missed and
        never sent late. Returns how many timers were handed over."""
        if self.accept is None:
            return 0
        grace = timedelta(hours=self.profile.late_grace_hours)
        handed = 0
        while True:
            # Read each round: rows that fall due while a large round is handed over go next.
            now = self.clock()
            async with self.db.reading() as repos:
                due = await repos.reminders.due(now, FIRE_BATCH, self.setting_id)
            late = {t.id for t in due if t.kind and self._fate(t, now, grace) is Fate.MISSED}
            useful = [t for t in due if t.id not in late]
            missed = [t for t in due if t.id in late]
            # Stored together: one group commit of the inbound file for the whole batch.
            await asyncio.gather(*(self.accept(_event(t, now)) for t in useful))
            async with self.db.transaction() as repos:
                # Stamped when handed over (a large round takes a while), not when found.
                await repos.reminders.mark_all_fired([t.id for t in useful], self.clock())
                await repos.reminders.mark_missed([t.id for t in missed], now)
                for timer in missed:
                    details = {"rule": timer.rule, "due": timer.due_at.isoformat()}
                    await repos.audit.record(
                        timer.setting_id, "system", "reminder.missed", timer.subject, details, now
                    )
            if missed:
                log.info("reminders: %d missed (%s)", len(missed), _ids(missed))
            handed += len(useful)
            if len(due) < FIRE_BATCH:
                return handed

    @staticmethod
    def _fate(timer: ReminderRow, now: datetime, grace: timedelta) -> Fate:
        return fate(timer.due_at, now, timer.event_at, grace)

    async def keeping_in_touch(self) -> int:
        """Once a week at the set time, tell each key person who has not heard from them."""
        local = self.clock().astimezone(self.zone)
        monday = local - timedelta(days=local.weekday())
        due = at_local(
            monday + timedelta(days=self.profile.keeping_in_touch_day),
            self.profile.keeping_in_touch_time,
        )
        year, week, _ = local.isocalendar()
        if not due <= local < due + KEEPING_IN_TOUCH_WINDOW:
            return 0  # a list from days ago would be stale: the next one comes next week
        stamp = self.clock()
        async with self.db.transaction() as repos:
            period = f"{year}-W{week:02d}"
            if not await repos.reminders.claim_period("keeping_in_touch", period, stamp):
                return 0
            rows = []
            for staff_id, text in (await self.lists(repos, local)).items():
                message = Message(text, (), Priority.NORMAL)
                language = (await repos.people.staff_member(staff_id)).language
                rows += await self.effects.deliver(
                    repos, PersonKind.STAFF, staff_id, language, message, self.origin, stamp
                )
            if rows:
                await repos.outbox.add(rows, stamp)
        return len(rows)

    async def lists(self, repos: Repos, local_now: datetime) -> dict[int, Text]:
        """For each key person with families to reach: the message listing them."""
        rows = await self.report(repos, local_now)
        quiet: dict[int, list[str]] = defaultdict(list)
        only_concerns: dict[int, list[str]] = defaultdict(list)
        for row in rows:
            staff_id = row["key_person_id"]
            if not isinstance(staff_id, int):
                continue
            if row["no_update"]:
                quiet[staff_id].append(str(row["first_name"]))
            if row["concerns"] and not row["celebrations"]:
                only_concerns[staff_id].append(str(row["first_name"]))
        return {
            staff_id: Text(
                "kit.staff",
                {
                    "count": self.profile.no_update_days,
                    "quiet": tuple(quiet.get(staff_id, ())) or "-",
                    "only_concerns": tuple(only_concerns.get(staff_id, ())) or "-",
                },
            )
            for staff_id in sorted(set(quiet) | set(only_concerns))
        }

    async def report(self, repos: Repos, local_now: datetime) -> list[dict[str, object]]:
        """Per child: last update, concerns and celebrations in the last 30 days, and flags."""
        return await engagement(repos, self.profile, self.setting_id, local_now)
