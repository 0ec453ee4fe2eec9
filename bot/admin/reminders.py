"""What `keyperson reminders` shows: each upcoming reminder with its recipients by name."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from bot.domain.people import PersonKind
from bot.domain.reminders import local_stamp
from bot.domain.setting import SettingProfile
from bot.storage.repos import Repos


async def recipient(repos: Repos, channel: str, address: str) -> str:
    """Who is on file at a channel address, by name (never the number itself)."""
    contact = await repos.people.contact(channel, address)
    if contact is None:
        return "someone no longer on file"
    if contact.person_kind is PersonKind.CARER:
        return (await repos.people.carer(contact.person_id)).name
    return (await repos.people.staff_member(contact.person_id)).name


async def upcoming_lines(
    repos: Repos, setting_id: int, profile: SettingProfile, start: datetime, end: datetime
) -> list[str]:
    """One line per moment, kind and event: `2027-03-28 10:00 +01:00  review  Amelia
    Hughes, review P-1001  to: Laura Hughes, Tom Baker`."""
    grouped: dict[tuple[datetime, str, str], list[str]] = defaultdict(list)
    for row in await repos.reminders.upcoming(setting_id, start, end):
        key = (row.due_at, row.kind or "", row.about or row.subject or "")
        name = await recipient(repos, row.channel, row.address)
        if name not in grouped[key]:
            grouped[key].append(name)
    return [
        f"{local_stamp(due, profile.time_zone)}  {kind}  {about}  to: {', '.join(names)}"
        for (due, kind, about), names in grouped.items()
    ]
