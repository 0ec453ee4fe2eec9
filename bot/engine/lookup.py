"""Who wrote (the person on file at that address, their setting and language), and the facts
the flows that may step declared, loaded before the pure step."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from bot.domain.messages import Inbound, InboundKind
from bot.domain.people import Carer, PersonKind, StaffMember
from bot.domain.phones import normalise_phone
from bot.domain.setting import SettingDirectory, SettingProfile
from bot.engine.effects import Origin
from bot.engine.registry import Registry
from bot.flows import specs
from bot.flows.base import Context, FlowSpec, Words
from bot.language.keywords import shipped_keywords
from bot.storage.repos import Repos


class Lookup:
    """Builds the Context and the Origin for one inbound message."""

    def __init__(
        self,
        profile: SettingProfile,
        setting_id: int,
        glossary: Words | None = None,
        registry: Registry | None = None,
        directory: SettingDirectory | None = None,
    ) -> None:
        self.profile = profile  # the default setting's, for strangers
        self.setting_id = setting_id
        self.directory = directory or SettingDirectory({setting_id: profile}, setting_id)
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

    async def facts(
        self,
        repos: Repos,
        specs: tuple[FlowSpec, ...],
        ctx: Context,
        inbound: Inbound,
        now: datetime,
    ) -> Context:
        """The facts these flows declare (Fact), loaded through their repositories in the
        order declared (a fact's arguments may use those before it)."""
        for spec in specs:
            for fact in spec.facts:
                if fact.name in ctx.facts:
                    continue
                args = fact.args(ctx, inbound, now)
                if args is None:
                    value = fact.default
                elif not fact.repository:
                    value = args[0]
                else:
                    value = await getattr(getattr(repos, fact.repository), fact.method)(*args)
                ctx = dataclasses.replace(ctx, facts={**ctx.facts, fact.name: value})
        return ctx

    async def _who(self, repos: Repos, inbound: Inbound, now: datetime) -> tuple[Origin, Context]:
        channel, address = inbound.channel.value, inbound.address
        contact = await repos.people.contact(channel, address)
        if contact is None:
            language = self._first_language(inbound.language)
            origin = Origin(channel, address, self.setting_id, None, language)
            return origin, Context(self.profile, setting_id=self.setting_id)
        linked = contact.linked
        # The setting is the sender's own, found per message: one deployment may serve several.
        setting_id, profile = self.directory.of(contact.setting_id)
        if contact.person_kind is PersonKind.CARER:
            # Carers who share this phone are all named: staff cannot tell who is writing.
            carer = await repos.people.carer_on_phone(contact.person_id)
            ctx = Context(profile, carer=carer, newly_linked=not linked, setting_id=setting_id)
            return Origin(channel, address, setting_id, contact, carer.language), ctx
        staff = await repos.people.staff_member(contact.person_id)
        ctx = Context(profile, staff=staff, newly_linked=not linked, setting_id=setting_id)
        return Origin(channel, address, setting_id, contact, staff.language), ctx

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
