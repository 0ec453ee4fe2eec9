"""SQLite repositories for conversation state, relay threads and reminders."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain.codes import CODE_LENGTH, new_code
from bot.domain.people import Carer, ThreadInfo
from bot.storage.rows import Thread, Writer
from bot.storage.sqlite.sql import fetch_all, fetch_one, from_iso, iso


class SqliteConversations:
    """Flow state keyed by channel address, so a restart resumes every conversation."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def load(self, channel: str, address: str) -> tuple[str, dict[str, Any]] | None:
        """The (flow name, state) of a conversation, or None when none is open."""
        row = await fetch_one(
            self.conn,
            "SELECT flow, state FROM conversations WHERE channel = ? AND address = ?",
            (channel, address),
        )
        return (str(row[0]), json.loads(row[1])) if row else None

    async def save(
        self,
        channel: str,
        address: str,
        setting_id: int | None,
        flow: str | None,
        state: dict[str, Any],
        now: datetime,
    ) -> None:
        """Store a conversation's state, or forget it when `flow` is None."""
        if flow is None:
            await self.conn.execute(
                "DELETE FROM conversations WHERE channel = ? AND address = ?", (channel, address)
            )
            return
        await self.conn.execute(
            "INSERT INTO conversations (channel, address, setting_id, flow, state, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, address) DO UPDATE SET "
            "setting_id=excluded.setting_id, flow=excluded.flow, state=excluded.state, "
            "updated_at=excluded.updated_at",
            (channel, address, setting_id, flow, json.dumps(state), iso(now)),
        )


class SqliteThreads:
    """Relay threads and their reply codes."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def by_code(self, setting_id: int, code: str) -> Thread | None:
        """The thread a reply code names."""
        row = await fetch_one(
            self.conn,
            "SELECT * FROM threads WHERE setting_id = ? AND code = ?",
            (setting_id, code.upper()),
        )
        return _thread(row) if row else None

    async def codes_of(self, carer_id: int) -> dict[int, str]:
        """The reply code of each of a carer's threads, by child id."""
        rows = await fetch_all(
            self.conn, "SELECT child_id, code FROM threads WHERE carer_id = ?", (carer_id,)
        )
        return {int(r[0]): str(r[1]) for r in rows}

    async def write_acknowledged(self, record: Any, by: Writer) -> None:
        """What a family was last told of their message (record: carer_id, what)."""
        await self.acknowledge(record.carer_id, record.what, by.now)

    async def reply_codes(self, setting_id: int, carer: Carer) -> dict[int, str]:
        """The reply code of each of a carer's children's threads; a child with no thread yet
        gets a code no thread of the setting has (kept when the thread opens)."""
        codes = await self.codes_of(carer.id)
        for child in carer.children:
            if child.child_id not in codes:
                codes[child.child_id] = await self._free_code(setting_id)
        return codes

    async def _free_code(self, setting_id: int) -> str:
        for attempt in range(12):
            code = new_code(CODE_LENGTH + attempt // 4)
            if await self.by_code(setting_id, code) is None:
                return code
        raise RuntimeError("no free reply code after 12 tries")

    async def open(
        self, setting_id: int, code: str, carer_id: int, child_id: int, now: datetime
    ) -> None:
        """Open the thread for a carer and child (keeping its code if it exists) and touch it."""
        await self.conn.execute(
            "INSERT INTO threads (setting_id, code, carer_id, child_id, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (carer_id, child_id) DO UPDATE SET "
            "updated_at=excluded.updated_at",
            (setting_id, code.upper(), carer_id, child_id, iso(now)),
        )

    async def acknowledgement(self, carer_id: int) -> tuple[str, datetime] | None:
        """(what, when) of the last acknowledgement a carer was sent, if it still stands."""
        row = await fetch_one(
            self.conn, "SELECT what, at FROM acknowledgements WHERE carer_id = ?", (carer_id,)
        )
        return (str(row[0]), from_iso(str(row[1]))) if row else None

    async def acknowledge(self, carer_id: int, what: str | None, now: datetime) -> None:
        """Record the acknowledgement a carer was sent, or (None) that staff have answered."""
        if what is None:
            await self.conn.execute("DELETE FROM acknowledgements WHERE carer_id = ?", (carer_id,))
            return
        await self.conn.execute(
            "INSERT INTO acknowledgements (carer_id, what, at) VALUES (?, ?, ?) "
            "ON CONFLICT (carer_id) DO UPDATE SET what = excluded.what, at = excluded.at",
            (carer_id, what, iso(now)),
        )

    async def describe(self, setting_id: int, code: str) -> ThreadInfo | None:
        """A thread by its code, with the names a message about it needs."""
        found = await self._described("t.setting_id = ? AND t.code = ?", (setting_id, code.upper()))
        return found[0] if found else None

    async def recent(
        self, setting_id: int, key_person_ids: list[int] | None, limit: int = 5
    ) -> list[ThreadInfo]:
        """The most recently active threads, of these key persons' children or (None) of all."""
        if key_person_ids is None:
            return await self._described("t.setting_id = ?", (setting_id,), limit)
        if not key_person_ids:
            return []
        marks = ",".join("?" * len(key_person_ids))
        return await self._described(
            f"t.setting_id = ? AND kp.id IN ({marks})", (setting_id, *key_person_ids), limit
        )

    async def _described(
        self, where: str, params: tuple[object, ...], limit: int = 1
    ) -> list[ThreadInfo]:
        rows = await fetch_all(
            self.conn,
            "SELECT t.code, t.carer_id, ca.name AS carer_name, cc.relationship, t.child_id, "
            "ch.first_name, kp.id AS kp_id, cc.receives_information, ca.language FROM threads t "
            "JOIN carers ca ON ca.id = t.carer_id JOIN children ch ON ch.id = t.child_id "
            "JOIN child_carers cc ON cc.carer_id = t.carer_id AND cc.child_id = t.child_id "
            "LEFT JOIN staff kp ON kp.setting_id = ch.setting_id AND kp.ref = ch.key_person_ref "
            f"WHERE {where} ORDER BY t.updated_at DESC, t.id DESC LIMIT ?",
            (*params, limit),
        )
        return [
            ThreadInfo(
                code=r[0],
                carer_id=r[1],
                carer_name=r[2],
                relationship=r[3],
                child_id=r[4],
                child_name=r[5],
                key_person_id=r[6],
                receives_information=bool(r[7]),
                language=r[8],
            )
            for r in rows
        ]


def _thread(row: aiosqlite.Row) -> Thread:
    return Thread(row["id"], row["setting_id"], row["code"], row["carer_id"], row["child_id"])
