"""The ledger every fault run ends with: what came in and what went out, counted from the
database and from what the fake providers received."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.domain.messages import RenderedChoice
from bot.handlers.sms.send import render_sms
from bot.storage.sqlite.inbound import inbound_path

TOKEN = re.compile(r"\bq\d{4,}\b")  # each inbound test message carries one, e.g. q0042
LEDGERS: list[Ledger] = []  # printed again at the end of the session


@dataclass
class Ledger:
    """One fault run, in the numbers the issue asks for."""

    fault: str
    acknowledged_inbound: int = 0
    handled: int = 0
    lost: int = 0
    handled_twice: int = 0
    outbound_queued: int = 0
    sent: int = 0
    sent_twice: int = 0
    failed: int = 0
    reported: int = 0
    in_flight_at_kills: int = 0
    resent_blind: int = 0  # Telegram sends of unknown outcome sent again, as the audit log says
    not_settled: int = 0
    notes: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        """One line for a log, a report or a terminal."""
        fields = asdict(self)
        fields.pop("fault")
        notes = fields.pop("notes")
        text = " ".join(f"{k}={v}" for k, v in fields.items())
        return f"LEDGER {self.fault}: {text}" + (f" {json.dumps(notes)}" if notes else "")

    def check(self) -> None:
        """The goals: nothing lost or handled twice; duplicates only of sends in flight at a
        kill; every final failure reported; nothing left hanging."""
        print(self.line())
        LEDGERS.append(self)
        assert self.lost == 0, self.line()
        assert self.handled_twice == 0, self.line()
        assert self.sent_twice <= self.in_flight_at_kills + self.resent_blind, self.line()
        assert self.failed == self.reported, self.line()
        assert self.not_settled == 0, self.line()


def count_inbound(ledger: Ledger, db: Path, acknowledged: set[str]) -> None:
    """Acknowledged, handled, lost and handled twice, from the database."""
    with sqlite3.connect(db) as conn:
        conn.execute("ATTACH ? AS inb", (inbound_path(db),))  # the inbound rows' own file
        rows = conn.execute(
            "SELECT external_id, payload, handled_at, error FROM inb.inbound WHERE channel = 'sms'"
        ).fetchall()
        relays = Counter(
            token
            for (body,) in conn.execute(
                "SELECT body FROM outbox WHERE person_kind = 'staff' AND fallback_of IS NULL"
            )
            for token in TOKEN.findall(body)
        )
    stored = {sid: (json.loads(payload), done, error) for sid, payload, done, error in rows}
    ledger.acknowledged_inbound = len(acknowledged)
    for sid in acknowledged:
        found = stored.get(sid)
        tokens = TOKEN.findall(found[0].get("text", "")) if found else []
        ok = found is not None and found[1] is not None and found[2] is None
        relayed = all(relays[t] >= 1 for t in tokens)
        if ok and relayed:
            ledger.handled += 1
        else:
            ledger.lost += 1
        if any(relays[t] > 1 for t in tokens):
            ledger.handled_twice += 1


def count_outbound(
    ledger: Ledger,
    db: Path,
    sms: list[dict[str, str]] | None = None,
    telegram: list[dict[str, Any]] | None = None,
) -> None:
    """Queued, sent, sent twice, failed and reported, from the outbox and the fakes."""
    received: Counter[tuple[str, str, str]] = Counter()
    for form in sms or []:
        received[("sms", form["To"], form["Body"])] += 1
    for params in telegram or []:
        received[("telegram", str(params["chat_id"]), str(params["text"]))] += 1
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT * FROM outbox").fetchall()
        ledger.resent_blind = conn.execute(
            "SELECT COUNT(*) FROM audit WHERE action = 'outbox.resent_unknown'"
        ).fetchone()[0]
    wanted: Counter[tuple[str, str, str]] = Counter()
    for row in rows:
        if row["status"] == "suppressed":
            continue
        wanted[(row["channel"], row["address"], _as_received(row))] += 1
    ledger.outbound_queued = len(rows)
    for key, count in received.items():
        ledger.sent += min(count, wanted[key])
        ledger.sent_twice += max(0, count - wanted[key])
    final = [r for r in rows if r["status"] in ("failed", "undelivered")]
    given_up = [r for r in rows if r["status"] == "unknown" and r["reconcile_at"] is None]
    ledger.failed = len(final) + len(given_up)
    hanging = [
        r
        for r in rows
        if r["status"] in ("queued", "sending")
        or (r["status"] == "unknown" and r["reconcile_at"] is not None)
    ]
    ledger.not_settled = len(hanging)
    if hanging:
        ledger.notes["hanging"] = [
            f"{r['id']}:{r['status']}:{r['next_attempt_at']}:{r['reconcile_at']}:{r['error']}"
            for r in hanging[:5]
        ]


async def count_reported(ledger: Ledger, db: Path) -> None:
    """How many of the failed sends `keyperson report delivery` shows."""
    from bot.storage.sqlite.database import Database

    database = Database(db)
    await database.open()
    try:
        async with database.reading() as repos:
            lines = await repos.delivery.report(datetime(1970, 1, 1, tzinfo=UTC))
    finally:
        await database.close()
    ledger.reported = sum(
        1
        for line in lines
        if line.status in ("failed", "undelivered")
        or (line.status == "unknown" and line.reconcile_at is None)
    )


def _as_received(row: sqlite3.Row) -> str:
    if row["channel"] == "sms":
        choices = [RenderedChoice.from_dict(c) for c in json.loads(row["choices"])]
        return render_sms(row["body"], choices)
    return str(row["body"])


async def settled(db: Path, timeout: float = 30.0) -> bool:  # noqa: ASYNC109
    """Wait until every inbound row is handled and every send has reached an end."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        with sqlite3.connect(db, timeout=30) as conn:
            conn.execute("ATTACH ? AS inb", (inbound_path(db),))
            waiting = conn.execute(
                "SELECT (SELECT COUNT(*) FROM inb.inbound WHERE handled_at IS NULL) + "
                "(SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'sending') OR "
                "(status = 'unknown' AND reconcile_at IS NOT NULL))"
            ).fetchone()[0]
        if waiting == 0:
            return True
        await asyncio.sleep(0.05)
    return False
