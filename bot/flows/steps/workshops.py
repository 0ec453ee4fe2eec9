"""What every workshop message shares: its details as message parameters, the invite, and
the Yes / No / Maybe answer buttons (whose keys name the workshop, so they stay valid)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.messages import Choice, LocalTime, Text
from bot.domain.setting import SettingProfile
from bot.domain.workshops import ANSWERS, Workshop

PRESSED = "ws:"  # an answer button: ws:<yes|no|maybe>:<number>


def answer_choices(number: int) -> tuple[Choice, ...]:
    """Yes / No / Maybe under an invite."""
    return tuple(Choice(f"{PRESSED}{a}:{number}", Text(f"workshop.choice_{a}")) for a in ANSWERS)


def pressed_answer(key: str) -> tuple[str, int] | None:
    """(answer, workshop number) an answer button's key names, if it is one."""
    if not key.startswith(PRESSED):
        return None
    answer, _, number = key[len(PRESSED) :].partition(":")
    if answer not in ANSWERS or not number.isdecimal():
        return None
    return answer, int(number)


def details(workshop: Workshop, setting: SettingProfile | None) -> dict[str, Any]:
    """The title, when, where, how to join online and the reference, as message parameters."""
    zone = ZoneInfo(setting.time_zone if setting else "Europe/London")
    start = workshop.starts_at.astimezone(zone)
    when: Text
    if workshop.ends_at is not None:
        end_at = LocalTime(workshop.ends_at.astimezone(zone).time())
        when = Text(
            "workshop.when_until", {"start": LocalTime(start, with_date=True), "end": end_at}
        )
    else:
        when = Text("workshop.when", {"start": LocalTime(start, with_date=True)})
    # On its own line after the place: a nested message is trimmed, so the line break is the
    # join of an empty first line and the online one.
    online: tuple[Text, ...] | str = (
        (Text("label.raw", {"text": ""}), Text("workshop.online", {"url": workshop.online}))
        if workshop.online
        else ""
    )
    return {
        "title": workshop.title,
        "when": when,
        "place": workshop.place,
        "online": online,
        "reference": workshop.reference,
        "setting": setting.name if setting else "",
    }


def invite_text(workshop: Workshop, setting: SettingProfile | None) -> Text:
    """The invite as families get it."""
    return Text("workshop.invite", details(workshop, setting))
