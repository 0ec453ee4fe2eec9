"""Resolving a written audience against a setting's families, for broadcasts and workshops."""

from __future__ import annotations

from bot.domain.audience import Audience, Known, Resolution, check, parse, resolve
from bot.storage.repos import Repos


async def resolve_audience(
    repos: Repos,
    setting_id: int,
    written: str | None,
    offered: tuple[str, ...] = (),
    essential: bool = False,
) -> tuple[Audience, Resolution]:
    """The audience `written` names (None: everyone) and who it reaches; raises AudienceError
    for a malformed audience or a room, language or child the setting does not have."""
    audience = parse(written)
    known = await repos.audiences.known(setting_id)
    check(audience, Known(known.rooms, (*offered, *known.languages), known.children))
    links = await repos.audiences.links(setting_id)
    reach = await repos.audiences.reachability(setting_id)
    return audience, resolve(audience, links, reach, essential)
