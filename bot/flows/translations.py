"""Translators: a family's words in a language their key person does not read go, as well, to
a member of staff with the translator role and that language, as a task with a reference; the
translator answers with the reference and the translation, which reaches the key person.

carer text in L (detected; bot.flows.language) relayed to a key person without L in their
    languages, a translator with L on file──► task T-1001 kept; each translator: the words and
    how to answer (steps/translation.py, asked by the relay as it delivers the message).
translator "T-1001 <translation>" ──► the key person(s): the translation beside the words;
    the translator thanked. Done already / not theirs / unknown: said so.
TRANSLATIONS (staff) ──► the tasks waiting for them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.messages import Inbound, Priority, Text
from bot.domain.reminders import after_quiet
from bot.domain.translations import (
    ANSWER,
    UNTRANSLATED,
    Delivery,
    Expired,
    Translated,
    TranslationAsked,
    TranslationTask,
    reference,
)
from bot.flows.base import (
    Command,
    Context,
    Effect,
    Fact,
    FlowSpec,
    NotifyCarer,
    NotifyStaff,
    RecordAudit,
    Reply,
    SetTimer,
    State,
    TimerFired,
    Transition,
    Trigger,
    Write,
    end,
)
from bot.flows.steps.translation import (
    FALLBACK,
    NUMBER,
    READERS,
    TRANSLATORS,
    key_people,
    language_written,
    not_reading,
)
from bot.language.catalogs import LanguageName

NAME = "translations"
TRIGGER = "translations"
TASK = "translation_task"
WAITING = "translations_waiting"
ANSWERED_AT = "translation_answered_at"  # when a translator's answer came: timers it sets
MAY_ANSWER_ANY = frozenset({"manager"})


def answered_number(text: str, ctx: Context) -> int | None:
    """The task a member of staff's "T-1001 …" answers, if it is one (four digits or more)."""
    match = ANSWER.match(text)
    if ctx.staff is None or match is None or len(match["number"]) < 4:
        return None
    return int(match["number"])


def watch(text: str, ctx: Context, now: datetime) -> tuple[Effect, ...]:
    """Nothing of its own: a carer's text is watched so that the facts above are loaded, and
    the relay, which delivers it, asks for the task (steps.translation.for_key_people)."""
    return ()


def recognise(text: str, ctx: Context) -> Transition | None:
    """A translator's "T-1001 <translation>": pass it on to the key person(s)."""
    number = answered_number(text, ctx)
    staff = ctx.staff
    if number is None or staff is None:
        return None
    ref = reference(number)
    task: TranslationTask | None = ctx.facts.get(TASK)
    mine = task is not None and (
        staff.id in task.translators or bool(MAY_ANSWER_ANY & set(staff.roles))
    )
    if task is None or task.number != number or not mine:
        return end(Reply(Text("translation.unknown", {"reference": ref})))
    if task.done:
        return end(Reply(Text("translation.already", {"reference": ref})))
    translation = (ANSWER.match(text) or {"text": ""})["text"].strip()
    if not translation:
        return end(Reply(Text("translation.empty", {"reference": ref})))
    if task.families is not None:
        now = ctx.facts.get(ANSWERED_AT)
        if now is None:  # (always loaded with the task for an answer)
            return None
        return _to_families(task, task.families, translation, ctx, now)
    if task.direction == "to_family":
        return _to_family(task, translation)
    params = {
        "reference": ref,
        "carer": task.carer,
        "children": ", ".join(task.children),
        "language": LanguageName(task.language),
        "message": task.words,
        "translation": translation,
    }
    return end(
        Write(Translated(number, translation)),
        *(NotifyStaff(s, Text("translation.to_staff", params)) for s in task.deliver_to),
        Reply(Text("translation.thanks", {"reference": ref})),
        RecordAudit("translation.given", f"translation:{ref}", {"to": list(task.deliver_to)}),
    )


def _to_family(task: TranslationTask, translation: str) -> Transition:
    """A translation of staff words: to the family as the staff member's answer; they are told."""
    ref, child = task.reference, ", ".join(task.children)
    effects: list[Effect] = [Write(Translated(task.number, translation))]
    if task.carer_id is not None:
        words = {"staff": task.author or "", "child": child, "message": translation}
        effects.append(
            NotifyCarer(task.carer_id, Text("relay.to_carer", words), task.child_id, essential=True)
        )
    told = Text("translation.delivered", {"reference": ref, "carer": task.carer})
    effects += [NotifyStaff(s, told) for s in task.deliver_to]
    effects += [
        Reply(Text("translation.thanks", {"reference": ref})),
        RecordAudit("translation.given", f"translation:{ref}", {"to": "family"}),
    ]
    return end(*effects)


def _each_family(
    delivery: Delivery, words: str, translated: bool, ctx: Context, now: datetime
) -> list[Effect]:
    """The words, translated or in English with a note, to each family of the delivery: in the
    wrapper, or through the timers of the flow that asks with them (after quiet hours)."""
    if delivery.timers:
        profile = ctx.setting
        due = after_quiet(now, profile.quiet, ZoneInfo(profile.time_zone)) if profile else now
        return [
            SetTimer(
                t.flow,
                due,
                t.rule,
                {**t.payload, delivery.slot: words, UNTRANSLATED: not translated},
                to=(t.channel, t.address),
                kind=t.kind,
                subject=t.subject,
                about=t.about,
            )
            for t in delivery.timers
        ]
    text = Text("label.raw", {"text": words})
    if not translated:
        text = Text("translation.in_english", {"text": text})
    return [
        NotifyCarer(
            carer,
            Text(delivery.key, {**delivery.params_for(carer), delivery.slot: text}),
            child,
            Priority(delivery.priority),
            delivery.essential,
        )
        for carer, child in delivery.carers
    ]


