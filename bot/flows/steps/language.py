"""What flows say about the language a carer wrote in: the detection the language flow
declares as a fact, and the label staff see ("written in Polish")."""

from __future__ import annotations

from bot.domain.messages import Inbound, InboundKind, Text
from bot.flows.base import Context
from bot.language.catalogs import LanguageName
from bot.language.detect import UNDETERMINED, Detection, detector_for

WRITTEN_IN = "written_in"  # the Detection of the text being handled (carers only)


def names_in(ctx: Context) -> tuple[str, ...]:
    """Names a carer's message may hold that say nothing of its language: their children's,
    their key persons', their own."""
    carer = ctx.carer
    if carer is None:
        return ()
    names = [carer.name, *carer.name.split()]
    for child in carer.children:
        names.append(child.first_name)
        if child.key_person_name:
            names += [child.key_person_name, *child.key_person_name.split()]
    return tuple(n for n in names if n)


def detect(ctx: Context, inbound: Inbound) -> Detection:
    """The language of a carer's text among the setting's languages, names left out."""
    if ctx.carer is None or ctx.setting is None or inbound.kind is InboundKind.TIMER:
        return UNDETERMINED
    text = inbound.text
    if not text.strip():
        return UNDETERMINED
    return detector_for(ctx.setting.languages).detect(text, names_in(ctx))


def written_in(ctx: Context) -> str | None:
    """The language the carer's message was written in when it is not their own (for the
    label staff see), else None."""
    found: Detection | None = ctx.facts.get(WRITTEN_IN)
    if ctx.carer is None or found is None or not found.determined:
        return None
    return None if found.code == ctx.carer.language else found.code


def labelled(text: str, ctx: Context) -> str | Text:
    """A carer's words as staff see them: labelled with the language they were written in
    when it is not the family's own ("written in Polish")."""
    code = written_in(ctx)
    if code is None:
        return text
    return Text("language.written_in", {"message": text, "language": LanguageName(code)})
