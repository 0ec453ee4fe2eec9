"""The concerns report: per concern, where it stands, in the setting's time zone. Names and
stages only: no phone numbers, and not the family's words (they stay in Keyperson)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.concerns import ConcernInfo
from bot.domain.setting import SettingProfile

HEADER = (
    "reference",
    "child",
    "topic",
    "urgency",
    "opened",
    "acknowledge_by",
    "acknowledged",
    "acknowledged_by",
    "stage",
    "closed",
    "satisfaction",
)
TOPICS = {
    "development": "development or needs",
    "care": "care",
    "complaint": "complaint",
    "safety": "someone's safety",
}
URGENCIES = {"today": "today", "week": "this week", "no_rush": "no rush"}
SATISFACTION = {"yes": "happy", "not_really": "not really", "manager": "wants the manager"}


def _at(moment: datetime | None, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}" if moment else ""


def cells(row: ConcernInfo, profile: SettingProfile) -> tuple[str, ...]:
    """One concern as the report's columns (HEADER), times in the setting's time zone."""
    zone = ZoneInfo(profile.time_zone)
    return (
        row.reference,
        row.child_full or "-",
        TOPICS.get(row.topic, row.topic),
        URGENCIES.get(row.urgency, row.urgency),
        _at(row.opened_at, zone),
        _at(row.acknowledge_by, zone),
        _at(row.acknowledged_at, zone),
        row.acknowledged_by_name or "",
        row.stage,
        _at(row.closed_at, zone),
        SATISFACTION.get(row.satisfaction or "", ""),
    )


def concern_report(rows: list[ConcernInfo], profile: SettingProfile) -> list[str]:
    """The report as text: one block per concern, oldest first."""
    lines = [f"Concerns at {profile.name} (times in {profile.time_zone})"]
    for row in rows:
        (ref, child, topic, urgency, opened, due, acked, by, stage, closed, happy) = cells(
            row, profile
        )
        ack = f"{acked} by {by}" if acked else "not yet"
        lines.append(
            f"{ref}  {child}: {topic}, {urgency}. Opened {opened}; acknowledge by {due}; "
            f"acknowledged {ack}; {stage}"
            + (f", closed {closed}" if closed else "")
            + (f", family: {happy}" if happy else "")
        )
    lines.append(f"{len(rows)} concern{'' if len(rows) == 1 else 's'}" if rows else "No concerns.")
    return lines


def concern_csv(rows: list[ConcernInfo], profile: SettingProfile) -> str:
    """The same as CSV, with a header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(cells(row, profile) for row in rows)
    return out.getvalue()
