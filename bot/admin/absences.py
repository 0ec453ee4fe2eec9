"""The absence report: the children away on a day, as families reported them, in the setting's
time zone. Names only: no phone numbers, no message bodies."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.domain.setting import SettingProfile
from bot.storage.rows import OPEN_DAYS, AbsenceRow

COLUMNS = (("child", 24), ("room", 12), ("reason", 12), ("until", 12), ("reported by", 28))
REASONS = {"ill": "ill", "appointment": "appointment", "holiday": "holiday", "other": "other"}


def absence_report(rows: list[AbsenceRow], profile: SettingProfile, day: date) -> list[str]:
    """One line per child away on `day`: child, room, reason, until, who reported it and when."""
    zone = ZoneInfo(profile.time_zone)
    lines = [
        f"Absences at {profile.name} on {day:%A %Y-%m-%d} ({profile.time_zone})",
        " ".join(f"{name:<{width}}" for name, width in COLUMNS) + " at",
    ]
    for row in rows:
        until = f"{row.last_day:%Y-%m-%d}" if row.last_day else "not sure yet"
        cells = (row.child, row.room or "-", REASONS.get(row.reason, row.reason), until)
        at = row.reported_at.astimezone(zone)
        lines.append(
            " ".join(f"{cell:<{width}}" for cell, (_, width) in zip(cells, COLUMNS, strict=False))
            + f" {row.reported_by:<28} {at:%Y-%m-%d %H:%M}"
        )
    if not rows:
        lines.append("No absences reported for this day.")
    else:
        lines.append(f"{len(rows)} {'child' if len(rows) == 1 else 'children'} away")
    lines.append(
        f'"not sure yet": the family did not know how long; listed for {OPEN_DAYS} days '
        "from the first day missed."
    )
    return lines
