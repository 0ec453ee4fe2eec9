"""Supervision of the background tasks: router worker, dispatcher lanes, scheduler, poller.

A failed iteration is logged with ids and tried again after a capped, growing pause. A task
that keeps failing for longer than `give_up_after_s`, or whose loop ends when it should run
forever, is dead: /healthz turns 503 and `on_fatal` stops the process so that whatever runs it
(systemd, a container runtime) starts a fresh one. A busy or full database heals by itself, so
it is waited out; only a failure that outlasts the deadline is fatal.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)
GIVE_UP_AFTER_S = 300.0  # five minutes of nothing but failures: a restart may help, waiting won't
BACKOFF_BASE_S = 0.1
BACKOFF_CAP_S = 10.0


class TaskDied(Exception):
    """A supervised task failed for too long; its loop ends here."""


@dataclass(slots=True)
class TaskState:
    """What /healthz says about one task."""

    name: str
    running: bool = False
    dead: bool = False
    failures: int = 0  # in a row
    failing_since: float | None = None
    last_error: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The JSON /healthz shows."""
        return {
            "alive": self.running and not self.dead,
            "failures": self.failures,
            "last_error": self.last_error,
        }


def describe(error: BaseException, storage: bool = False) -> str:
    """An error for a log line: its class, and (`storage`) the storage's own words, which hold
    no data."""
    if storage:
        return f"{type(error).__name__}: {error}"
    return type(error).__name__


class Supervisor:
    """Keeps each task's health, paces its retries and declares it dead when it cannot recover."""

    def __init__(
        self,
        give_up_after_s: float = GIVE_UP_AFTER_S,
        backoff_base_s: float = BACKOFF_BASE_S,
        backoff_cap_s: float = BACKOFF_CAP_S,
        monotonic: Callable[[], float] = time.monotonic,
        is_storage_error: Callable[[BaseException], bool] = lambda error: False,
    ) -> None:
        self.give_up_after_s = give_up_after_s
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.monotonic = monotonic
        self.is_storage_error = is_storage_error  # the storage's errors are logged by their words
        self.tasks: dict[str, TaskState] = {}
        self.on_fatal: Callable[[str], None] = lambda name: None

    def state(self, name: str) -> TaskState:
        """The state of a task, registered on first use."""
        if name not in self.tasks:
            self.tasks[name] = TaskState(name)
        return self.tasks[name]

    @property
    def healthy(self) -> bool:
        """Every task registered is running and none is dead."""
        return all(t.running and not t.dead for t in self.tasks.values())

    def ok(self, name: str) -> None:
        """An iteration of the task succeeded."""
        task = self.state(name)
        if task.failures:
            log.info("%s recovered after %d failed attempt(s)", name, task.failures)
        task.failures, task.failing_since, task.last_error = 0, None, None

    async def failed(
        self, name: str, error: BaseException, ids: str = "", *, wait: bool = True
    ) -> None:
        """Log a failed iteration with its ids; pause before the next (with `wait`); raise
        TaskDied when the task has failed for longer than it may."""
        task = self.state(name)
        now = self.monotonic()
        task.failures += 1
        task.failing_since = task.failing_since if task.failing_since is not None else now
        task.last_error = describe(error, self.is_storage_error(error))
        delay = min(self.backoff_cap_s, self.backoff_base_s * 2 ** min(task.failures - 1, 20))
        where = f" ({ids})" if ids else ""
        if self.is_storage_error(error) or task.failures > 1:
            log.warning(
                "%s failed%s: %s; attempt %d, next in %.1f s",
                name, where, task.last_error, task.failures, delay,
            )  # fmt: skip
        else:
            log.exception("%s failed%s; next attempt in %.1f s", name, where, delay)
        if now - task.failing_since >= self.give_up_after_s:
            self.die(name, f"failing for {now - task.failing_since:.0f} s")
            raise TaskDied(name) from error
        if wait:
            await asyncio.sleep(delay)

    def die(self, name: str, why: str) -> None:
        """Declare a task dead: /healthz fails and the process is asked to stop."""
        task = self.state(name)
        if task.dead:
            return
        task.dead = True
        log.critical("%s cannot recover (%s): stopping for a fresh process to take over", name, why)
        self.on_fatal(name)

    def spawn(self, name: str, run: Callable[[], Coroutine[Any, Any, None]]) -> asyncio.Task[None]:
        """Run a task that should never end; if it ends (other than by cancel), it is dead."""
        self.state(name).running = True

        async def guarded() -> None:
            try:
                await run()
            except asyncio.CancelledError:
                self.state(name).running = False
                raise
            except TaskDied:
                return
            except Exception as error:
                self.state(name).last_error = describe(error, self.is_storage_error(error))
                log.exception("%s stopped unexpectedly", name)
                self.die(name, "its loop raised")
                return
            self.die(name, "its loop ended")

        return asyncio.create_task(guarded(), name=name)
