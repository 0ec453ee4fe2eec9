"""`keyperson report delivery`: what finally failed, what is unknown, what waits to be retried."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.storage.repos import Store
from bot.storage.rows import DeliveryLine

SENT = ("accepted", "scheduled", "sent", "delivered", "read")
SECTIONS = (
    ("failed", "Finally failed: nobody got these (call or tell the person another way)"),
    ("unknown", "Outcome unknown: the provider may or may not have delivered these"),
    ("waiting", "Waiting to be tried again after a temporary failure"),
)


async def delivery_report(
    db: Store, name: str, zone_name: str, now: datetime, days: int
) -> Iterator[str]:
    """The lines of the report, for the last `days` days."""
    zone = ZoneInfo(zone_name)
    since = now - timedelta(days=days)
    async with db.reading() as repos:
        counts = await repos.delivery.counts(since)
        lines = await repos.delivery.report(since)
    return _render(name, zone, now, days, counts, lines)


def _render(
    name: str,
    zone: ZoneInfo,
    now: datetime,
    days: int,
    counts: dict[str, int],
    lines: list[DeliveryLine],
) -> Iterator[str]:
    local = now.astimezone(zone)
    yield f"Delivery at {name}, {local:%Y-%m-%d %H:%M} ({zone.key}), last {days} day(s)"
    sent = sum(counts.get(s, 0) for s in SENT)
    failed = counts.get("failed", 0) + counts.get("undelivered", 0)
    yield (
        f"{sent} sent, {counts.get('queued', 0)} waiting, {counts.get('unknown', 0)} unknown, "
        f"{failed} failed, {counts.get('suppressed', 0)} not sent after STOP"
    )
    for key, title in SECTIONS:
        chosen = [line for line in lines if _section(line) == key]
        yield ""
        yield f"{title}: {len(chosen)}"
        for line in chosen:
            yield "  " + _line(line, zone)


def _section(line: DeliveryLine) -> str:
    if line.status in ("failed", "undelivered"):
        return "failed"
    if line.status in ("unknown", "sending"):
        return "unknown"
    return "waiting"


def _line(line: DeliveryLine, zone: ZoneInfo) -> str:
    when = line.created_at.astimezone(zone)
    who = f"{line.person_kind or 'not on file'} {line.person_name or ''}".strip()
    note = line.error or line.status
    if line.status == "unknown":
        check = line.reconcile_at
        if check:
            note += f"; checking at {check.astimezone(zone):%H:%M}"
        else:
            note += "; could not be checked: ask them whether it arrived"
    return f"#{line.id:<6} {when:%Y-%m-%d %H:%M}  {line.channel:<8}  {who:<28}  {note}"
