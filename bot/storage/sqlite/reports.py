"""SQLite queries behind the staff's reports that are not about children's news: how each
person on file can be reached (the contacts report)."""

from __future__ import annotations

import aiosqlite

from bot.domain.people import PersonKind
from bot.storage.rows import Reach, ReachContact
from bot.storage.sqlite.sql import fetch_all, fetch_one, from_iso_or_none

SENT = ("accepted", "scheduled", "sent", "delivered", "read")  # the provider took it


class SqliteReports:
    """Read-only queries for reports."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def reach(self, setting_id: int) -> tuple[list[Reach], list[ReachContact], int]:
        """Everyone on file who has not left, their contacts with opt-outs and the last message
        each way, and how many carers have left."""
        people = [
            Reach(PersonKind.STAFF, r[0], r[1], r[2], r[3], None, None, None, r[0], "", bool(r[4]))
            for r in await fetch_all(
                self.conn,
                "SELECT id, ref, name, channel_pref, phone IS NOT NULL FROM staff "
                "WHERE setting_id = ? ORDER BY ref",
                (setting_id,),
            )
        ]
        people += [
            Reach(PersonKind.CARER, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8] or "",
                  bool(r[9]), bool(r[10]))
            for r in await fetch_all(
                self.conn,
                "SELECT ca.id, ca.ref, ca.name, h.channel_pref, h.update_mode, h.summary_time, "
                "h.summary_day, r.reached_as, "
                "group_concat(CASE WHEN cc.receives_information = 0 THEN ch.first_name END, ', '), "
                "ca.phone IS NOT NULL, MAX(cc.receives_information) "
                "FROM carers ca JOIN carer_reach r ON r.carer_id = ca.id "
                "JOIN carers h ON h.id = r.reached_as "
                "JOIN child_carers cc ON cc.carer_id = ca.id AND cc.left_at IS NULL "
                "JOIN children ch ON ch.id = cc.child_id AND ch.left_at IS NULL "
                "WHERE ca.setting_id = ? GROUP BY ca.id ORDER BY ca.ref",
                (setting_id,),
            )
        ]  # fmt: skip
        contacts = [
            ReachContact(PersonKind(r[0]), r[1], r[2], r[3] is not None, bool(r[4]),
                         bool(r[5]), from_iso_or_none(r[6]), from_iso_or_none(r[7]))
            for r in await fetch_all(
                self.conn,
                "SELECT c.person_kind, c.person_id, c.channel, c.linked_at, c.unreachable, "
                "o.at IS NOT NULL, i.at, s.at FROM contacts c "
                "LEFT JOIN opt_outs o ON o.channel = c.channel AND o.address = c.address "
                "LEFT JOIN (SELECT channel, address, MAX(received_at) AS at "
                "FROM inbound_handled "
                " GROUP BY channel, address) i ON i.channel = c.channel AND i.address = c.address "
                "LEFT JOIN (SELECT channel, address, MAX(updated_at) AS at FROM outbox "
                f" WHERE status IN ({','.join('?' * len(SENT))}) GROUP BY channel, address) s "
                "ON s.channel = c.channel AND s.address = c.address "
                "WHERE c.setting_id = ? ORDER BY c.channel, c.id",
                (*SENT, setting_id),
            )
        ]  # fmt: skip
        left = await fetch_one(
            self.conn,
            "SELECT COUNT(*) FROM carers WHERE setting_id = ? AND left_at IS NOT NULL",
            (setting_id,),
        )
        return people, contacts, int(left[0])
