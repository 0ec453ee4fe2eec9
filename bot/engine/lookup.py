"""Gathers from storage everything a flow may know about a sender, before the pure step."""

from __future__ import annotations

import dataclasses
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from bot.domain.messages import Inbound, InboundKind
from bot.domain.people import Carer, PersonKind, StaffMember
from bot.domain.phones import normalise_phone
from bot.domain.setting import SettingProfile
from bot.engine.effects import Origin
from bot.engine.registry import Registry
from bot.flows import specs
from bot.flows.base import Context, FlowSpec, Words
from bot.flows.steps import codes
from bot.flows.steps.people import REPLY_ACTION
from bot.language.keywords import shipped_keywords
from bot.storage.repos import Repos
from bot.storage.rows import ContactRow

# Reply codes avoid letters and digits that are easy to confuse on a small screen.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# Five characters: 31**5 = 28.6 million codes, so guessing one is hopeless with the limit on
# wrong codes (bot.flows.steps.codes); threads opened with three-character codes keep them.
CODE_LENGTH = 5
CODE_AT_START = re.compile(r"^\s*#([A-Za-z0-9]{2,8})\b")
ANSWER_ALL_ROLES = frozenset({"manager", "senco", "dsl"})


@dataclass(frozen=True, slots=True)
class CodeGuard:
    """A staff member's recent wrong reply codes, whether their codes are paused, and whom to
    tell when they reach the limit (bot.flows.steps.codes)."""

    wrong_codes: int = 0
    paused: bool = False
    managers: tuple[int, ...] = ()


