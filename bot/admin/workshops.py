"""Workshops from the command line: add one, send its invite, call it off, and its report."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.admin.audiences import resolve_audience
from bot.domain.audience import REASONS, AudienceError, Resolution
from bot.domain.setting import SettingProfile
from bot.domain.workshops import (
    HELPS,
    Cancellation,
    Invitation,
    NewWorkshop,
    Workshop,
    invite_due,
    is_web_address,
    parse_reference,
)
from bot.language.catalogs import Catalogs
from bot.storage.repos import Repos, Store
from bot.storage.rows import Writer

ACTOR = "cli"
_AT = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2})[:.](\d{2})\s*$")
_UNTIL = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


class WorkshopProblem(ValueError):
    """Input a workshop command cannot use; the message names the option and what is wrong."""


@dataclass(frozen=True, slots=True)
class Invited:
    """What `workshop invite` did: the reach, and when the invite goes."""

    workshop: Workshop
    reach: Resolution
    newly: int
    due: datetime


def local_moment(text: str, zone: ZoneInfo, option: str = "--at") -> datetime:
    """A local "YYYY-MM-DD HH:MM" as an aware moment; a time the clocks skip is refused, and
    one they pass twice (the autumn change) is read as the first."""
    found = _AT.match(text)
    if found is None:
        raise WorkshopProblem(f'{option}: "{text}" is not a date and time like 2027-01-21 18:00')
    year, month, day, hour, minute = (int(g) for g in found.groups())
    try:
        naive = datetime(year, month, day, hour, minute)
    except ValueError:
        raise WorkshopProblem(f'{option}: "{text}" is not a real date and time') from None
    return _exists(naive, zone, option, text)


def _exists(naive: datetime, zone: ZoneInfo, option: str, text: str) -> datetime:
    moment = naive.replace(tzinfo=zone)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise WorkshopProblem(
            f'{option}: "{text}" does not exist in {zone.key}: the clocks change then; '
            "choose another time"
        )
    return moment


def new_workshop(
    profile: SettingProfile,
    now: datetime,
    *,
    title: str,
    at: str,
    until: str | None,
    where: str,
    online: str | None,
    capacity: int | None,
    audience: str | None,
) -> NewWorkshop:
    """A workshop from the command's options, or WorkshopProblem naming what is wrong."""
    zone = ZoneInfo(profile.time_zone)
    if not title.strip():
        raise WorkshopProblem("--title: a workshop needs a title")
    if not where.strip():
        raise WorkshopProblem("--where: say where it takes place")
    starts = local_moment(at, zone)
    if starts <= now:
        raise WorkshopProblem(f'--at: "{at}" is in the past')
    ends = None
    if until is not None:
        found = _UNTIL.match(until)
        if found is None:
            ends = local_moment(until, zone, "--until")
        else:
            hour, minute = int(found.group(1)), int(found.group(2))
            if hour > 23 or minute > 59:
                raise WorkshopProblem(f'--until: "{until}" is not a time like 19:00')
            naive = datetime.combine(starts.date(), time(hour, minute))
            ends = _exists(naive, zone, "--until", until)
        if ends <= starts:
            raise WorkshopProblem(f'--until: "{until}" is not after the start')
    if online is not None and not is_web_address(online):
        raise WorkshopProblem(f'--online: "{online}" is not a web address (https://…)')
    if capacity is not None and capacity < 1:
        raise WorkshopProblem("--capacity: must be 1 or more")
    return NewWorkshop(
        title.strip(),
        starts.astimezone(UTC),
        ends.astimezone(UTC) if ends else None,
        where.strip(),
        online.strip() if online else None,
        capacity,
        audience.strip() if audience else "all",
    )


def number_of(ref: str) -> int:
    """The number of a reference as typed (W-12, w12, 12)."""
    parsed = parse_reference(ref) if not ref.strip().isdecimal() else (int(ref), "")
    if parsed is None or parsed[1]:
        raise WorkshopProblem(f'"{ref}" is not a workshop reference like W-12')
    return parsed[0]


async def add(
    db: Store, setting_id: int, profile: SettingProfile, now: datetime, new: NewWorkshop
) -> int:
    """Keep a workshop after checking its audience against the setting; return its number."""
    async with db.transaction() as repos:
        await _reach(repos, setting_id, profile, new.audience)
        number = await repos.workshops.add(setting_id, new, now)
        await repos.audit.record(
            setting_id, ACTOR, "workshop.added", f"workshop:W-{number}", {}, now
        )
    return number


