"""Applies a flow's Transition inside the caller's transaction: state, outbox, threads, audit."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.errors import InviteAlreadyUsed
from bot.domain.messages import Channel, Choice, ChoiceStyle, Priority, RenderedChoice, Text
from bot.domain.people import PersonKind
from bot.domain.setting import SettingDirectory, SettingProfile
from bot.domain.time import quiet_end, spoken_when
from bot.engine.news import NewsDelivery
from bot.engine.records import Origin, record
from bot.flows.base import (
    LEAVE,
    Effect,
    LinkContact,
    NotifyCarer,
    NotifyStaff,
    PreviewNews,
    Reply,
    ShareNews,
    State,
    Transition,
)
from bot.language.catalogs import Catalogs
from bot.language.choices import numbered
from bot.language.splitting import sms_rows
from bot.storage.repos import Repos
from bot.storage.rows import ContactRow, NewOutbox

log = logging.getLogger(__name__)
STAFF_LANGUAGE = "en"
SMS_HINT = "choice.sms_hint"
SMS_LEAVE_HINT = "choice.sms_leave_hint"
SMS_WORDS_HINT = "choice.sms_words_hint"  # free text, or one of the numbered options
NUMBERS = "_numbers"  # state: the SMS numbers a question asked again keeps (see router)


class Effects:
    """Turns effects into rows; the caller owns the transaction around `apply`."""

    def __init__(
        self,
        catalogs: Catalogs,
        profile: SettingProfile | None = None,
        writer: Callable[[object], tuple[str, str]] | None = None,
        directory: SettingDirectory | None = None,
    ) -> None:
        self.catalogs = catalogs
        self.profile = profile  # the default setting's
        self.directory = directory or (
            SettingDirectory({0: profile}, 0) if profile is not None else None
        )
        self._deliveries: dict[int, NewsDelivery] = {}
        self.writer = writer  # where a flow's Write(record) is kept (Registry.writer)
        self.news = NewsDelivery(catalogs, profile) if profile is not None else None

    async def apply(
        self,
        repos: Repos,
        sender: Origin,
        transition: Transition,
        now: datetime,
        had_state: bool = True,
    ) -> int:
        """Write everything a transition asks for; return how many messages were queued."""
        stamp = now
        outbox: list[NewOutbox] = []
        offered: list[RenderedChoice] = []
        state = dict(transition.state)
        numbers: dict[str, int] | None = state.pop(NUMBERS, None)
        for effect in transition.effects:
            if isinstance(effect, LinkContact):
                # What follows (the welcome) goes to the newly linked person, as theirs.
                sender = await self._link(repos, sender, effect, stamp)
                continue
            if isinstance(effect, ShareNews | PreviewNews):
                rows = await self._news(repos, sender, effect, now)
            elif isinstance(effect, NotifyCarer):
                rows = await self._to_carer(repos, effect, sender, now)
            else:
                rows = await self._one(repos, sender, effect, stamp, numbers)
            outbox.extend(rows)
            if isinstance(effect, Reply | PreviewNews) and effect.choices and rows:
                # A long question is sent in parts; its options ride on the last one.
                asked = next((r.choices for r in reversed(rows) if r.choices), [])
                offered = [RenderedChoice.from_dict(c) for c in asked]
        if outbox:
            await repos.outbox.add(outbox, stamp)
        if offered:
            state["_offered"] = [c.as_dict() for c in offered]
        if transition.flow is not None or had_state:
            await repos.conversations.save(
                sender.channel, sender.address, sender.setting_id, transition.flow, state, stamp
            )
        return len(outbox)

    async def _one(
        self,
        repos: Repos,
        sender: Origin,
        effect: Effect,
        stamp: datetime,
        numbers: dict[str, int] | None = None,
    ) -> list[NewOutbox]:
        if isinstance(effect, Reply):
            message = Message(effect.text, effect.choices, effect.priority, numbers=numbers)
            language = effect.language or sender.language
            return self._reply(sender, language, message, ignore_stop=effect.ignore_stop)
        if isinstance(effect, NotifyStaff):
            held = effect.not_before
            message = Message(
                effect.text,
                effect.choices,
                effect.priority,
                essential=True,
                thread=effect.thread,
                not_before=held,
                every_channel=effect.every_channel,
                photo=effect.photo,
            )
            language = (await repos.people.staff_member(effect.staff_id)).language
            return await self.deliver(
                repos, PersonKind.STAFF, effect.staff_id, language, message, sender, stamp
            )
        await record(repos, sender, effect, stamp, self.writer)
        return []

    async def _news(
        self, repos: Repos, sender: Origin, effect: ShareNews | PreviewNews, now: datetime
    ) -> list[NewOutbox]:
        news = self._news_for(sender.setting_id)
        assert news is not None and sender.setting_id is not None
        stamp = now
        if isinstance(effect, PreviewNews):
            text = await news.preview(repos, effect, now)
            return self._reply(sender, sender.language, Message(text, effect.choices))
        rows: list[NewOutbox] = []
        families, told, asked = await news.share(
            repos, effect, sender.actor, sender.setting_id, now
        )
        for carer_id, text, photo, hold in families:
            carer = await repos.people.carer(carer_id)
            message = Message(text, (), Priority.NORMAL, photo=photo, not_before=hold)
            rows += await self.deliver(
                repos, PersonKind.CARER, carer_id, carer.language, message, sender, stamp
            )
        # The sender hears how many families it reaches and when (quiet hours, summaries);
        # translators, what to translate for families whose words follow.
        return [*rows, *asked, *self._reply(sender, sender.language, Message(told))]

    async def _link(
        self, repos: Repos, sender: Origin, effect: LinkContact, stamp: datetime
    ) -> Origin:
        assert sender.setting_id is not None
        if effect.invite_id is not None and not await repos.invites.use(
            effect.invite_id, sender.address, stamp
        ):
            # Two chats raced for one code: undo this attempt; alone, it reads as a used code.
            raise InviteAlreadyUsed(effect.invite_id)
        await repos.links.link(
            sender.setting_id, sender.channel, sender.address, effect.kind, effect.person_id, stamp
        )
        # A person who links a new channel gets messages there, unless they chose already.
        await repos.links.set_preference(
            effect.kind, effect.person_id, sender.channel, only_if_unset=True
        )
        contact = await repos.people.contact(sender.channel, sender.address)
        # Until now the chat was answered in its app's language; from now on in the person's.
        if effect.kind is PersonKind.CARER:
            language = (await repos.people.carer(effect.person_id)).language
        else:
            language = (await repos.people.staff_member(effect.person_id)).language
        return dataclasses.replace(sender, contact=contact, language=language)

    async def _to_carer(
        self, repos: Repos, effect: NotifyCarer, sender: Origin, now: datetime
    ) -> list[NewOutbox]:
        stamp = now
        carer = await repos.people.carer(effect.carer_id)
        if effect.about_child is not None and not any(
            link.child_id == effect.about_child and link.receives_information
            for link in carer.children
        ):
            # The last line of defence: a flow asked to tell this carer about a child they
            # must not hear about. Nothing is queued; the audit log keeps the refusal.
            await repos.audit.record(
                sender.setting_id,
                sender.actor,
                "blocked.no_information",
                f"carer:{carer.id}",
                {"child": effect.about_child},
                stamp,
            )
            log.warning(
                "blocked a message about child %s to carer %s", effect.about_child, carer.id
            )
            return []
        held, told = self._quiet(effect, sender, now)
        message = Message(
            effect.text,
            effect.choices,
            effect.priority,
            essential=effect.essential,
            not_before=held if held else None,
        )
        rows = await self.deliver(
            repos, PersonKind.CARER, carer.id, carer.language, message, sender, stamp
        )
        if effect.opens is not None:
            await _open_question(repos, effect.opens, rows, stamp)
        if effect.confirm is not None:
            # The sender hears that it went (and when it will arrive), or that it could not.
            if not rows:
                told = Text("relay.staff_not_reached", effect.confirm.params)
            rows.extend(self._reply(sender, sender.language, Message(told or effect.confirm)))
        return rows

    def _profile(self, setting_id: int | None) -> SettingProfile | None:
        """The profile of the setting a message belongs to (its quiet hours, its name)."""
        if self.directory is None:
            return None
        return self.directory.of(setting_id)[1]

    def _news_for(self, setting_id: int | None) -> NewsDelivery | None:
        profile = self._profile(setting_id)
        if profile is None or setting_id is None:
            return self.news
        if setting_id not in self._deliveries:
            self._deliveries[setting_id] = NewsDelivery(self.catalogs, profile)
        return self._deliveries[setting_id]

    def _quiet(
        self, effect: NotifyCarer, sender: Origin, now: datetime
    ) -> tuple[datetime | None, Text | None]:
        """When a family's quiet hours hold this message until, and the sender's confirmation
        saying so; urgent messages are never held."""
        profile = self._profile(sender.setting_id)
        if profile is None or effect.priority is Priority.URGENT:
            return None, None
        local = now.astimezone(ZoneInfo(profile.time_zone))
        held = quiet_end(profile.quiet, local)
        if held is None or effect.confirm is None:
            return held, None
        when = spoken_when(held, local)
        return held, Text("relay.staff_held", {"sent": effect.confirm, "when": when})

    async def deliver(
        self,
        repos: Repos,
        kind: PersonKind,
        person_id: int,
        language: str,
        message: Message,
        sender: Origin,
        stamp: datetime,
    ) -> list[NewOutbox]:
        """Rows for one person on the channels they chose (the managers for unreachable staff)."""
        route = await repos.links.route(kind, person_id)
        if message.every_channel:
            contacts = list(route.contacts)
        else:
            contacts = list(route.chosen(message.essential))
        if not route.contacts and kind is PersonKind.STAFF and sender.setting_id is not None:
            # A staff member we cannot reach: the managers get it, so nothing sent is lost.
            for manager in await repos.people.staff_with_role(sender.setting_id, "manager"):
                if manager != person_id:
                    contacts += (await repos.links.route(kind, manager)).chosen(True)
        if not contacts:
            await repos.audit.record(
                sender.setting_id,
                sender.actor,
                "undeliverable",
                f"{kind.value}:{person_id}",
                {"key": message.text.key},
                stamp,
            )
            log.warning("no reachable contact for %s %s", kind.value, person_id)
            return []
        return [
            row
            for c in contacts
            for row in self._rows(c.setting_id, c.channel, c.address, c, language, message)
        ]

    def _reply(
        self, sender: Origin, language: str, message: Message, *, ignore_stop: bool = False
    ) -> list[NewOutbox]:
        """The row answering the sender on the channel they wrote from."""
        return self._rows(
            sender.setting_id,
            sender.channel,
            sender.address,
            sender.contact,
            language,
            message,
            ignore_stop=ignore_stop,
        )

    def _rows(
        self,
        setting_id: int | None,
        channel: str,
        address: str,
        contact: ContactRow | None,
        language: str,
        message: Message,
        *,
        ignore_stop: bool = False,
    ) -> list[NewOutbox]:
        """The rows for one message to one address: one, or an SMS too long for one in parts."""
        choices = [
            RenderedChoice(
                c.key,
                self.catalogs.render(c.label or Text(f"choice.{c.key}"), language, channel),
                c.style,
                message.numbers.get(c.key) if message.numbers is not None else None,
            )
            for c in message.choices
        ]
        if message.numbers is not None:
            # Asked again: every option keeps its number or takes a new one, never a reused one.
            fixed = {c.key: n for n, c in numbered(choices)}
            choices = [dataclasses.replace(c, number=fixed.get(c.key)) for c in choices]
        rendered = [c.as_dict() for c in choices]
        body = self.catalogs.render(message.text, language, channel)
        hint = _sms_hint(message.choices) if channel == Channel.SMS else None
        if hint is not None:
            # Buttons explain themselves; on SMS a question says how to answer or leave it.
            body = f"{body}\n{self.catalogs.render(Text(hint), language, channel)}"
        row = NewOutbox(
            setting_id=setting_id,
            channel=channel,
            address=address,
            person_kind=contact.person_kind.value if contact else None,
            person_id=contact.person_id if contact else None,
            priority=int(message.priority),
            body=body,
            choices=rendered,
            ignore_stop=ignore_stop,
            essential=message.essential,
            thread=message.thread,
            photo=message.photo,
            not_before=message.not_before,
        )
        return sms_rows(row)


async def _open_question(
    repos: Repos, opens: tuple[str, State], rows: list[NewOutbox], stamp: datetime
) -> None:
    """Where a question went to someone with no question open, their conversation holds it,
    so a typed number answers it (an open question of theirs is left as it is)."""
    flow, state = opens
    asked = {(r.channel, r.address): r for r in rows if r.choices}
    for (channel, address), row in asked.items():
        if await repos.conversations.load(channel, address) is None:
            held = {**state, "_offered": row.choices}
            await repos.conversations.save(channel, address, row.setting_id, flow, held, stamp)


def _sms_hint(choices: tuple[Choice, ...]) -> str | None:
    """The line an SMS question ends with: how to answer by number, or how to leave it (a
    question answered in words, with a few numbered options too, says both)."""
    if any(c.style is ChoiceStyle.OPTION for c in choices):
        worded = any(c.key == LEAVE and c.style is ChoiceStyle.TAP for c in choices)
        return SMS_WORDS_HINT if worded else SMS_HINT
    if any(c.key == LEAVE for c in choices):
        return SMS_LEAVE_HINT
    return None


@dataclass(frozen=True, slots=True)
class Message:
    """What one effect asks to send, before it is rendered for each recipient."""

    text: Text
    choices: tuple[Choice, ...] = ()
    priority: Priority = Priority.REPLY
    essential: bool = False
    thread: str | None = None
    photo: str | None = None
    not_before: datetime | None = None
    numbers: dict[str, int] | None = None  # SMS numbers kept from the question's last asking
    every_channel: bool = False  # all the person's reachable channels, not only the chosen
