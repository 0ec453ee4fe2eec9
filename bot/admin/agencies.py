"""Agency contacts and referrals from the command line: effects applied in the caller's
transaction (the record and the family's notices commit together), and the lists.

Lists name people and channels, never phone numbers. The referral list shows the family's
views word for word: staff need them to make the referral.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.agencies import AgencyRow, NoticeLine, ReferralRow
from bot.domain.setting import SettingDirectory, SettingProfile
from bot.engine.effects import STAFF_LANGUAGE, Effects
from bot.engine.records import Origin
from bot.engine.registry import Registry
from bot.flows import specs
from bot.flows.base import Effect, Transition
from bot.language.catalogs import Catalogs
from bot.language.keywords import Keywords
from bot.storage.repos import Repos

STATES = {
    "asked": "waiting for the family",
    "questions": "the family has questions first",
    "consented": "agreed",
    "declined": "not agreed",
    "withdrawn": "agreement withdrawn",
    "sent": "agreed and sent",
}
ANSWERS = {
    "yes": "agreed",
    "no": "did not agree",
    "questions": "asked",
    "withdrawn": "withdrew agreement",
    "views": "would like them to know",
}


class FromCommand:
    """Applies a flow's effects for the command line, as the system, in one transaction."""

    def __init__(self, profile: SettingProfile, setting_id: int) -> None:
        catalogs = Catalogs.load()
        registry = Registry(specs(), Keywords.from_catalogs(catalogs))
        directory = SettingDirectory({setting_id: profile}, setting_id)
        self.effects = Effects(catalogs, profile, registry.writer, directory)
        self.origin = Origin("system", "system", setting_id, None, STAFF_LANGUAGE)

    async def apply(self, repos: Repos, effects: Sequence[Effect], now: datetime) -> int:
        """Write the records and queue the messages; return how many messages were queued."""
        transition = Transition(None, {}, tuple(effects))
        return await self.effects.apply(repos, self.origin, transition, now, had_state=False)


def _at(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def _told(lines: Sequence[NoticeLine], zone: ZoneInfo) -> str:
    if not lines:
        return "nobody"
    return "; ".join(f"{t.carer} by {' and '.join(t.channels)} at {_at(t.told_at, zone)}"
                     for t in lines)  # fmt: skip


def agency_lines(rows: Sequence[AgencyRow], profile: SettingProfile) -> list[str]:
    """`agency list`: what went to which agency, and when the family was told."""
    zone = ZoneInfo(profile.time_zone)
    lines = [f"Agency contacts at {profile.name} (times in {profile.time_zone})"]
    for row in rows:
        when = f" on {row.when:%Y-%m-%d}" if row.when else ""
        kind = "planned" if row.planned else "done"
        lines.append(
            f"{row.child} ({row.child_ref}): {row.agency}{when} ({kind}, recorded "
            f"{_at(row.recorded_at, zone)}): {row.what}"
        )
        lines.append(f"  family told: {_told(row.told, zone)}")
    lines.append(f"{len(rows)} contact(s)" if rows else "No agency contacts.")
    return lines


def referral_lines(rows: Sequence[ReferralRow], profile: SettingProfile) -> list[str]:
    """`referral list`: each referral's consent state, and every answer with time and channel."""
    zone = ZoneInfo(profile.time_zone)
    lines = [f"Referrals at {profile.name} (times in {profile.time_zone})"]
    for row in rows:
        sent = f", sent {_at(row.sent_at, zone)}" if row.sent_at else ""
        lines.append(
            f"{row.reference}  {row.child_full} ({row.child_ref}) to {row.to}: "
            f"{STATES.get(row.state, row.state)}{sent}. Made {_at(row.made_at, zone)}."
        )
        lines.append(f"  why: {row.why}")
        lines.append(f"  asked: {_told(row.asked, zone)}")
        for answer in row.answers:
            words = f': "{answer.words}"' if answer.words else ""
            lines.append(
                f"  {answer.carer} {ANSWERS.get(answer.answer, answer.answer)} by "
                f"{answer.channel} at {_at(answer.at, zone)}{words}"
            )
    lines.append(f"{len(rows)} referral(s)" if rows else "No referrals.")
    return lines


def parse_day(text: str) -> date:
    """A date as YYYY-MM-DD or, as people in the UK write it, DD/MM/YYYY."""
    cleaned = text.strip()
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        pass
    try:
        return datetime.strptime(cleaned, "%d/%m/%Y").date()
    except ValueError:
        raise ValueError(f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2026-12-03") from None
