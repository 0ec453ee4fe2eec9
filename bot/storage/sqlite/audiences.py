"""SQLite repository for audiences: every carer-child link of a setting, how each carer can be
reached, and the rooms, languages and children an audience may name."""

from __future__ import annotations

from collections import defaultdict

import aiosqlite

from bot.domain.audience import (
    AudienceError,
    AudienceLink,
    Known,
    Reachability,
    Summary,
    check,
    parse,
    resolve,
    summarise,
)
from bot.storage.sqlite.sql import fetch_all


class SqliteAudiences:
    """What an audience is resolved against, in three queries whatever the setting's size."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def links(self, setting_id: int) -> list[AudienceLink]:
        """Every carer-child link of the setting whose carer and child are still here."""
        rows = await fetch_all(
            self.conn,
            "SELECT cc.carer_id, r.reached_as, ca.language, c.id, c.ref, c.room, "
            "c.send_status, cc.receives_information FROM child_carers cc "
            "JOIN children c ON c.id = cc.child_id AND c.left_at IS NULL "
            "JOIN carers ca ON ca.id = cc.carer_id "
            "JOIN carer_reach r ON r.carer_id = cc.carer_id "
            "WHERE cc.setting_id = ? AND cc.left_at IS NULL ORDER BY cc.carer_id, c.id",
            (setting_id,),
        )
        return [
            AudienceLink(r[0], r[1], r[2] or "en", r[3], r[4], r[5] or "", r[6], bool(r[7]))
            for r in rows
        ]

    async def reachability(self, setting_id: int) -> dict[int, Reachability]:
        """Per carer who holds contacts (or should): language, channel choice, usable
        addresses, and how many addresses texted STOP or cannot be reached."""
        rows = await fetch_all(
            self.conn,
            "SELECT ca.id, ca.language, ca.channel_pref, k.channel, k.address, k.unreachable, "
            "EXISTS (SELECT 1 FROM opt_outs o WHERE o.channel = k.channel "
            "AND o.address = k.address) AS stopped FROM carers ca "
            "LEFT JOIN contacts k ON k.person_kind = 'carer' AND k.person_id = ca.id "
            "WHERE ca.setting_id = ? AND ca.left_at IS NULL ORDER BY ca.id, k.id",
            (setting_id,),
        )
        usable: dict[int, list[tuple[str, str]]] = defaultdict(list)
        stopped: dict[int, int] = defaultdict(int)
        unreachable: dict[int, int] = defaultdict(int)
        about: dict[int, tuple[str, str | None]] = {}
        for carer, language, preference, channel, address, lost, stop in rows:
            about[carer] = (language or "en", preference)
            if channel is None:
                continue
            if stop:
                stopped[carer] += 1
            elif lost:
                unreachable[carer] += 1
            else:
                usable[carer].append((channel, address))
        return {
            carer: Reachability(
                language, preference, tuple(usable[carer]), stopped[carer], unreachable[carer]
            )
            for carer, (language, preference) in about.items()
        }

    async def known(self, setting_id: int) -> Known:
        """The rooms, carers' languages and child refs of the setting's children and carers."""
        rooms = await fetch_all(
            self.conn,
            "SELECT DISTINCT room FROM children WHERE setting_id = ? AND left_at IS NULL "
            "AND room != ''",
            (setting_id,),
        )
        languages = await fetch_all(
            self.conn,
            "SELECT DISTINCT language FROM carers WHERE setting_id = ? AND left_at IS NULL",
            (setting_id,),
        )
        children = await fetch_all(
            self.conn,
            "SELECT ref FROM children WHERE setting_id = ? AND left_at IS NULL",
            (setting_id,),
        )
        return Known(
            tuple(r[0] for r in rooms),
            tuple(r[0] for r in languages if r[0]),
            tuple(r[0] for r in children),
        )

    async def summary(self, setting_id: int, written: str, offered: tuple[str, ...]) -> Summary:
        """Who a written audience reaches, or why it cannot be used (for a preview)."""
        try:
            audience = parse(written)
            known = await self.known(setting_id)
            check(audience, Known(known.rooms, (*offered, *known.languages), known.children))
        except AudienceError as error:
            return Summary(error=error.key, params=error.params)
        links = await self.links(setting_id)
        reach = await self.reachability(setting_id)
        return summarise(audience, resolve(audience, links, reach))
