"""Reports for the setting's staff, as plain fixed-width text: engagement (who has not heard from
us) and contacts (who can be reached, and how). Names and refs only: no phone numbers."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.people import PersonKind
from bot.domain.setting import SettingProfile
from bot.storage.repos import Repos
from bot.storage.rows import Reach, ReachContact

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CONTACT_COLUMNS = (
    ("who", 5), ("ref", 6), ("name", 22), ("channels", 14), ("prefers", 9), ("stopped", 13),
    ("unreachable", 18), ("updates", 16), ("last in", 16), ("last out", 16), ("note", 0),
)  # fmt: skip
LEGEND = (
    "channels: * on file but has not written from it yet. prefers: the channel they chose "
    "(not set: every channel).",
    "stopped: sent STOP there, so only the STOP reply goes there. unreachable: blocked the bot "
    "(telegram) or the number failed (sms).",
)


def engagement(
    rows: list[dict[str, object]], profile: SettingProfile, local: datetime
) -> list[str]:
    """Per child: key person, last update, the last month's concerns and good news, and notes."""
    zone = ZoneInfo(profile.time_zone)
    lines = [
        f"Keeping in touch at {profile.name}, {local:%Y-%m-%d %H:%M} ({profile.time_zone})",
        f"{'key person':<20} {'child':<24} {'last update':<16} concerns  good news  note",
    ]
    for row in rows:
        last = row["last_update"]
        when = f"{last.astimezone(zone):%Y-%m-%d}" if isinstance(last, datetime) else "never"
        notes = []
        if row["no_update"]:
            notes.append(f"no update for {profile.no_update_days}+ opening days")
        if row["concerns"] and not row["celebrations"]:
            notes.append("only concerns")
        child = f"{row['first_name']} {row['last_name']}"
        lines.append(
            f"{row['key_person'] or '-'!s:<20} {child:<24} {when:<16} "
            f"{row['concerns']!s:>8}  {row['celebrations']!s:>9}  {'; '.join(notes)}"
        )
    quiet = sum(1 for row in rows if row["no_update"])
    lines.append(f"{len(rows)} children; {quiet} with no recent update")
    return lines


async def contacts(
    repos: Repos, profile: SettingProfile, setting_id: int, local: datetime
) -> list[str]:
    """Per member of staff and carer: channels, choice, STOP, unreachable, update mode, and the
    last message each way, in the setting's time zone."""
    people, found, left = await repos.reports.reach(setting_id)
    reach: dict[tuple[PersonKind, int], list[ReachContact]] = defaultdict(list)
    for contact in found:
        reach[(contact.kind, contact.person_id)].append(contact)
    refs = {(p.kind, p.id): p.ref for p in people}
    zone = ZoneInfo(profile.time_zone)
    lines = [
        f"Contacts at {profile.name}, {local:%Y-%m-%d %H:%M} ({profile.time_zone})",
        _row([name for name, _ in CONTACT_COLUMNS]),
    ]
    for person in people:
        through = (person.kind, person.reached_as)
        mine = reach.get(through, [])
        lines.append(_row(_cells(person, mine, refs.get(through, "?"), zone)))
    gone = {0: "", 1: "; 1 carer who left is not listed"}.get(
        left, f"; {left} carers who left are not listed"
    )
    lines.append(f"{len(people)} people{gone}. Phone numbers are not shown.")
    lines.extend(LEGEND)
    return lines


def _cells(person: Reach, mine: list[ReachContact], holder: str, zone: ZoneInfo) -> list[str]:
    channels = " ".join(c.channel + ("" if c.linked or c.last_in else "*") for c in mine)
    stopped = " ".join(c.channel for c in mine if c.stopped)
    unreachable = " ".join(
        f"{c.channel} ({'blocked' if c.channel == 'telegram' else 'failed'})"
        for c in mine
        if c.unreachable
    )
    notes = []
    if person.reached_as != person.id:
        notes.append(f"shares the phone of {holder}")
    if not person.has_phone and not mine:
        notes.append("no phone on file")
    if person.not_told:
        notes.append(f"not told about {person.not_told}")
    return [
        person.kind.value,
        person.ref,
        person.name,
        channels or "-",
        person.preference or "not set",
        stopped or "-",
        unreachable or "-",
        _mode(person),
        _latest([c.last_in for c in mine], zone),
        _latest([c.last_out for c in mine], zone),
        "; ".join(notes),
    ]


def _mode(person: Reach) -> str:
    at = person.summary_time or ""
    if person.kind is PersonKind.STAFF or person.update_mode is None or not person.told:
        return "-"
    if person.update_mode == "evening":
        return f"evening {at}"
    if person.update_mode == "weekly":
        return f"weekly {DAYS[person.summary_day or 0]} {at}"
    if person.update_mode == "essentials":
        return "important only"
    return "each update"


def _latest(stamps: list[datetime | None], zone: ZoneInfo) -> str:
    known = [stamp for stamp in stamps if stamp is not None]
    if not known:
        return "never"
    return f"{max(known).astimezone(zone):%Y-%m-%d %H:%M}"


def _row(cells: list[str]) -> str:
    out = []
    for text, (_, width) in zip(cells, CONTACT_COLUMNS, strict=True):
        if width and len(text) > width:
            text = text[: width - 1] + "~"
        out.append(text.ljust(width) if width else text)
    return " ".join(out).rstrip()
