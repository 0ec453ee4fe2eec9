"""The pacer on a simulated clock: never more than the limit within any second when requests
leave (even when wake-ups come late, as on a busy machine), yet close to the limit."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.engine import outbox
from bot.engine.outbox import Pacer


class SimulatedTime:
    """A clock that `asyncio.sleep` moves on, each wake-up late by up to `late_s`."""

    def __init__(self, late_s: float, seed: int = 7) -> None:
        self.now = 100.0
        self.late_s = late_s
        self.rng = random.Random(seed)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds) + self.rng.uniform(0, self.late_s)


def most_in_a_second(times: list[float]) -> int:
    most, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


@pytest.mark.parametrize(("rate", "late_s"), [(10, 0.0), (10, 0.03), (30, 0.0), (30, 0.02)])
async def test_never_over_the_limit_in_any_second_and_close_to_it(
    monkeypatch: pytest.MonkeyPatch, rate: int, late_s: float
) -> None:
    time = SimulatedTime(late_s)
    monkeypatch.setattr(outbox.asyncio, "sleep", time.sleep)
    pacer = Pacer(rate, time)
    left = []
    for _ in range(rate * 20):
        await pacer.wait()
        left.append(time.now)
    assert most_in_a_second(left) <= rate
    per_s = (len(left) - 1) / (left[-1] - left[0])
    assert per_s >= 0.95 * rate


async def test_sends_waiting_together_take_turns_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    time = SimulatedTime(0.0)
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        await real_sleep(0)  # let the others queue up behind
        await time.sleep(seconds)

    monkeypatch.setattr(outbox.asyncio, "sleep", sleep)
    pacer = Pacer(10, time)
    order: list[int] = []

    async def send(n: int) -> None:
        await pacer.wait()
        order.append(n)

    await asyncio.gather(*(send(n) for n in range(25)))
    await pacer.drained()
    assert order == list(range(25))


async def test_lifted_limits_do_not_wait() -> None:
    pacer = Pacer(1_000_000, lambda: 0.0)
    for _ in range(10_000):
        await pacer.wait()
