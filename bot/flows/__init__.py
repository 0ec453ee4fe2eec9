"""The conversation flows: one module per capability, each declaring itself in a `SPEC`
(bot.flows.base.FlowSpec). `specs()` finds them all, so nothing outside names a flow."""

from __future__ import annotations

import importlib
import pkgutil

from bot.flows.base import FlowSpec

NOT_FLOWS = frozenset({"base", "steps"})


def specs() -> tuple[FlowSpec, ...]:
    """Every capability's spec, in module name order."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name in NOT_FLOWS or info.ispkg:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        spec = getattr(module, "SPEC", None)
        if not isinstance(spec, FlowSpec):
            raise TypeError(f"{module.__name__} declares no SPEC")
        found.append(spec)
    return tuple(found)
