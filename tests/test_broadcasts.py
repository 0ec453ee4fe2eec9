"""Broadcasts: queued in each family's language inside the catalog's wrapper, never to a
number that texted STOP, held for quiet hours unless urgent, confirmed with "1" (the reminder
withdrawn), the report, the CLI's bad input, and BROADCAST from a manager's phone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import cli
from bot.admin.broadcast_report import broadcast_report
from bot.admin.broadcasts import Broadcaster, Queued, queue_requested
from bot.app import Keyperson
from bot.config import load_settings
from bot.domain.audience import AudienceError
from bot.domain.broadcasts import BroadcastError, BroadcastRequest
from bot.domain.messages import Priority
from bot.domain.setting import SettingDirectory
from bot.language.catalogs import Catalogs
from bot.storage.rows import OutboxRow
from tests import test_cli
from tests.harness import (
    DAN,
    KASIA,
    LAURA,
    MAREK,
    SARAH,
    TOM,
    Clock,
    make_keyperson,
    queued_since,
    say,
    scalar,
)

env = test_cli.env  # the fixture: a temporary database and the example setting
MEERA = "+447400200005"
SNOW = "Closed today because of the snow. Stay safe!"
TUESDAY_10AM = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
TUESDAY_9PM = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)  # families' quiet hours (20:00-07:30)
FAMILIES = {LAURA, KASIA, MAREK, MEERA}


@pytest.fixture
async def kp(tmp_path: Path) -> AsyncIterator[Keyperson]:
    keyperson = await make_keyperson(tmp_path, Clock(TUESDAY_10AM))
    yield keyperson
    await keyperson.db.close()


async def broadcast(kp: Keyperson, request: BroadcastRequest) -> tuple[Queued, list[OutboxRow]]:
    last = await scalar(kp, "SELECT COALESCE(MAX(id), 0) FROM outbox")
    broadcaster = Broadcaster(Catalogs.load(), kp.profile)
    async with kp.db.transaction() as repos:
        queued = await broadcaster.queue(repos, kp.setting_id, request, kp.clock())
    return queued, await queued_since(kp, last)


def first(rows: list[OutboxRow], reminder: bool = False) -> dict[str, OutboxRow]:
    """Each address's message (or its reminder, which is queued after it)."""
    found: dict[str, OutboxRow] = {}
    for row in rows:
        if reminder and row.address in found:
            found[row.address] = row
        found.setdefault(row.address, row)
    return found


async def test_each_family_gets_the_words_as_written_in_their_languages_wrapper(kp):
    queued, rows = await broadcast(kp, BroadcastRequest(SNOW))
    sent = first(rows)
    assert set(sent) == FAMILIES  # Dan must not be sent information
    assert sent[LAURA].body == f"Message from Little Acorns Nursery:\n{SNOW}"
    assert sent[KASIA].body == f"Wiadomość od: Little Acorns Nursery\n{SNOW}"
    assert queued.reference == "B-1" and queued.messages == 4
    assert (queued.resolution.families, queued.resolution.carers) == (4, 4)
    assert all(r.priority == Priority.BULK and not r.essential for r in rows)
    assert all(r.next_attempt_at == TUESDAY_10AM for r in rows)
    second, _ = await broadcast(kp, BroadcastRequest("Sports day on Friday", "room:Oaks"))
    assert second.reference == "B-2"


async def test_a_carer_who_stopped_gets_nothing_and_is_counted(kp):
    await say(kp, LAURA, "STOP")
    queued, rows = await broadcast(kp, BroadcastRequest(SNOW, "room:Acorns"))
    assert {r.address for r in rows} == {MAREK}
    assert queued.resolution.not_reached == {"opted_out": 1, "no_information": 1}
    # Kasia stops after it was queued: her message is held back, never sent.
    await broadcast(kp, BroadcastRequest("Sports day on Friday", "language:pl"))
    await say(kp, KASIA, "STOP")
    async with kp.db.transaction() as repos:
        claimed = await repos.outbox.claim_due("sms", kp.clock(), 100)
    assert [r.address for r in claimed if "Sports day" in r.body] == [MAREK]
    async with kp.db.reading() as repos:
        counts = await repos.broadcasts.counts(kp.setting_id, 2)
    assert counts is not None and counts.stopped_since == 1
    lines = broadcast_report(counts, kp.profile)
    assert "opted out: 1 (1 after it was queued)" in lines


