"""What several flows say about people: the welcome, key persons, the Reply button."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.messages import Choice, ChoiceStyle, Text
from bot.domain.people import Carer, ChildLink
from bot.flows.base import Context, Effect, MarkLinked, RecordAudit, Reply

TELEGRAM = "telegram"
REPLY_ACTION = "reply:"  # a Reply button's key: "reply:" + the thread's code
SHARE_PHONE = Choice("share_phone", Text("choice.share_phone"), ChoiceStyle.CONTACT)


def setting_name(ctx: Context) -> str:
    return ctx.setting.name if ctx.setting else "Keyperson"


def welcome(ctx: Context) -> tuple[Effect, ...]:
    """Link the sender and greet them with what they need to know to start."""
    setting = setting_name(ctx)
    if ctx.staff is not None:
        key = "welcome.staff_telegram" if ctx.channel == TELEGRAM else "welcome.staff"
        text = Text(key, {"name": ctx.staff.name, "setting": setting})
        return (MarkLinked(), Reply(text), RecordAudit("contact.linked", f"staff:{ctx.staff.id}"))
    assert ctx.carer is not None
    informed = [c for c in ctx.carer.children if c.receives_information]
    if not informed:
        text = Text("welcome.carer_plain", {"name": ctx.carer.name, "setting": setting})
    else:
        text = Text(
            "welcome.carer",
            {
                "name": ctx.carer.name,
                "setting": setting,
                "children": tuple(c.first_name for c in informed),
                "key_people": key_person_lines(informed),
            },
        )
    return (
        MarkLinked(),
        Reply(text, language=ctx.carer.language),
        RecordAudit("contact.linked", f"carer:{ctx.carer.id}"),
    )


def reply_button(code: str) -> Choice:
    """The button under a relayed message that starts an answer to its thread."""
    return Choice(REPLY_ACTION + code, Text("choice.reply"), ChoiceStyle.TAP)


def from_carer_params(child: ChildLink, carer: Carer, code: str, message: str) -> dict[str, str]:
    """What a message from a carer tells staff: whose child, who wrote, the code to answer."""
    return {
        "child": child.first_name,
        "carer": carer.name,
        "relationship": child.relationship,
        "code": f"#{code}",
        "message": message,
    }


def key_person_lines(children: Sequence[ChildLink]) -> tuple[Text, ...]:
    """One line per child naming their key person."""
    return tuple(
        Text("info.key_person", {"child": c.first_name, "key_person": c.key_person_name})
        if c.key_person_name
        else Text("info.no_key_person", {"child": c.first_name})
        for c in children
    )
