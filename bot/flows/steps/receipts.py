"""What a family is told when their message has gone on, and when staff phones get it.

"your message has gone to Tom" names only key persons the message truly reaches (the rest went
to "the team"); outside staff hours it says when to expect an answer and whom to call. The same
acknowledgement is given once per conversation: not again until staff answer or a few hours
have passed. Outside staff hours the message waits for them when the setting says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.messages import LocalTime, Text
from bot.domain.people import ChildLink
from bot.flows.base import Context
from bot.flows.steps import facts as known

# How long "your message has gone to …" stands: a family writing several messages in a row is
# told once, not after every message, until staff answer them or this long has passed.
ACKNOWLEDGE_FOR = timedelta(hours=3)


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """Record the acknowledgement a carer was sent (`what`), or that staff answered (None):
    kept by the threads repository (relay's spec says so)."""

    carer_id: int
    what: str | None


def held_until(ctx: Context, now: datetime) -> datetime | None:
    """When a family's message may reach staff phones: None for at once, or the start of staff
    hours when it arrives outside them and the setting holds such messages until then."""
    setting = ctx.setting
    if setting is None or not setting.out_of_hours.holds("messages"):
        return None
    local = now.astimezone(ZoneInfo(setting.time_zone))
    return None if setting.staff.is_open(local) else setting.staff.next_open(local)


def told_already(what: str, ctx: Context, now: datetime) -> bool:
    """Whether this carer was given the same acknowledgement lately and staff have not answered
    since: a family writing several messages in a row is told once, not after each one."""
    last = known.acknowledged(ctx)
    return last is not None and last[0] == what and now - last[1] < ACKNOWLEDGE_FOR


def reached(child: ChildLink, ctx: Context) -> str | None:
    """The key person a carer may be told their message reached, if it truly reaches them."""
    if not child.receives_information or child.key_person_id in known.unreachable_staff(ctx):
        return None
    return child.key_person_name


def acknowledgement(
    children: tuple[ChildLink, ...], ctx: Context, now: datetime
) -> tuple[Text, str]:
    """The acknowledgement for a carer's message, and what it says in short (its key and to
    whom), to tell whether the same one was given lately."""
    named = [reached(c, ctx) for c in children]
    names = sorted({n for n in named if n})
    # What went to the managers, or to a key person this carer may not be told of, went to
    # "the team": never a name that is not true.
    team = (Text("relay.to_team"),) if None in named else ()
    to = Text("relay.to_names", {"names": (*names, *team)}) if names else Text("relay.to_team")
    who = "|".join([*names, *(["team"] if team or not names else [])])
    setting = ctx.setting
    local = now.astimezone(ZoneInfo(setting.time_zone)) if setting else now
    if setting is None or setting.staff.is_open(local):
        return Text("relay.sent", {"to": to}), f"relay.sent:{who}"
    when = _when(setting.staff.next_open(local), local)
    params = {"to": to, "when": when, "phone": setting.phone}
    return Text("relay.out_of_hours", params), f"relay.out_of_hours:{who}"


def _when(moment: datetime, local_now: datetime) -> Text:
    """'today at 08:00', 'tomorrow at 08:00' or 'Monday 08:00', as a parent would say it."""
    days = (moment.date() - local_now.date()).days
    if days == 0:
        return Text("when.today", {"time": LocalTime(moment.time())})
    if days == 1:
        return Text("when.tomorrow", {"time": LocalTime(moment.time())})
    return Text("when.day", {"moment": LocalTime(moment, with_day=True)})