async def test_urgent_goes_through_quiet_hours_and_others_wait_for_them_to_end(tmp_path):
    kp = await make_keyperson(tmp_path, Clock(TUESDAY_9PM))
    try:
        _, urgent = await broadcast(kp, BroadcastRequest(SNOW, urgent=True))
        assert {r.address for r in urgent} == FAMILIES
        assert all(r.next_attempt_at == TUESDAY_9PM for r in urgent)
        # Urgent is essential and goes before other bulk, but behind replies and concerns.
        assert all(r.essential and r.priority == Priority.NORMAL for r in urgent)
        assert all(Priority.REPLY < r.priority < Priority.BULK for r in urgent)
        held, rows = await broadcast(kp, BroadcastRequest("Sports day on Friday"))
        morning = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)  # 07:30 in London (GMT)
        assert held.held_until == morning
        assert all(r.next_attempt_at == morning for r in rows)
    finally:
        await kp.db.close()


async def test_confirm_asks_for_1_and_reminds_only_those_who_have_not(kp):
    queued, rows = await broadcast(kp, BroadcastRequest(SNOW, confirm=True))
    asked = first(rows)
    assert asked[LAURA].body.endswith("Please reply 1 to say you have seen this.")
    due = TUESDAY_10AM + timedelta(hours=24)
    reminders = [r for r in rows if r.next_attempt_at == due]
    assert {r.address for r in reminders} == FAMILIES
    assert first(reminders)[LAURA].body.startswith("Reminder from Little Acorns Nursery:\n")
    assert first(reminders)[KASIA].body.startswith("Przypomnienie od: Little Acorns Nursery\n")
    thanks = await say(kp, LAURA, "1")
    # (The first text from Laura's number also links it, so she is welcomed first.)
    assert thanks[-1].body == "Thank you for letting us know you have seen it."
    async with kp.db.transaction() as repos:
        claimed = await repos.outbox.claim_due("sms", due, 100)
        counts = await repos.broadcasts.counts(kp.setting_id, queued.number)
    reminded = {r.address for r in claimed if r.body.startswith(("Reminder", "Przypomnienie"))}
    assert reminded == FAMILIES - {LAURA}
    assert counts is not None and (counts.confirmed, counts.to_confirm) == (1, 4)
    # A second "1" has nothing left to confirm: it goes to the key person as any message.
    again = await say(kp, LAURA, "1")
    assert TOM in {r.address for r in again}


async def test_seen_in_polish_confirms(kp):
    await broadcast(kp, BroadcastRequest(SNOW, confirm=True))
    thanks = await say(kp, KASIA, "przeczytane")
    assert thanks[-1].body == "Dziękujemy za potwierdzenie."


async def test_1_without_a_broadcast_to_confirm_is_an_ordinary_message(kp):
    await broadcast(kp, BroadcastRequest(SNOW))  # no confirmation asked
    relayed = await say(kp, LAURA, "1")
    assert TOM in {r.address for r in relayed}
    assert "Thank you for letting us know" not in " ".join(r.body for r in relayed)


@pytest.mark.parametrize(
    ("request_", "error", "key"),
    [
        (BroadcastRequest("   "), BroadcastError, "broadcast.empty"),
        (BroadcastRequest("x" * 1001), BroadcastError, "broadcast.too_long"),
        (BroadcastRequest(SNOW, "room:Acornz"), AudienceError, "audience.unknown_room"),
        (BroadcastRequest(SNOW, "everyone"), AudienceError, "audience.unknown_part"),
    ],
)
async def test_bad_input_queues_nothing(kp, request_, error, key):
    with pytest.raises(error) as raised:
        await broadcast(kp, request_)
    assert raised.value.key == key
    assert await scalar(kp, "SELECT COUNT(*) FROM broadcasts") == 0
    assert await scalar(kp, "SELECT COUNT(*) FROM outbox WHERE broadcast_id IS NOT NULL") == 0


# From a manager's phone.


