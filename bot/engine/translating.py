"""Staff words to many families of one language, sent for translation by code that queues
messages itself (a broadcast, a daily update's delivery): one task T-… per language for its
translators, the English
after `[languages] translation_wait_hours` (a timer of the translations flow, which also
passes the translation on). Families of that language get the catalog's parts at once with
"a translation is on its way" in place of the words; the caller renders that."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.messages import Priority, Text
from bot.domain.people import PersonKind
from bot.domain.setting import SettingProfile
from bot.domain.translations import Delivery, TranslationAsked, WaitingTimer, reference
from bot.flows.base import News
from bot.language.catalogs import Catalogs, LanguageName
from bot.language.splitting import sms_rows
from bot.storage.repos import Repos
from bot.storage.rows import FamilyMember, NewOutbox, Writer

FLOW = "translations"  # the flow whose timer sends the English (bot/flows/translations.py)
FALLBACK = "fallback"  # its timer's rule
WAITING = Text("translation.coming")  # in place of the words until the translation comes
SEE_EARLIER = Text("translation.see_earlier")  # in a reminder, in place of the words


def words_coming(author: str) -> Text:
    """In a daily update, in place of the staff's words until the translation comes."""
    return Text("translation.words_coming", {"staff": author})


@dataclass(frozen=True, slots=True)
class ForFamilies:
    """Staff words for the families of one language, and how the translation reaches them."""

    language: str
    words: str
    author: str  # who wrote them, as translators and the task list show it
    about: str  # what it is, for the translator ("B-12")
    delivery: Delivery
    deliver_to: tuple[int, ...]  # staff told when it goes (translated or in English)
    actor: str  # the audit actor


async def translators(
    repos: Repos, profile: SettingProfile, setting_id: int
) -> dict[str, tuple[int, ...]]:
    """Per language other than English, its translators, when the setting asks for staff
    words to be translated; else nothing."""
    if not profile.translate_staff_text:
        return {}
    found = await repos.translations.by_language(setting_id)
    return {language: ids for language, ids in found.items() if language != "en" and ids}


async def told(repos: Repos, setting_id: int, sent_by: str) -> tuple[int, ...]:
    """Who hears what became of a translation: the member of staff who wrote the words, or,
    for words from the command line, the managers."""
    kind, _, person = sent_by.partition(":")
    if kind == PersonKind.STAFF.value and person.isdigit():
        return (int(person),)
    return tuple(await repos.people.staff_with_role(setting_id, "manager"))


async def ask(
    repos: Repos,
    catalogs: Catalogs,
    profile: SettingProfile,
    setting_id: int,
    wanted: ForFamilies,
    by: tuple[int, ...],
    now: datetime,
) -> tuple[str, list[NewOutbox]] | None:
    """Keep a task for the translators `by` and set the timer that sends the English; return
    its reference and the rows telling the translators, or None when nobody can take the timer
    (no member of staff concerned has a phone or chat on file): then the words go as ever."""
    where = await _timer_address(repos, (*wanted.deliver_to, *by))
    if where is None:
        return None
    number = await repos.translations.reserve(setting_id)
    ref = reference(number)
    task = TranslationAsked(
        number,
        "to_family",
        wanted.language,
        wanted.words,
        None,
        "",
        (),
        wanted.deliver_to,
        by,
        author=wanted.author,
        families=wanted.delivery,
    )
    await repos.translations.add(task, Writer(setting_id, wanted.actor, None, None, now))
    due = now + timedelta(hours=profile.translation_wait_hours)
    await repos.reminders.add(
        setting_id, where[0], where[1], FLOW, due, FALLBACK, {"number": number}
    )
    params = {
        "reference": ref,
        "language": LanguageName(wanted.language),
        "staff": wanted.author,
        "about": wanted.about,
        "message": wanted.words,
        "hours": profile.translation_wait_hours,
    }
    rows: list[NewOutbox] = []
    for staff_id in by:
        rows += await staff_rows(
            repos, catalogs, setting_id, staff_id, Text("translation.task_to_families", params)
        )
    await repos.audit.record(
        setting_id,
        wanted.actor,
        "translation.asked",
        f"translation:{ref}",
        {"language": wanted.language, "to": list(by), "for": wanted.about},
        now,
    )
    return ref, rows


async def staff_rows(
    repos: Repos, catalogs: Catalogs, setting_id: int, staff_id: int, text: Text
) -> list[NewOutbox]:
    """The rows of one message to a member of staff, in their language, where they chose."""
    staff = await repos.people.staff_member(staff_id)
    return await person_rows(
        repos, catalogs, setting_id, PersonKind.STAFF, staff_id, staff.language, text
    )


