"""Gathers from storage everything a flow may know about a sender, before the pure step."""

from __future__ import annotations

import re
import secrets

from bot.config import SettingProfile
from bot.domain import Carer, PersonKind, StaffMember
from bot.effects import STAFF_LANGUAGE, Origin
from bot.flows.base import Context
from bot.storage.sqlite import Repos
from bot.storage.sqlite_people import ContactRow

# Reply codes avoid letters and digits that are easy to confuse on a small screen.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_AT_START = re.compile(r"^\s*#([A-Za-z0-9]{2,8})\b")
ANSWER_ALL_ROLES = frozenset({"manager", "senco", "dsl"})


def new_code(length: int = 3) -> str:
    """A random reply code such as K7Q."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


class Lookup:
    """Builds the Context and the Origin for one inbound message."""

    def __init__(self, profile: SettingProfile, setting_id: int) -> None:
        self.profile = profile
        self.setting_id = setting_id

    async def sender(
        self, repos: Repos, channel: str, address: str, text: str
    ) -> tuple[Origin, Context]:
        """Who wrote, and what their flow may know (a staff text's leading #code included)."""
        contact = await repos.people.contact(channel, address)
        if contact is None:
            language = self.profile.languages[0] if self.profile.languages else "en"
            return Origin(channel, address, self.setting_id, None, language), Context(self.profile)
        if contact.person_kind is PersonKind.CARER:
            carer = await repos.people.carer(contact.person_id)
            ctx = await self._carer_context(repos, contact, carer)
            return Origin(channel, address, contact.setting_id, contact, carer.language), ctx
        staff = await repos.people.staff_member(contact.person_id)
        sender = Origin(channel, address, contact.setting_id, contact, STAFF_LANGUAGE)
        return sender, await self._staff_context(repos, contact, staff, text)

    async def _carer_context(self, repos: Repos, contact: ContactRow, carer: Carer) -> Context:
        threads = await repos.threads.codes_of(carer.id)
        for child in carer.children:
            if child.child_id not in threads:
                threads[child.child_id] = await self._free_code(repos)
        fallback: tuple[int, ...] = ()
        if any(child.key_person_id is None for child in carer.children):
            fallback = tuple(await repos.people.staff_with_role(contact.setting_id, "manager"))
        return Context(
            setting=self.profile,
            carer=carer,
            newly_linked=not contact.linked,
            threads=threads,
            fallback_staff=fallback,
        )

    async def _staff_context(
        self, repos: Repos, contact: ContactRow, staff: StaffMember, text: str
    ) -> Context:
        covers = tuple(await repos.people.covered_by(staff))
        match = CODE_AT_START.match(text)
        named = await repos.threads.describe(contact.setting_id, match.group(1)) if match else None
        everyone = bool(ANSWER_ALL_ROLES & set(staff.roles))
        recent = await repos.threads.recent(
            contact.setting_id, None if everyone else [staff.id, *covers]
        )
        return Context(
            setting=self.profile,
            staff=staff,
            newly_linked=not contact.linked,
            named_code=match.group(1) if match else None,
            named_thread=named,
            recent_threads=tuple(recent),
            covers=covers,
        )

    async def _free_code(self, repos: Repos) -> str:
        length = 3
        for attempt in range(12):
            code = new_code(length + attempt // 4)
            if await repos.threads.by_code(self.setting_id, code) is None:
                return code
        raise RuntimeError("no free reply code")
