"""The registry as the router uses it, for tests that step flows with a Context they build:
what the information menu offers is filled in first, as the router's lookup does."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from bot.engine.registry import Registry
from bot.flows import specs
from bot.flows.base import Context, Event, Signal, State, Transition
from bot.language.keywords import shipped_keywords

REGISTRY = Registry(specs(), shipped_keywords())


def _ready(ctx: Context) -> Context:
    return dataclasses.replace(ctx, offers=REGISTRY.offers(ctx))


def _event(event: Any) -> Any:
    return dataclasses.replace(event, ctx=_ready(event.ctx))


class Start:
    """The calls tests make, each with the reader's offers filled in."""

    def run(self, flow: str | None, state: State, event: Event, now: datetime) -> Transition:
        return REGISTRY.run(flow, state, _event(event), now)

    def signal(self, flow: str | None, state: State, event: Signal) -> Transition:
        return REGISTRY.signal(flow, state, _event(event))

    def help_and_menu(
        self, event: Event, flow: str | None = None, state: State | None = None
    ) -> Transition:
        return REGISTRY.help_and_menu(_event(event), flow, state)

    def stale_choice(self, flow: str | None, state: State, ctx: Context) -> Transition:
        return REGISTRY.stale_choice(flow, state, _ready(ctx))

    def is_action(self, key: str) -> bool:
        return REGISTRY.is_action(key)


start = Start()
