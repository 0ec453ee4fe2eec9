"""One-time invite codes: `keyperson invite` makes them, a Telegram deep link carries them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.errors import KeypersonError
from bot.domain.people import PersonKind
from bot.storage.repos import Store

MAX_DAYS = 90
DEEP_LINK = "https://t.me/{bot}?start={code}"


class InviteError(KeypersonError):
    """An invite cannot be made; the message says why."""


@dataclass(frozen=True, slots=True)
class NewInvite:
    """A code just made, to hand to the person it links."""

    code: str
    name: str
    expires_at: datetime


def new_code() -> str:
    """A random code of 16 characters from A-Z a-z 0-9 _ -, as Telegram's start payload allows."""
    return secrets.token_urlsafe(12)


async def create_invite(
    db: Store, setting_id: int, kind: PersonKind, ref: str, days: int, now: datetime
) -> NewInvite:
    """Make a one-time code for the carer or staff member `ref`, valid for `days` days."""
    if not 1 <= days <= MAX_DAYS:
        raise InviteError(f"--days: must be a whole number from 1 to {MAX_DAYS}, got {days}")
    code = new_code()
    expires = now + timedelta(days=days)
    async with db.transaction() as repos:
        person = await repos.links.by_ref(setting_id, kind, ref)
        if person is None:
            raise InviteError(
                f"no {kind.value} with ref {ref!r} in this setting; import them first"
            )
        await repos.invites.create(setting_id, kind, person[0], code, now, expires)
        await repos.audit.record(
            setting_id, "admin", "invite.created", f"{kind.value}:{person[0]}", {}, now
        )
    return NewInvite(code, person[1], expires)


def deep_link(bot_username: str, code: str) -> str:
    """The link that opens the bot with the code, as /start CODE."""
    return DEEP_LINK.format(bot=bot_username.lstrip("@"), code=code)
