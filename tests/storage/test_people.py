"""Contract: people, contacts, links, invites, threads and conversations, through the Protocols."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.people import PersonKind
from bot.storage.repos import Store
from bot.storage.rows import NewOutbox
from tests.storage.conftest import CARER_PHONE, KEY_PERSON_PHONE, NOW, OnFile, family

CHAT = "5001"


async def test_the_roster_puts_people_on_file_and_their_phones_as_contacts(
    store: Store, on_file: OnFile
) -> None:
    async with store.reading() as repos:
        carer = await repos.people.carer(on_file.carer)
        contact = await repos.people.contact("sms", CARER_PHONE)
        staff = await repos.people.contact("sms", KEY_PERSON_PHONE)
        tom = await repos.people.staff_member(on_file.key_person)
        managers = await repos.people.staff_with_role(on_file.setting_id, "manager")
        covering = await repos.people.covered_by(tom)
        refs = await repos.roster.staff_refs(on_file.setting_id)
        holders = await repos.roster.sms_holders()
        nobody = await repos.people.contact("sms", "+440000000000")
    assert [c.first_name for c in carer.children] == ["Amelia", "Noah"]
    assert {c.key_person_name for c in carer.children} == {"Tom Baker"}
    assert contact is not None and contact.person_kind is PersonKind.CARER
    assert contact.person_id == on_file.carer and not contact.linked and not contact.unreachable
    assert staff is not None and staff.person_id == on_file.key_person
    assert managers == [on_file.manager] and covering == [on_file.manager]
    assert refs == {"S01", "S02"}
    assert holders[CARER_PHONE] == (on_file.setting_id, PersonKind.CARER, "P01")
    assert nobody is None


async def test_linking_a_chat_makes_it_the_persons_telegram_contact(
    store: Store, on_file: OnFile
) -> None:
    async with store.transaction() as repos:
        await repos.links.link(
            on_file.setting_id, "telegram", CHAT, PersonKind.CARER, on_file.carer, NOW
        )
        await repos.links.link(
            on_file.setting_id, "telegram", "5002", PersonKind.CARER, on_file.carer, NOW
        )
        await repos.links.set_preference(PersonKind.CARER, on_file.carer, "telegram")
        route = await repos.links.route(PersonKind.CARER, on_file.carer)
        old = await repos.people.contact("telegram", CHAT)
    # One address per person per channel: the newer chat replaces the older.
    assert old is None
    assert [(c.channel, c.address) for c in route.contacts] == [
        ("sms", CARER_PHONE),
        ("telegram", "5002"),
    ]
    assert [c.address for c in route.chosen(essential=False)] == ["5002"]


async def test_a_stopped_or_unreachable_contact_is_not_routed_to(
    store: Store, on_file: OnFile
) -> None:
    async with store.transaction() as repos:
        await repos.links.link(
            on_file.setting_id, "telegram", CHAT, PersonKind.CARER, on_file.carer, NOW
        )
        await repos.links.set_preference(PersonKind.CARER, on_file.carer, "sms", only_if_unset=True)
        await repos.links.set_preference(
            PersonKind.CARER, on_file.carer, "both", only_if_unset=True
        )
        preference = await repos.links.preference(PersonKind.CARER, on_file.carer)
        await repos.people.set_opted_out("sms", CARER_PHONE, True, NOW)
        stopped = await repos.links.route(PersonKind.CARER, on_file.carer)
        await repos.links.set_reachable("telegram", CHAT, False)
        neither = await repos.links.route(PersonKind.CARER, on_file.carer)
    assert preference == "sms"
    assert [c.channel for c in stopped.contacts] == ["telegram"]
    assert stopped.chosen(essential=False) == ()
    assert [c.channel for c in stopped.chosen(essential=True)] == ["telegram"]
    assert neither.contacts == ()


async def test_an_invite_links_once_and_expires(store: Store, on_file: OnFile) -> None:
    expires = NOW + timedelta(days=7)
    async with store.transaction() as repos:
        await repos.invites.create(
            on_file.setting_id, PersonKind.CARER, on_file.carer, "K7-CODE", NOW, expires
        )
        invite = await repos.invites.valid("K7-CODE", NOW)
        assert await repos.invites.valid("K7-CODE", expires) is None
        assert await repos.invites.valid("other", NOW) is None
        assert invite is not None and invite.person_id == on_file.carer
        assert await repos.invites.use(invite.id, CHAT, NOW)
        assert not await repos.invites.use(invite.id, "5002", NOW)
        assert await repos.invites.valid("K7-CODE", NOW) is None
        by_ref = await repos.links.by_ref(on_file.setting_id, PersonKind.CARER, "P01")
    assert by_ref == (on_file.carer, "Laura Hughes")


async def test_a_conversation_is_saved_loaded_and_forgotten(store: Store, on_file: OnFile) -> None:
    async with store.transaction() as repos:
        assert await repos.conversations.load("sms", CARER_PHONE) is None
        await repos.conversations.save(
            "sms", CARER_PHONE, on_file.setting_id, "relay", {"step": 1}, NOW
        )
        await repos.conversations.save(
            "sms", CARER_PHONE, on_file.setting_id, "relay", {"step": 2}, NOW
        )
        assert await repos.conversations.load("sms", CARER_PHONE) == ("relay", {"step": 2})
        await repos.conversations.save("sms", CARER_PHONE, on_file.setting_id, None, {}, NOW)
        assert await repos.conversations.load("sms", CARER_PHONE) is None


async def test_a_thread_keeps_its_code_and_the_last_acknowledgement(
    store: Store, on_file: OnFile
) -> None:
    async with store.transaction() as repos:
        await repos.threads.open(on_file.setting_id, "ab12c", on_file.carer, on_file.amelia, NOW)
        await repos.threads.open(on_file.setting_id, "ZZ999", on_file.carer, on_file.amelia, NOW)
        thread = await repos.threads.by_code(on_file.setting_id, "Ab12C")
        codes = await repos.threads.codes_of(on_file.carer)
        info = await repos.threads.describe(on_file.setting_id, "AB12C")
        recent = await repos.threads.recent(on_file.setting_id, [on_file.key_person])
        none = await repos.threads.recent(on_file.setting_id, [])
        await repos.threads.acknowledge(on_file.carer, "relay", NOW)
        acknowledged = await repos.threads.acknowledgement(on_file.carer)
        await repos.threads.acknowledge(on_file.carer, None, NOW)
        cleared = await repos.threads.acknowledgement(on_file.carer)
    assert thread is not None and thread.child_id == on_file.amelia and thread.code == "AB12C"
    assert codes == {on_file.amelia: "AB12C"}
    assert info is not None and (info.child_name, info.carer_name) == ("Amelia", "Laura Hughes")
    assert [t.code for t in recent] == ["AB12C"] and none == []
    assert acknowledged == ("relay", NOW) and cleared is None


async def test_a_carer_who_leaves_is_reached_no_more(store: Store, on_file: OnFile) -> None:
    async with store.transaction() as repos:
        waiting = NewOutbox(
            on_file.setting_id, "sms", CARER_PHONE, "carer", on_file.carer, 1, "hi", []
        )
        await repos.outbox.add([waiting], NOW)
        await repos.reminders.add(on_file.setting_id, "sms", CARER_PHONE, "thanks", NOW, "r", {})
        await repos.roster.upsert_family(
            on_file.setting_id,
            family(
                "C01",
                "Amelia",
                carer_ref="P02",
                carer_name="Mark Hughes",
                relationship="dad",
                phone=None,
            ),
        )
        left = await repos.roster.mark_left(on_file.setting_id, [], ["P01"], [], NOW)
        on_file_now = await repos.roster.families_on_file(on_file.setting_id)
        reached = await repos.people.reached_as(on_file.carer)
        contact = await repos.people.contact("sms", CARER_PHONE)
        due = await repos.reminders.due(NOW)
    assert left == 1  # the message waiting for her is withdrawn
    assert on_file_now.carers == {"P02": "Mark Hughes"}
    assert list(on_file_now.links) == [("C01", "P02")]
    assert reached is None and contact is None and due == []
