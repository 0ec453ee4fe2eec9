"""The lines of `keyperson report broadcast B-3`."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.domain.broadcasts import BroadcastCounts, reference
from bot.domain.setting import SettingProfile


def broadcast_report(counts: BroadcastCounts, profile: SettingProfile) -> list[str]:
    """Where one broadcast stands, in the setting's time zone."""
    zone = ZoneInfo(profile.time_zone)
    kind = "urgent, " if counts.urgent else ""
    asks = "asking families to confirm" if counts.confirm else "no confirmation asked"
    lines = [
        f"{reference(counts.number)}: {kind}{asks}; to {counts.audience}; by {counts.sent_by} "
        f"at {counts.created_at.astimezone(zone):%Y-%m-%d %H:%M}",
    ]
    if not counts.queued:
        lines.append("waiting for the server to queue it")
        return lines
    lines += [
        f"families reached: {counts.families} ({counts.carers} carers)",
        f"delivered: {counts.delivered}",
        f"sent, no receipt yet: {counts.sent}",
        f"waiting: {counts.waiting}",
        f"failed: {counts.failed}",
        f"opted out: {counts.opted_out + counts.stopped_since}"
        + (f" ({counts.stopped_since} after it was queued)" if counts.stopped_since else ""),
        f"cannot be reached: {counts.unreachable}",
        f"must not be sent information: {counts.no_information}",
    ]
    if counts.confirm:
        lines.append(f"confirmed: {counts.confirmed} of {counts.to_confirm}")
        if counts.reminders_waiting and counts.remind_at is not None:
            when = counts.remind_at.astimezone(zone)
            lines.append(
                f"reminders waiting: {counts.reminders_waiting} (at {when:%Y-%m-%d %H:%M})"
            )
        lines.append(f"reminders sent: {counts.reminded}")
    return lines
