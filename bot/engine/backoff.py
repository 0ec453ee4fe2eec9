"""Asking again with capped backoff when a provider cannot be reached, saying so in one line."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

from bot.domain.errors import KeypersonError

log = logging.getLogger(__name__)

FIRST_WAIT_S = 2.0
LONGEST_WAIT_S = 60.0
T = TypeVar("T")


class Unreachable(KeypersonError):
    """A provider could not be asked (no network, a timeout, a 5xx); asking again may work."""


def waits(first: float = FIRST_WAIT_S, longest: float = LONGEST_WAIT_S) -> Iterator[float]:
    """Seconds to wait before each new try: doubling from `first`, never more than `longest`."""
    wait = first
    while True:
        yield wait
        wait = min(wait * 2, longest)


async def until_reachable(
    attempt: Callable[[], Awaitable[T]],
    pauses: Iterator[float] | None = None,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T:
    """Run `attempt` until it answers; each Unreachable is logged in one line, then waited out."""
    pauses = pauses if pauses is not None else waits()
    while True:
        try:
            return await attempt()
        except Unreachable as error:
            pause = next(pauses)
            log.warning("%s; trying again in %.0f s", error, pause)
            await sleep(pause)
