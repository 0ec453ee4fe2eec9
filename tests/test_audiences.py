"""Audiences: the written forms, the errors for what the setting does not have, and who a
broadcast or invite reaches (and who not, and why) among the test families."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.admin.audiences import resolve_audience
from bot.app import Keyperson
from bot.domain.audience import (
    NO_INFORMATION,
    OPTED_OUT,
    UNREACHABLE,
    Audience,
    AudienceError,
    Resolution,
    parse,
)
from tests.harness import KASIA, LAURA, MAREK, make_keyperson

# The test families: Laura (P01) and Dan (P02, receives_information = no) of Amelia (C01,
# Acorns); Katarzyna (P03, pl) of Zofia (C02, Oaks, emerging); Marek (P04, pl) of Jan (C03,
# Acorns, sen_support) and Leo (C04, Oaks, ehcp); Meera (P05) of Isla (C05, Oaks).


@pytest.fixture
async def kp(tmp_path: Path) -> AsyncIterator[Keyperson]:
    keyperson = await make_keyperson(tmp_path)
    yield keyperson
    await keyperson.db.close()


async def reach(kp: Keyperson, written: str | None, essential: bool = False) -> Resolution:
    async with kp.db.reading() as repos:
        return (await resolve_audience(repos, kp.setting_id, written, ("en", "pl"), essential))[1]


async def refs(kp: Keyperson, resolution: Resolution) -> set[str]:
    async with kp.db.reading() as repos:
        return {(await repos.people.carer(c)).ref for r in resolution.recipients for c in r.carers}


@pytest.mark.parametrize(
    ("written", "audience"),
    [
        (None, Audience()),
        ("all", Audience()),
        (" ALL ", Audience()),
        ("room:Acorns", Audience(rooms=frozenset({"acorns"}))),
        ("room:Acorns,Oaks", Audience(rooms=frozenset({"acorns", "oaks"}))),
        ("room:Acorns + room:oaks", Audience(rooms=frozenset({"acorns", "oaks"}))),
        ("send", Audience(send=True)),
        ("language:PL", Audience(languages=frozenset({"pl"}))),
        ("child:C-001,c-007", Audience(children=frozenset({"c-001", "c-007"}))),
        ("all+send+language:pl", Audience(send=True, languages=frozenset({"pl"}))),
    ],
)
def test_written_forms(written: str | None, audience: Audience) -> None:
    assert parse(written) == audience


@pytest.mark.parametrize("written", ["", "  ", "everyone", "room:", "room", "child:", "send:yes"])
def test_what_is_not_an_audience_says_so(written: str) -> None:
    with pytest.raises(AudienceError) as raised:
        parse(written)
    assert raised.value.key in {"audience.empty", "audience.unknown_part"}


def test_the_written_form_is_stable() -> None:
    assert parse("language:pl+room:Oaks+send+room:acorns").written() == (
        "room:acorns+room:oaks+send+language:pl"
    )
    assert parse("all").written() == "all"
    assert parse("child:c01,C05").written() == "child:C01,C05"


async def test_everyone_but_the_carer_who_must_not_be_sent_information(kp: Keyperson) -> None:
    everyone = await reach(kp, "all")
    assert await refs(kp, everyone) == {"P01", "P03", "P04", "P05"}
    assert (everyone.families, everyone.carers) == (4, 4)
    assert everyone.not_reached == {NO_INFORMATION: 1}
    assert everyone.families_not_reached == 0  # Amelia's family is reached through Laura


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("room:Acorns", {"P01", "P04"}),
        ("room:oaks", {"P03", "P04", "P05"}),
        ("send", {"P03", "P04"}),
        ("language:pl", {"P03", "P04"}),
        ("child:C01,c05", {"P01", "P05"}),
        ("room:Acorns+language:pl", {"P04"}),
        ("room:Acorns+room:Oaks", {"P01", "P03", "P04", "P05"}),
        ("room:Oaks+send+language:en", set()),
    ],
)
async def test_segments(kp: Keyperson, written: str, expected: set[str]) -> None:
    assert await refs(kp, await reach(kp, written)) == expected


async def test_a_recipient_names_the_audiences_children_and_their_address(kp: Keyperson) -> None:
    marek = (await reach(kp, "room:Acorns+language:pl")).recipients
    assert [(r.language, r.addresses) for r in marek] == [("pl", (("sms", MAREK),))]
    async with kp.db.reading() as repos:
        jan = await repos.conn.execute_fetchall("SELECT id FROM children WHERE ref = 'C03'")
    assert marek[0].children == (next(iter(jan))[0],)


async def test_a_carer_who_stopped_is_counted_and_not_sent_to(kp: Keyperson) -> None:
    async with kp.db.transaction() as repos:
        await repos.people.set_opted_out("sms", LAURA, True, kp.clock())
    for essential in (False, True):  # urgent or not, never past STOP
        everyone = await reach(kp, "all", essential)
        assert "P01" not in await refs(kp, everyone)
        assert everyone.not_reached == {OPTED_OUT: 1, NO_INFORMATION: 1}
        assert everyone.families_not_reached == 1


async def test_an_unreachable_carer_is_counted(kp: Keyperson) -> None:
    async with kp.db.transaction() as repos:
        await repos.links.set_reachable("sms", KASIA, False)
    resolution = await reach(kp, "language:pl")
    assert await refs(kp, resolution) == {"P04"}
    assert resolution.not_reached == {UNREACHABLE: 1}


async def test_an_essential_message_uses_another_channel_when_the_chosen_one_is_lost(
    kp: Keyperson,
) -> None:
    async with kp.db.transaction() as repos:
        await repos.links.link(kp.setting_id, "telegram", "4242", _carer_kind(), 3, kp.clock())
        await repos.links.set_preference(_carer_kind(), 3, "telegram")
        await repos.links.set_reachable("telegram", "4242", False)
    assert (await reach(kp, "child:C02")).not_reached == {UNREACHABLE: 1}
    urgent = await reach(kp, "child:C02", essential=True)
    assert [r.addresses for r in urgent.recipients] == [(("sms", KASIA),)]


def _carer_kind():  # type: ignore[no-untyped-def]
    from bot.domain.people import PersonKind

    return PersonKind.CARER


@pytest.mark.parametrize(
    ("written", "key", "params"),
    [
        ("room:Acornz", "audience.unknown_room", {"room": "acornz", "rooms": "Acorns, Oaks"}),
        ("language:xx", "audience.unknown_language", {"language": "xx", "languages": "en, pl"}),
        ("child:C01,C99,Z1", "audience.unknown_child", {"children": "C99, Z1"}),
    ],
)
async def test_unknown_room_language_or_child_is_named(
    kp: Keyperson, written: str, key: str, params: dict[str, str]
) -> None:
    with pytest.raises(AudienceError) as raised:
        await reach(kp, written)
    assert (raised.value.key, raised.value.params) == (key, params)


async def test_a_shared_phone_gets_one_message_for_both_carers(tmp_path: Path) -> None:
    from bot.admin.importer import import_families

    kp = await make_keyperson(tmp_path)
    rows = tmp_path / "shared.csv"
    rows.write_text(
        "child_ref,child_first_name,child_last_name,date_of_birth,room,key_person_ref,"
        "send_status,carer_ref,carer_name,relationship,phone,language,receives_information\n"
        "C09,Ada,Reed,2022-01-01,Oaks,S02,none,P09,Kim Reed,mum,07400 200009,en,yes\n"
        "C09,Ada,Reed,2022-01-01,Oaks,S02,none,P10,Sam Reed,dad,07400 200009,en,yes\n",
        encoding="utf-8",
    )
    await import_families(kp.db, kp.setting_id, rows, "GB", now=kp.clock())
    ada = await reach(kp, "child:C09")
    assert (ada.families, ada.carers, len(ada.recipients)) == (1, 2, 1)
    assert len(ada.recipients[0].carers) == 2
    await kp.db.close()
