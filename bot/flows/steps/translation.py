"""What the relay asks of translators: a family's words, in a language a key person does not
read, become a task T-1001 for the staff with the translator role and that language."""

from __future__ import annotations

from bot.domain.messages import Text
from bot.domain.translations import TranslationAsked, reference
from bot.flows.base import Context, Effect, NotifyStaff, RecordAudit, Write
from bot.flows.steps.language import WRITTEN_IN
from bot.language.catalogs import LanguageName
from bot.language.detect import Detection

READERS = "translation_readers"  # the key persons who read the language written in
TRANSLATORS = "translators"
NUMBER = "translation_number"


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