def _to_families(
    task: TranslationTask, delivery: Delivery, translation: str, ctx: Context, now: datetime
) -> Transition:
    """A translation of staff words to many families (a broadcast): every family of that
    language gets it inside the wrapper; those it was written for are told."""
    ref = task.reference
    told = Text(
        "translation.delivered_families",
        {"reference": ref, "language": LanguageName(task.language)},
    )
    return end(
        Write(Translated(task.number, translation)),
        *_each_family(delivery, translation, True, ctx, now),
        *(NotifyStaff(s, told) for s in task.deliver_to),
        Reply(Text("translation.thanks", {"reference": ref})),
        RecordAudit(
            "translation.given",
            f"translation:{ref}",
            {"to": "families", "carers": len(delivery.carers)},
        ),
    )


def _families_expired(
    task: TranslationTask, delivery: Delivery, ctx: Context, now: datetime
) -> Transition:
    """No translation in time for many families: the English, with a note, to each of them;
    those it was written for are told."""
    hours = ctx.setting.translation_wait_hours if ctx.setting else 0
    params = {
        "reference": task.reference,
        "language": LanguageName(task.language),
        "hours": hours,
    }
    return end(
        Write(Expired(task.number)),
        *_each_family(delivery, task.words, False, ctx, now),
        *(NotifyStaff(s, Text("translation.fallback_families", params)) for s in task.deliver_to),
        RecordAudit("translation.expired", f"translation:{task.reference}"),
    )


def timer(state: State, fired: TimerFired, now: datetime) -> Transition:
    """The wait is over with no translation: the English goes, with a note, and the member of
    staff who wrote it is told."""
    task: TranslationTask | None = fired.ctx.facts.get(TASK)
    keep = Transition(None, {})
    if fired.rule != FALLBACK or task is None or task.done:
        return keep
    hours = fired.ctx.setting.translation_wait_hours if fired.ctx.setting else 0
    if task.families is not None:
        return _families_expired(task, task.families, fired.ctx, now)
    if task.carer_id is None:
        return keep
    params = {
        "reference": task.reference,
        "staff": task.author or "",
        "child": ", ".join(task.children),
        "carer": task.carer,
        "message": task.words,
        "hours": hours,
    }
    return end(
        Write(Expired(task.number)),
        NotifyCarer(
            task.carer_id, Text("translation.untranslated", params), task.child_id, essential=True
        ),
        Reply(Text("translation.fallback_sent", params)),
        RecordAudit("translation.expired", f"translation:{task.reference}"),
    )


def waiting(ctx: Context) -> Transition:
    """TRANSLATIONS: the tasks waiting for this member of staff, oldest first."""
    tasks: list[TranslationTask] = list(ctx.facts.get(WAITING) or ())
    if not tasks:
        return end(Reply(Text("translation.none_waiting")))
    lines = tuple(
        Text(
            "translation.waiting_line",
            {
                "reference": t.reference,
                "language": LanguageName(t.language),
                "carer": (t.author or t.carer) if t.direction == "to_family" else t.carer,
                "message": t.words,
            },
        )
        for t in tasks
    )
    return end(Reply(Text("translation.waiting", {"count": len(tasks), "lines": lines})))


# Facts: for a carer's text in a language found; for a "T-…" answer; for TRANSLATIONS.


def _readers_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    language = language_written(ctx)
    if ctx.carer is None or language is None or not key_people(ctx):
        return None
    return (key_people(ctx), language)


def _translators_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    language = language_written(ctx)
    if language is None or not not_reading(ctx) or ctx.setting_id is None:
        return None
    return (ctx.setting_id, language)


def _number_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if not ctx.facts.get(TRANSLATORS) or ctx.setting_id is None:
        return None
    return (ctx.setting_id,)


def _task_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    timer = ctx.facts.get("timer")
    if isinstance(timer, dict) and "number" in timer:
        return (ctx.setting_id, int(timer["number"])) if ctx.setting_id else None
    number = answered_number(inbound.text, ctx)
    return (ctx.setting_id, number) if number is not None and ctx.setting_id else None


def _answered_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    return (now,) if answered_number(inbound.text, ctx) is not None else None


def _waiting_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if ctx.staff is None or ctx.setting_id is None:
        return None
    return (ctx.setting_id, ctx.staff.id)


FACTS = (
    Fact(READERS, "translations", "readers", _readers_args),
    Fact(TRANSLATORS, "translations", "translators", _translators_args, default=()),
    Fact(NUMBER, "translations", "reserve", _number_args),
    Fact(TASK, "translations", "find", _task_args),
    Fact(ANSWERED_AT, "", "", _answered_args),
    Fact(WAITING, "translations", "waiting", _waiting_args, default=()),
)

SPEC = FlowSpec(
    NAME,
    triggers=(Trigger(TRIGGER, waiting, who="staff"),),
    commands=(Command(TRIGGER, staff=45),),
    facts=FACTS,
    watch=watch,
    recognise=recognise,
    timer=timer,
    records={
        TranslationAsked: ("translations", "add"),
        Translated: ("translations", "translated"),
        Expired: ("translations", "expired"),
    },
)

__all__ = ["SPEC", "answered_number"]
