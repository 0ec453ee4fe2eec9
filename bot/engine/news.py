"""Delivering news about children: one message per family, in their language and update mode.

A family's message names only their own children among those the update is about. Carers with
receives_information = no get nothing; 'essentials' carers get no updates; 'evening' and
'weekly' carers get the update held for their next summary; everyone else gets it now, or when
their quiet hours end. Celebrations are never held for a summary. The sender is told how many
families it reaches and when; counts are of families (carers who share a child are one).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.domain.messages import Text
from bot.domain.setting import SettingProfile
from bot.domain.time import next_summary, quiet_end, spoken_when
from bot.engine import translating
from bot.engine.translating import words_coming
from bot.flows.base import News, PreviewNews, ShareNews
from bot.language.catalogs import Catalogs, LanguageName
from bot.language.segments import costly_characters, count_segments, without
from bot.storage.repos import Repos
from bot.storage.rows import FamilyMember, NewOutbox

MAX_SMS_PARTS = 3  # beyond this an update costs too much and reads badly on a phone
SUMMARY_MODES = frozenset({"evening", "weekly"})
# How a carer gets the news, earliest first: a family is counted under its earliest carer.
NOW, HELD, SUMMARY, NONE = "now", "held", "summary", "none"
ORDER = (NOW, HELD, SUMMARY, NONE)


def family_text(news: News, names: Sequence[str], setting: str, later: bool = False) -> Text:
    """The message one family gets: their children's names, the phrases, the staff's words
    (or, `later`, that the words follow once translated)."""
    key = "celebration.message" if news.kind == "celebration" else "update.message"
    content = [Text(f"phrase.{p}") for p in news.phrases]
    if news.text:
        content.append(
            words_coming(news.author) if later else Text("label.raw", {"text": news.text})
        )
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


def households(carers: dict[int, list[FamilyMember]]) -> list[set[int]]:
    """The carers grouped into families: carers of a shared child are one family."""
    parent: dict[int, int] = {carer: carer for carer in carers}

    def root(carer: int) -> int:
        while parent[carer] != carer:
            parent[carer] = parent[parent[carer]]
            carer = parent[carer]
        return carer

    first_carer_of: dict[int, int] = {}
    for carer, theirs in carers.items():
        for member in theirs:
            other = first_carer_of.setdefault(member.child_id, carer)
            parent[root(carer)] = root(other)
    grouped: dict[int, set[int]] = defaultdict(set)
    for carer in carers:
        grouped[root(carer)].add(carer)
    return list(grouped.values())


@dataclass(frozen=True, slots=True)
class Route:
    """How one carer gets the news: now, held to `due`, in a summary at `due`, or not at all."""

    how: str
    due: datetime | None = None


@dataclass(frozen=True, slots=True)
class Reach:
    """How many families get the news, by how they get it, and when quiet hours end."""

    counts: dict[str, int]
    held_until: datetime | None

    @property
    def getting_it(self) -> int:
        """Families that get the news at all."""
        return sum(n for how, n in self.counts.items() if how != NONE)


def route(news: News, first: FamilyMember, local: datetime, hold: datetime | None) -> Route:
    """How a carer (whose first member row is `first`) gets this news."""
    if first.update_mode == "essentials":
        return Route(NONE)
    if news.kind == "update" and first.update_mode in SUMMARY_MODES:
        at = _clock(first.summary_time)
        return Route(SUMMARY, next_summary(first.update_mode, at, first.summary_day, local))
    return Route(HELD, hold) if hold else Route(NOW)


def reach(carers: dict[int, list[FamilyMember]], routes: dict[int, Route]) -> Reach:
    """Families counted once each, under the earliest way any of their carers gets it."""
    counts = dict.fromkeys(ORDER, 0)
    held: datetime | None = None
    for family in households(carers):
        hows = [routes[c] for c in family]
        counts[min((r.how for r in hows), key=ORDER.index)] += 1
        held = held or next((r.due for r in hows if r.how == HELD), None)
    return Reach(counts, held)


class NewsDelivery:
    """Renders and routes news; the caller owns the transaction."""

    def __init__(self, catalogs: Catalogs, profile: SettingProfile) -> None:
        self.catalogs = catalogs
        self.profile = profile
        self.zone = ZoneInfo(profile.time_zone)

    async def share(
        self, repos: Repos, effect: ShareNews, author: str, setting_id: int, now: datetime
    ) -> tuple[list[tuple[int, Text, str | None, datetime | None]], Text, list[NewOutbox]]:
        """Record the news and hold summary items; return (carer, text, photo, not_before)
        for each family that gets it now or after quiet hours, what to tell the sender, and
        the rows asking translators for the words ([languages] translate_staff_text)."""
        news, stamp = effect.news, now
        members = await repos.news.families(list(news.children))
        for child in news.children:
            names = [m.child_name for m in members if m.child_id == child][:1]
            body = self.catalogs.render(family_text(news, names, self.profile.name), "en")
            await repos.news.add(setting_id, child, news.kind, author, body, news.photo, stamp)
        local = now.astimezone(self.zone)
        hold = quiet_end(self.profile.quiet, local)
        carers = families_of(members)
        routes = {carer: route(news, theirs[0], local, hold) for carer, theirs in carers.items()}
        getting = {c: theirs for c, theirs in carers.items() if routes[c].how != NONE}
        later, asked = await translating.for_news(
            repos, self.catalogs, self.profile, setting_id, news, getting, author, now
        )
        now_rows: list[tuple[int, Text, str | None, datetime | None]] = []
        for carer_id, theirs in carers.items():
            first, how = theirs[0], routes[carer_id]
            names = [m.child_name for m in theirs]
            text = family_text(news, names, self.profile.name, first.language in later)
            if how.how == SUMMARY and how.due is not None:
                rendered = self.catalogs.render(text, first.language)
                about = ", ".join(m.child_name for m in theirs)
                await repos.news.hold(setting_id, carer_id, about, rendered, how.due)
            elif how.how in (NOW, HELD):
                photo = news.photo if all(m.photo_consent for m in theirs) else None
                now_rows.append((carer_id, text, photo, how.due))
        told = self.told(news, reach(carers, routes), local, members)
        if later:
            lines = tuple(
                Text(
                    "translation.for_translation",
                    {"language": LanguageName(lang), "reference": ref},
                )
                for lang, ref in later.items()
            )
            told = Text("news.told", {**told.params, "lines": (*told.params["lines"], *lines)})
        return now_rows, told, asked

    def told(self, news: News, found: Reach, local: datetime, members: list[FamilyMember]) -> Text:
        """What the sender is told once the news is on its way: to how many families, when."""
        known = {m.child_id: m.child_name for m in members}
        names = tuple(known[c] for c in news.children if c in known)
        festive = news.kind == "celebration"
        head = Text("celebration.sent" if festive else "update.sent", {"children": names})
        if not found.getting_it and not found.counts[NONE]:
            return Text("news.told", {"head": head, "lines": (Text("news.reach_nobody"),)})
        lines: list[Text] = []
        for how in ORDER:
            count = found.counts[how]
            if not count:
                continue
            params: dict[str, object] = {"count": count}
            if how == HELD and found.held_until is not None:
                params["when"] = spoken_when(found.held_until, local)
            lines.append(Text(f"news.reach_{how}", params))
        return Text("news.told", {"head": head, "lines": tuple(lines)})

    async def preview(self, repos: Repos, effect: PreviewNews, now: datetime) -> Text:
        """The preview for the sender: the message as each language's families will read it,
        what it costs by SMS when more than one text, when it arrives, and any warning."""
        news = effect.news
        members = await repos.news.families(list(news.children))
        local = now.astimezone(self.zone)
        hold = quiet_end(self.profile.quiet, local)
        carers = families_of(members)
        routes = {carer: route(news, theirs[0], local, hold) for carer, theirs in carers.items()}
        shown: dict[str, list[FamilyMember]] = {}
        for carer, theirs in carers.items():
            if routes[carer].how != NONE:
                shown.setdefault(theirs[0].language, theirs)
        parts: list[Text] = []
        too_long = False
        for lang, theirs in sorted(shown.items()):
            text = family_text(news, [m.child_name for m in theirs], self.profile.name)
            body = self.catalogs.render(text, lang)
            too_long = too_long or count_segments(body).parts > MAX_SMS_PARTS
            parts.append(
                Text(
                    "update.preview_language",
                    {"language": LanguageName(lang), "message": body, "sms": sms_cost(body, lang)},
                )
            )
        found = reach(carers, routes)
        notes: list[Text] = list(effect.notes)
        if found.held_until is not None:
            when = spoken_when(found.held_until, local)
            notes.append(Text("update.preview_held", {"when": when}))
        if too_long:
            notes.append(Text("update.too_long"))
        return Text(
            "update.preview",
            {"count": found.getting_it, "previews": tuple(parts), "notes": tuple(notes)},
        )


def sms_cost(body: str, lang: str | None = None) -> Text | str:
    """What an SMS body costs, in plain words, when it is more than one text; else nothing.
    A language whose letters GSM-7 lacks (Urdu, Polish…) is named: its texts hold fewer
    characters (Unicode SMS)."""
    segments = count_segments(body)
    if segments.parts <= 1:
        return ""
    texts = Text("sms.texts", {"count": segments.parts})
    letters = [c for c in segments.non_gsm7 if unicodedata.category(c[0]).startswith(("L", "M"))]
    if letters and lang is not None:
        return Text("update.preview_sms_unicode", {"texts": texts, "language": LanguageName(lang)})
    costly = costly_characters(body)
    if costly:
        fewer = count_segments(without(body, costly)).parts
        if fewer < segments.parts:
            return Text(
                "update.preview_sms_chars",
                {
                    "count": len(costly),
                    "texts": texts,
                    "chars": " ".join(costly),
                    "fewer": Text("sms.texts", {"count": fewer}),
                },
            )
    return Text("update.preview_sms", {"texts": texts})


def _clock(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))