async def test_broadcast_from_a_managers_phone(kp):
    asked = await say(kp, SARAH, "BROADCAST")
    assert "Who is it for?" in asked[-1].body
    assert labels(asked[-1]) == ["All families", "Not now"]
    unknown = await say(kp, SARAH, "room:Acornz")
    assert "There is no room called acornz. The rooms are: Acorns, Oaks." in unknown[0].body
    text = await say(kp, SARAH, "room:Acorns")
    assert "It reaches 2 families (carers: 2)." in text[-1].body
    assert "1 carer will not get it: 0 texted STOP, 0 cannot be reached, 1 must not" in (
        text[-1].body
    )
    empty = await say(kp, SARAH, "   ")
    assert "Now write the message" in empty[-1].body
    flagged = await say(kp, SARAH, "All children should be able to come to the SENCo talk")
    assert "some words may not be clear" in flagged[-1].body
    keep = labels(flagged[-1]).index("Send it as it is") + 1
    how = await say(kp, SARAH, str(keep))
    assert "How should it go?" in how[-1].body
    assert labels(how[-1])[:4] == [
        "Just send it",
        "Ask families to say they have seen it",
        "Urgent: now, even at night",
        "Urgent, and ask them to say they have seen it",
    ]
    preview = await say(kp, SARAH, "2")  # ask families to confirm
    body = preview[-1].body
    assert "Message from Little Acorns Nursery:\nAll children should be able" in body
    assert "Please reply 1" in body and "get a reminder" in body
    # The reach and what happens then are lines of their own, not run together.
    assert "the child.\nThose who have not replied after 24 hours get a reminder." in body
    sent = await say(kp, SARAH, "1")
    assert "It is on its way" in sent[-1].body
    assert await scalar(kp, "SELECT COUNT(*) FROM broadcasts WHERE queued_at IS NULL") == 1
    last = await scalar(kp, "SELECT MAX(id) FROM outbox")
    directory = SettingDirectory({kp.setting_id: kp.profile}, kp.setting_id)
    assert await queue_requested(kp.db, Catalogs.load(), directory, kp.clock) == 2
    rows = await queued_since(kp, last)
    told = [r.body for r in rows if r.address == SARAH]
    assert told == [
        "B-1 is on its way to 2 families. keyperson report broadcast B-1 shows how it is going."
    ]
    families = {r.address for r in rows if r.next_attempt_at == TUESDAY_10AM} - {SARAH}
    assert families == {LAURA, MAREK} and DAN not in families
    # Queued once: a second look finds nothing waiting.
    assert await queue_requested(kp.db, Catalogs.load(), directory, kp.clock) == 0


def labels(row: OutboxRow) -> list[str]:
    return [c["label"] for c in row.choices]


async def test_only_a_manager_may_broadcast(kp):
    refused = await say(kp, TOM, "BROADCAST")
    assert refused[-1].body == (
        "Only a manager can send a message to many families. Please ask your manager."
    )


async def test_not_now_sends_nothing(kp):
    await say(kp, SARAH, "BROADCAST")
    await say(kp, SARAH, "all")
    left = await say(kp, SARAH, "NOT NOW")
    assert "Nothing was sent." in left[-1].body
    assert await scalar(kp, "SELECT COUNT(*) FROM broadcasts") == 0


# The command line.


def _imported(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.harness import DATA

    assert cli.main(["import", "staff", str(DATA / "staff.csv")]) == 0
    assert cli.main(["import", "families", str(DATA / "families.csv")]) == 0
    capsys.readouterr()


def _run(argv: list[str], now: datetime = TUESDAY_10AM) -> int:
    args = cli.parser().parse_args(argv)
    return asyncio.run(cli._admin(args, load_settings(), Clock(now)))


def test_cli_queues_prints_who_it_reaches_and_its_reference(env, capsys):
    _imported(capsys)
    assert _run(["broadcast", "--text", SNOW, "--audience", "send", "--urgent"]) == 0
    out = capsys.readouterr().out
    assert "It reaches 2 families (carers: 2)." in out
    assert "B-1: 2 message(s) queued." in out and "It goes now." in out
    assert _run(["report", "broadcast", "B-1"]) == 0
    report = capsys.readouterr().out.splitlines()
    assert report[0].startswith("B-1: urgent, no confirmation asked; to send; by cli at")
    assert "families reached: 2 (2 carers)" in report
    assert "waiting: 2" in report and "delivered: 0" in report and "failed: 0" in report
    assert "+44" not in "\n".join(report)


def test_cli_bad_input(env, capsys):
    _imported(capsys)
    assert _run(["broadcast", "--text", "  "]) == 1
    assert "The message is empty." in capsys.readouterr().err
    assert _run(["broadcast", "--text", SNOW, "--audience", "room:Pines"]) == 1
    assert "There is no room called pines. The rooms are: Acorns, Oaks." in (
        capsys.readouterr().err
    )
    assert _run(["broadcast", "--text", "All children should be able to run"]) == 1
    err = capsys.readouterr().err
    assert "some words may not be clear, or may hurt" in err and "--as-written" in err
    assert _run(["report", "broadcast", "B-1"]) == 1
    assert "there is no broadcast B-1" in capsys.readouterr().err
    assert _run(["report", "broadcast"]) == 2
    assert _run(["broadcast", "--text", "All children should be able to run", "--as-written"]) == 0


def test_cli_dry_run_queues_nothing(env, capsys):
    _imported(capsys)
    assert _run(["broadcast", "--text", SNOW, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "It reaches 4 families (carers: 4)." in out and "Nothing was queued" in out
    assert _run(["report", "broadcast", "B-1"]) == 1
