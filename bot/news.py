"""Delivering news about children: one message per family, in their language and update mode.

A family's message names only their own children among those the update is about. Carers with
receives_information = no get nothing; 'essentials' carers get no updates; 'evening' and
'weekly' carers get the update held for their next summary; everyone else gets it now, or when
their quiet hours end. Celebrations are never held for a summary.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.config import SettingProfile
from bot.domain import Text
from bot.flows.base import News, PreviewNews, ShareNews
from bot.i18n import Catalogs
from bot.sms_segments import count_segments
from bot.storage.sqlite import Repos, iso
from bot.storage.sqlite_news import FamilyMember
from bot.timing import next_summary, quiet_end

MAX_SMS_PARTS = 3  # beyond this an update costs too much and reads badly on a phone
SUMMARY_MODES = frozenset({"evening", "weekly"})


def family_text(news: News, names: Sequence[str], setting: str) -> Text:
    """The message one family gets: their children's names, the phrases, the staff's words."""
    key = "celebration.message" if news.kind == "celebration" else "update.message"
    content = [Text(f"phrase.{p}") for p in news.phrases]
    if news.text:
        content.append(Text("label.raw", {"text": news.text}))
    return Text(
        key,
        {
            "children": tuple(names),
            "staff": news.author,
            "setting": setting,
            "content": tuple(content),
        },
    )


def families_of(members: list[FamilyMember]) -> dict[int, list[FamilyMember]]:
    """Informed carers, each with the children of theirs the news is about."""
    grouped: dict[int, list[FamilyMember]] = defaultdict(list)
    for member in members:
        if member.receives_information:
            grouped[member.carer_id].append(member)
    return dict(grouped)


class NewsDelivery:
    """Renders and routes news; the caller owns the transaction."""

    def __init__(self, catalogs: Catalogs, profile: SettingProfile) -> None:
        self.catalogs = catalogs
        self.profile = profile
        self.zone = ZoneInfo(profile.time_zone)

    async def share(
        self, repos: Repos, effect: ShareNews, author: str, setting_id: int, now: datetime
    ) -> list[tuple[int, Text, str | None, str | None]]:
        """Record the news and hold summary items; return (carer, text, photo, not_before)
        for each family that gets it now."""
        news, stamp = effect.news, iso(now)
        members = await repos.news.families(list(news.children))
        for child in news.children:
            names = [m.child_name for m in members if m.child_id == child][:1]
            body = self.catalogs.render(family_text(news, names, self.profile.name), "en")
            await repos.news.add(setting_id, child, news.kind, author, body, news.photo, stamp)
        local = now.astimezone(self.zone)
        hold = quiet_end(self.profile.quiet, local)
        now_rows: list[tuple[int, Text, str | None, str | None]] = []
        for carer_id, theirs in families_of(members).items():
            first = theirs[0]
            text = family_text(news, [m.child_name for m in theirs], self.profile.name)
            if first.update_mode == "essentials":
                continue
            if news.kind == "update" and first.update_mode in SUMMARY_MODES:
                due = next_summary(
                    first.update_mode, _clock(first.summary_time), first.summary_day, local
                )
                rendered = self.catalogs.render(text, first.language)
                about = ", ".join(m.child_name for m in theirs)
                await repos.news.hold(setting_id, carer_id, about, rendered, iso(due))
                continue
            photo = news.photo if all(m.photo_consent for m in theirs) else None
            now_rows.append((carer_id, text, photo, iso(hold) if hold else None))
        return now_rows

    async def preview(self, repos: Repos, effect: PreviewNews) -> Text:
        """The preview for the sender: the message as each language's families will read it,
        with SMS parts and encoding, and a warning when any family's SMS is long."""
        members = await repos.news.families(list(effect.news.children))
        families = families_of(members)
        shown: dict[str, list[FamilyMember]] = {}
        for theirs in families.values():
            shown.setdefault(theirs[0].language, theirs)
        parts: list[Text] = []
        too_long = False
        for lang, theirs in sorted(shown.items()):
            text = family_text(effect.news, [m.child_name for m in theirs], self.profile.name)
            body = self.catalogs.render(text, lang)
            segments = count_segments(body)
            too_long = too_long or segments.parts > MAX_SMS_PARTS
            parts.append(
                Text(
                    "update.preview_language",
                    {
                        "language": lang,
                        "message": body,
                        "parts": segments.parts,
                        "encoding": segments.encoding,
                    },
                )
            )
        return Text(
            "update.preview",
            {
                "families": len(families),
                "previews": tuple(parts),
                "warning": Text("update.too_long") if too_long else "",
            },
        )


def _clock(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))