def new_code(length: int = CODE_LENGTH) -> str:
    """A random reply code such as K7QM2."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


class Lookup:
    """Builds the Context and the Origin for one inbound message."""

    def __init__(
        self,
        profile: SettingProfile,
        setting_id: int,
        glossary: Words | None = None,
        registry: Registry | None = None,
    ) -> None:
        self.profile = profile
        self.setting_id = setting_id
        self.glossary = glossary
        self.registry = registry or Registry(specs(), shipped_keywords())

    async def sender(self, repos: Repos, inbound: Inbound, now: datetime) -> tuple[Origin, Context]:
        """Who wrote, and what their flow may know: the thread a staff answer names, and whom
        a Telegram invite code or shared number would link the chat to."""
        origin, ctx = await self._who(repos, inbound, now)
        if inbound.kind in (InboundKind.START, InboundKind.CONTACT) and inbound.text:
            ctx = await self._link_target(repos, inbound, ctx, now)
        ctx = dataclasses.replace(
            ctx, channel=inbound.channel.value, glossary=self.glossary, words=self.registry.words
        )
        return origin, dataclasses.replace(ctx, offers=self.registry.offers(ctx))

    async def facts(self, repos: Repos, specs: tuple[FlowSpec, ...], ctx: Context) -> Context:
        """The facts these flows declare (Fact), loaded through their repositories."""
        loaded = dict(ctx.facts)
        for spec in specs:
            for fact in spec.facts:
                if fact.name in loaded:
                    continue
                args = fact.args(ctx)
                if args is None:
                    loaded[fact.name] = fact.default
                    continue
                method = getattr(getattr(repos, fact.repository), fact.method)
                loaded[fact.name] = await method(*args)
        return dataclasses.replace(ctx, facts=loaded)

    async def _who(self, repos: Repos, inbound: Inbound, now: datetime) -> tuple[Origin, Context]:
        channel, address = inbound.channel.value, inbound.address
        contact = await repos.people.contact(channel, address)
        if contact is None:
            language = self._first_language(inbound.language)
            return Origin(channel, address, self.setting_id, None, language), Context(self.profile)
        if contact.person_kind is PersonKind.CARER:
            # Carers who share this phone are all named: staff cannot tell who is writing.
            carer = await repos.people.carer_on_phone(contact.person_id)
            ctx = await self._carer_context(repos, contact, carer)
            return Origin(channel, address, contact.setting_id, contact, carer.language), ctx
        staff = await repos.people.staff_member(contact.person_id)
        sender = Origin(channel, address, contact.setting_id, contact, staff.language)
        return sender, await self._staff_context(repos, contact, staff, inbound, now)

    def _first_language(self, hint: str | None) -> str:
        """The language to answer someone not on file in: their app's, if the setting offers it."""
        offered = self.profile.languages or ("en",)
        wanted = (hint or "").replace("_", "-").split("-")[0].lower()
        return wanted if wanted in offered else offered[0]

    async def _link_target(
        self, repos: Repos, inbound: Inbound, ctx: Context, now: datetime
    ) -> Context:
        if inbound.kind is InboundKind.START:
            invite = await repos.invites.valid(inbound.text, now)
            if invite is None or invite.setting_id != self.setting_id:
                return ctx
            person = await self._person(repos, invite.person_kind, invite.person_id)
            if person is None:
                return ctx
            return dataclasses.replace(ctx, link_to=person, invite_id=invite.id)
        try:
            phone = normalise_phone(inbound.text, self.profile.country)
        except ValueError:
            return ctx
        owner = await repos.links.owner_of_phone(self.setting_id, phone)
        if owner is None:
            return ctx
        return dataclasses.replace(ctx, link_to=await self._person(repos, *owner))

    @staticmethod
    async def _person(repos: Repos, kind: PersonKind, person_id: int) -> Carer | StaffMember | None:
        """Whom a link would be to: a carer who shares a phone links as that phone (both
        names), so the phone stays one contact; a carer who left links to nobody."""
        if kind is PersonKind.STAFF:
            return await repos.people.staff_member(person_id)
        holder = await repos.people.reached_as(person_id)
        return None if holder is None else await repos.people.carer_on_phone(holder)

    async def _carer_context(self, repos: Repos, contact: ContactRow, carer: Carer) -> Context:
        threads = await repos.threads.codes_of(carer.id)
        for child in carer.children:
            if child.child_id not in threads:
                threads[child.child_id] = await self._free_code(repos)
        fallback: tuple[int, ...] = ()
        if any(child.key_person_id is None for child in carer.children):
            fallback = tuple(await repos.people.staff_with_role(contact.setting_id, "manager"))
        # A family is told a message reached their key person only when it can reach them.
        key_people = {c.key_person_id for c in carer.children if c.key_person_id is not None}
        unreachable = frozenset(
            [k for k in key_people if not (await repos.links.route(PersonKind.STAFF, k)).contacts]
        )
        acknowledged = await repos.threads.acknowledgement(carer.id)
        return Context(
            setting=self.profile,
            carer=carer,
            newly_linked=not contact.linked,
            threads=threads,
            fallback_staff=fallback,
            unreachable_staff=unreachable,
            acknowledged=(acknowledged[0], acknowledged[1]) if acknowledged else None,
        )

    async def _staff_context(
        self,
        repos: Repos,
        contact: ContactRow,
        staff: StaffMember,
        inbound: Inbound,
        now: datetime,
    ) -> Context:
        covers = tuple(await repos.people.covered_by(staff))
        code = await self._named_code(repos, inbound)
        guard = await self._code_guard(repos, contact, staff, now) if code else CodeGuard()
        named = None
        if code and not guard.paused:
            named = await repos.threads.describe(contact.setting_id, code)
        everyone = bool(ANSWER_ALL_ROLES & set(staff.roles))
        recent = await repos.threads.recent(
            contact.setting_id, None if everyone else [staff.id, *covers]
        )
        return Context(
            setting=self.profile,
            staff=staff,
            newly_linked=not contact.linked,
            named_code=code,
            named_thread=named,
            wrong_codes=guard.wrong_codes,
            codes_paused=guard.paused,
            managers=guard.managers,
            recent_threads=tuple(recent),
            covers=covers,
            key_children=tuple(await repos.news.key_children([staff.id, *covers])),
        )

    @staticmethod
    async def _code_guard(
        repos: Repos, contact: ContactRow, staff: StaffMember, now: datetime
    ) -> CodeGuard:
        """How many wrong reply codes this staff member sent lately, whether their codes are
        paused for now (then no code is looked up), and the managers to tell of a pause."""
        actor = f"staff:{staff.id}"
        paused = await repos.audit.happened_since(codes.PAUSED, actor, now - codes.PAUSE)
        wrong = await repos.audit.count_since(actor, codes.WRONG, now - codes.WINDOW)
        managers = await repos.people.staff_with_role(contact.setting_id, "manager")
        return CodeGuard(wrong, paused, tuple(managers))

    @staticmethod
    async def _named_code(repos: Repos, inbound: Inbound) -> str | None:
        """The thread a staff message names: a leading #code, a Reply button, a native reply."""
        match = CODE_AT_START.match(inbound.text)
        if match:
            return match.group(1)
        if inbound.choice and inbound.choice.startswith(REPLY_ACTION):
            return inbound.choice[len(REPLY_ACTION) :]
        if inbound.reply_to:
            return await repos.outbox.thread_of(inbound.reply_to)
        return None

    async def _free_code(self, repos: Repos) -> str:
        length = CODE_LENGTH
        for attempt in range(12):
            code = new_code(length + attempt // 4)
            if await repos.threads.by_code(self.setting_id, code) is None:
                return code
        raise RuntimeError("no free reply code")