async def invite(
    db: Store, setting_id: int, profile: SettingProfile, now: datetime, ref: str
) -> Invited:
    """Invite the workshop's audience: each carer's chosen contacts get it as a timer of the
    workshops flow, now or when quiet hours end. Inviting again reaches only newcomers."""
    number = number_of(ref)
    async with db.transaction() as repos:
        workshop = await _usable(repos, setting_id, number, now)
        reach = await _reach(repos, setting_id, profile, workshop.audience)
        due = invite_due(profile, now)
        carers = tuple(r.carer_id for r in reach.recipients)
        by = Writer(setting_id, ACTOR, None, None, now)
        newly = await repos.workshops.invite(Invitation(number, carers, due), by)
        details = {"carers": newly, "families": reach.families}
        await repos.audit.record(
            setting_id, ACTOR, "workshop.invited", workshop.reference, details, now
        )
    return Invited(workshop, reach, newly, due)


async def cancel(
    db: Store, setting_id: int, profile: SettingProfile, now: datetime, ref: str, reason: str
) -> tuple[Workshop, int]:
    """Call a workshop off; those who said yes or maybe (or wait) are told, now or, unless it
    would be too late, when quiet hours end. Returns the workshop and how many are told."""
    number = number_of(ref)
    async with db.transaction() as repos:
        workshop = await _usable(repos, setting_id, number, now)
        due = invite_due(profile, now)
        if due >= workshop.starts_at:
            due = now  # it would start before quiet hours end: they must know now
        by = Writer(setting_id, ACTOR, None, None, now)
        told = await repos.workshops.cancel(Cancellation(number, reason.strip(), due), by)
        await repos.audit.record(
            setting_id, ACTOR, "workshop.cancelled", workshop.reference, {"told": told}, now
        )
    return workshop, told


async def _usable(repos: Repos, setting_id: int, number: int, now: datetime) -> Workshop:
    workshop = await repos.workshops.by_number(setting_id, number)
    if workshop is None:
        raise WorkshopProblem(f"there is no workshop W-{number}")
    if workshop.status == "cancelled":
        raise WorkshopProblem(f"W-{number} was cancelled")
    if workshop.starts_at <= now:
        raise WorkshopProblem(f"W-{number} has already started")
    return workshop


async def _reach(
    repos: Repos, setting_id: int, profile: SettingProfile, audience: str
) -> Resolution:
    try:
        _, reach = await resolve_audience(repos, setting_id, audience, profile.languages)
    except AudienceError as error:
        message = Catalogs.load().render(_text(error), "en")
        raise WorkshopProblem(f"--audience: {message}") from None
    return reach


def _text(error: AudienceError) -> Any:
    from bot.domain.messages import Text

    return Text(error.key, dict(error.params))


def missed_line(reach: Resolution) -> str:
    """Who will not get it and why, in one line ('' when everyone will)."""
    words = {
        "opted_out": "sent STOP",
        "unreachable": "cannot be reached",
        "no_information": "must not be sent information",
    }
    parts = [f"{reach.not_reached[r]} {words[r]}" for r in REASONS if reach.not_reached.get(r)]
    return f"Not reached: {', '.join(parts)}." if parts else ""


def report_lines(workshop: Workshop, counts: dict[str, Any], profile: SettingProfile) -> list[str]:
    """`keyperson report workshop W-12`: the workshop, then each count."""
    zone = ZoneInfo(profile.time_zone)
    start = workshop.starts_at.astimezone(zone)
    answers: dict[str, int] = counts["answers"]
    helps: dict[str, int] = counts["helps"]
    lines = [
        f"{workshop.reference} {workshop.title}, {start:%a %d %b %Y %H:%M}, {workshop.place}"
        + (
            f" (cancelled: {workshop.reason or 'no reason given'})"
            if workshop.status == "cancelled"
            else ""
        ),
        f"capacity: {workshop.capacity if workshop.capacity is not None else 'no limit'}",
        f"invited: {counts['invited']}",
        f"delivered: {counts['delivered']}",
        f"yes: {answers.get('yes', 0)}",
        f"no: {answers.get('no', 0)}",
        f"maybe: {answers.get('maybe', 0)}",
        f"waiting: {answers.get('waiting', 0)}",
        f"no answer: {answers.get('none', 0)}",
        "what would help:",
    ]
    labels = {
        "time": "another time of day",
        "online": "online",
        "childcare": "childcare",
        "interpreter": "an interpreter",
        "other": "something else",
    }
    lines += [f"  {labels[h]}: {helps.get(h, 0)}" for h in HELPS]
    lines += [f'    "{words}"' for words in counts["words"]]
    return lines


def plain_notes(text: str) -> list[str]:
    """Notes on jargon or wording that could hurt, in a text many families will read."""
    from bot.language.plain import Glossary

    notes = []
    for flag in Glossary.load().check(text, to_many=True):
        better = f'; try "{flag.suggestion}"' if flag.suggestion else ""
        reason = f" ({flag.reason})" if getattr(flag, "reason", "") else ""
        notes.append(f'note: "{flag.found}" may not be plain for families{reason}{better}')
    return notes
