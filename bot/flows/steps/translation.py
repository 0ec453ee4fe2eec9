"""What the relay asks of translators: a family's words, in a language a key person does not
read, become a task T-1001 for the staff with the translator role and that language."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.domain.messages import Inbound, Text
from bot.domain.people import ThreadInfo
from bot.domain.translations import TranslationAsked, reference
from bot.flows.base import (
    Context,
    Effect,
    Fact,
    NotifyCarer,
    NotifyStaff,
    RecordAudit,
    SetTimer,
    Write,
)
from bot.flows.steps.language import WRITTEN_IN
from bot.language.catalogs import LanguageName
from bot.language.detect import Detection

READERS = "translation_readers"  # the key persons who read the language written in
TRANSLATORS = "translators"
NUMBER = "translation_number"
# For staff words to a family (with [languages] translate_staff_text): the translators of each
# language, a reference taken for the task, and when the English goes without a translation.
BY_LANGUAGE = "translators_by_language"
STAFF_NUMBER = "translation_number_for_family"
FALLBACK_AT = "translation_fallback_at"
FALLBACK = "fallback"  # the timer's rule
FLOW = "translations"  # the flow whose timer sends the English


def translators_for(ctx: Context, language: str) -> tuple[int, ...]:
    """The translators of a language, when the setting has staff words translated."""
    if ctx.setting is None or not ctx.setting.translate_staff_text or language == "en":
        return ()
    return tuple((ctx.facts.get(BY_LANGUAGE) or {}).get(language, ()))


def to_family_later(body: str, thread: ThreadInfo, ctx: Context) -> tuple[Effect, ...]:
    """Staff words for a family in another language: a task for its translators, the family
    told at once a translation is on its way, the English after the wait (a timer). Nothing
    (send as ever) when the setting does not ask for it or no translator gives the language."""
    staff, translators = ctx.staff, translators_for(ctx, thread.language)
    number, due = ctx.facts.get(STAFF_NUMBER), ctx.facts.get(FALLBACK_AT)
    if staff is None or not translators or number is None or due is None or ctx.setting is None:
        return ()
    ref = reference(number)
    params = {
        "reference": ref,
        "staff": staff.name,
        "child": thread.child_name,
        "carer": thread.carer_name,
        "language": LanguageName(thread.language),
        "message": body,
        "hours": ctx.setting.translation_wait_hours,
    }
    task = TranslationAsked(
        number,
        "to_family",
        thread.language,
        body,
        thread.carer_id,
        thread.carer_name,
        (thread.child_name,),
        (staff.id,),
        translators,
        child_id=thread.child_id,
        thread=thread.code,
        author=staff.name,
    )
    return (
        Write(task),
        *(NotifyStaff(t, Text("translation.task_to_family", params)) for t in translators),
        NotifyCarer(
            thread.carer_id,
            Text("translation.on_its_way", {"staff": staff.name, "child": thread.child_name}),
            about_child=thread.child_id,
            essential=True,
            confirm=Text("translation.sent_for_translation", params),
        ),
        SetTimer(FLOW, due, FALLBACK, {"number": number}),
        RecordAudit("translation.asked", f"translation:{ref}", {"to": list(translators)}),
    )


def _staff_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    wanted = ctx.setting is not None and ctx.setting.translate_staff_text
    return (ctx.setting_id,) if wanted and ctx.staff is not None and ctx.setting_id else None


def _number_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    # A reference is taken for words that may be an answer, not for a greeting or a keyword
    # (references are unique, not consecutive: one taken for words sent as ever is skipped).
    text = inbound.text.strip()
    if not text or any(ctx.words.said(key, text) for key in ctx.words.keys()):
        return None
    return (ctx.setting_id,) if ctx.facts.get(BY_LANGUAGE) and ctx.setting_id else None


def _due_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if not ctx.facts.get(BY_LANGUAGE) or ctx.setting is None:
        return None
    return (now + timedelta(hours=ctx.setting.translation_wait_hours),)


# Facts the relay declares for a staff member's words (loaded only when the setting asks).
STAFF_FACTS = (
    Fact(BY_LANGUAGE, "translations", "by_language", _staff_args, default={}),
    Fact(STAFF_NUMBER, "translations", "reserve", _number_args),
    Fact(FALLBACK_AT, "", "", _due_args),
)


def language_written(ctx: Context) -> str | None:
    found: Detection | None = ctx.facts.get(WRITTEN_IN)
    return found.code if found is not None and found.determined else None


def key_people(ctx: Context) -> tuple[int, ...]:
    carer = ctx.carer
    if carer is None:
        return ()
    return tuple(dict.fromkeys(c.key_person_id for c in carer.children if c.key_person_id))


def not_reading(ctx: Context) -> tuple[int, ...]:
    """The key persons of the carer's children who do not read the language written in."""
    readers = ctx.facts.get(READERS)
    if readers is None:
        return ()
    return tuple(s for s in key_people(ctx) if s not in readers)


def for_key_people(text: str, ctx: Context) -> tuple[Effect, ...]:
    """A family's words in a language a key person does not read: a task for translators, who
    are told at once (the facts come from the translations flow, which watches carer text)."""
    carer, language = ctx.carer, language_written(ctx)
    translators: tuple[int, ...] = tuple(ctx.facts.get(TRANSLATORS) or ())
    number = ctx.facts.get(NUMBER)
    lacking = not_reading(ctx)
    if carer is None or language is None or not lacking or not translators or number is None:
        return ()
    children = tuple(c.first_name for c in carer.children)
    ref = reference(number)
    params = {
        "reference": ref,
        "carer": carer.name,
        "children": ", ".join(children),
        "language": LanguageName(language),
        "message": text,
    }
    task = TranslationAsked(
        number, "to_staff", language, text, carer.id, carer.name, children, lacking, translators
    )
    return (
        Write(task),
        *(NotifyStaff(t, Text("translation.task_to_staff", params)) for t in translators),
        RecordAudit(
            "translation.asked",
            f"translation:{ref}",
            {"language": language, "to": list(translators), "for": list(lacking)},
        ),
    )