async def _timer_address(repos: Repos, staff: tuple[int, ...]) -> tuple[str, str] | None:
    """A phone or chat of the first of these staff who has one: the timer is handled there
    (it says nothing to them; those concerned are told by name)."""
    for staff_id in dict.fromkeys(staff):
        contacts = (await repos.links.route(PersonKind.STAFF, staff_id)).contacts
        if contacts:
            return contacts[0].channel, contacts[0].address
    return None


async def for_news(
    repos: Repos,
    catalogs: Catalogs,
    profile: SettingProfile,
    setting_id: int,
    news: News,
    getting: dict[int, list[FamilyMember]],
    actor: str,
    now: datetime,
) -> tuple[dict[str, str], list[NewOutbox]]:
    """A daily update's or wow moment's own words: one task per language of the families
    getting it that has a translator; return each such language's reference, and the rows
    telling the translators. Quick phrases are the catalog's, so they need none."""
    if not news.text.strip():
        return {}, []
    by_language = await translators(repos, profile, setting_id)
    languages = sorted({theirs[0].language for theirs in getting.values()} & set(by_language))
    if not languages:
        return {}, []
    deliver_to = await told(repos, setting_id, actor)
    later: dict[str, str] = {}
    rows: list[NewOutbox] = []
    for language in languages:
        theirs = {c: m for c, m in getting.items() if m[0].language == language}
        delivery = Delivery(
            "translation.news_words",
            "text",
            tuple((carer, members[0].child_id) for carer, members in theirs.items()),
            {"staff": news.author},
            int(Priority.NORMAL),
            names={c: tuple(m.child_name for m in members) for c, members in theirs.items()},
        )
        about = ", ".join(dict.fromkeys(m.child_name for ms in theirs.values() for m in ms))
        wanted = ForFamilies(language, news.text, news.author, about, delivery, deliver_to, actor)
        asked = await ask(repos, catalogs, profile, setting_id, wanted, by_language[language], now)
        if asked is not None:
            later[language] = asked[0]
            rows += asked[1]
    return later, rows


@dataclass(frozen=True, slots=True)
class Held:
    """One family's timer held back until staff words in it are translated."""

    carer_id: int
    language: str
    timer: WaitingTimer


async def hold_for_translation(
    repos: Repos,
    catalogs: Catalogs,
    profile: SettingProfile,
    setting_id: int,
    wanted: ForFamilies,
    held: list[Held],
    coming: Text,
    now: datetime,
    not_before: datetime | None = None,
) -> tuple[set[int], list[NewOutbox]]:
    """Words a flow asks families a question with (a review's summary): per language with a
    translator, one task holding those families' timers until the words are ready, and each
    family told at once (`coming`); return the carers held and the rows to queue."""
    by_language = await translators(repos, profile, setting_id)
    carers: set[int] = set()
    rows: list[NewOutbox] = []
    for language in sorted({h.language for h in held} & set(by_language)):
        theirs = [h for h in held if h.language == language]
        delivery = dataclasses.replace(wanted.delivery, timers=tuple(h.timer for h in theirs))
        one = dataclasses.replace(wanted, language=language, delivery=delivery)
        asked = await ask(repos, catalogs, profile, setting_id, one, by_language[language], now)
        if asked is None:
            continue
        rows += asked[1]
        for h in theirs:
            carers.add(h.carer_id)
            rows += await person_rows(
                repos, catalogs, setting_id, PersonKind.CARER, h.carer_id, language, coming,
                not_before,
            )  # fmt: skip
    return carers, rows


async def person_rows(
    repos: Repos,
    catalogs: Catalogs,
    setting_id: int,
    kind: PersonKind,
    person_id: int,
    language: str,
    text: Text,
    not_before: datetime | None = None,
) -> list[NewOutbox]:
    """The rows of one essential message to a person, in `language`, where they chose."""
    rows: list[NewOutbox] = []
    for contact in (await repos.links.route(kind, person_id)).chosen(True):
        body = catalogs.render(text, language, contact.channel)
        rows += sms_rows(
            NewOutbox(
                setting_id=setting_id,
                channel=contact.channel,
                address=contact.address,
                person_kind=kind.value,
                person_id=person_id,
                priority=int(Priority.REPLY if kind is PersonKind.STAFF else Priority.NORMAL),
                body=body,
                choices=[],
                essential=True,
                not_before=not_before,
            )
        )
    return rows
