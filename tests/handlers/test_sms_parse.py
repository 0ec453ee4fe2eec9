"""Twilio form fields to Inbound and status tuples; choices to numbered SMS lines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.messages import Channel, Inbound, InboundKind, RenderedChoice
from bot.handlers.sms.webhook import parse_inbound, parse_status, render_sms

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SID = "SM" + "a" * 32


def form(body: str | None = "Hello", **fields: str) -> dict[str, str]:
    base = {"MessageSid": SID, "From": "+447700900123", "To": "+447700900999"}
    if body is not None:
        base["Body"] = body
    return {**base, **fields}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("STOP", InboundKind.OPT_OUT),
        ("stop", InboundKind.OPT_OUT),
        ("Stop.", InboundKind.OPT_OUT),
        ("  stop!! ", InboundKind.OPT_OUT),
        ("STOPALL", InboundKind.OPT_OUT),
        ("UNSUBSCRIBE", InboundKind.OPT_OUT),
        ("cancel", InboundKind.OPT_OUT),
        ("End", InboundKind.OPT_OUT),
        ("quit", InboundKind.OPT_OUT),
        ("optout", InboundKind.OPT_OUT),
        ("Revoke", InboundKind.OPT_OUT),
        ("START", InboundKind.OPT_IN),
        ("unstop", InboundKind.OPT_IN),
        ("HELP", InboundKind.HELP),
        ("help?", InboundKind.HELP),
        ("yes", InboundKind.MESSAGE),
        ("please stop texting me at night", InboundKind.MESSAGE),
        ("stop it", InboundKind.MESSAGE),
        ("1", InboundKind.MESSAGE),
        ("", InboundKind.MESSAGE),
        # Odd forms carriers still read as the keyword.
        ("STOP 🛑", InboundKind.OPT_OUT),
        ('"STOP"', InboundKind.OPT_OUT),
        ("“stop”", InboundKind.OPT_OUT),
        ("STOP\u200b", InboundKind.OPT_OUT),
        ("ST\u200bOP", InboundKind.OPT_OUT),
        ("\ufeffStop", InboundKind.OPT_OUT),
        ("ＳＴＯＰ", InboundKind.OPT_OUT),
        ("sToP", InboundKind.OPT_OUT),
        ("🛑 stop ✋🏽", InboundKind.OPT_OUT),
        ("Cancel\ufe0f", InboundKind.OPT_OUT),
        ("ｓｔａｒｔ", InboundKind.OPT_IN),
        ("Start 👍", InboundKind.OPT_IN),
        ("\u200bHELP\u200b", InboundKind.HELP),
        ("ＨＥＬＰ？", InboundKind.HELP),
        ("S.T.O.P", InboundKind.MESSAGE),
        ("stop stop", InboundKind.MESSAGE),
        ("🛑", InboundKind.MESSAGE),
    ],
)
def test_keywords_are_whole_messages(text: str, kind: InboundKind) -> None:
    inbound = parse_inbound(form(text), NOW)
    assert inbound is not None
    assert inbound.kind is kind


def test_parse_inbound_fields() -> None:
    inbound = parse_inbound(form("  Running late today \n"), NOW)
    assert inbound == Inbound(
        channel=Channel.SMS,
        address="+447700900123",
        external_id=SID,
        received_at=NOW,
        text="Running late today",
        kind=InboundKind.MESSAGE,
    )


def test_sms_sid_stands_in_for_message_sid() -> None:
    fields = form()
    fields["SmsSid"] = fields.pop("MessageSid")
    inbound = parse_inbound(fields, NOW)
    assert inbound is not None and inbound.external_id == SID


def test_missing_body_is_an_empty_message() -> None:
    inbound = parse_inbound(form(None), NOW)
    assert inbound is not None and inbound.text == ""


@pytest.mark.parametrize("missing", ["MessageSid", "From"])
def test_missing_sid_or_sender_is_none(missing: str) -> None:
    fields = form()
    del fields[missing]
    assert parse_inbound(fields, NOW) is None
    assert parse_inbound({**fields, missing: ""}, NOW) is None


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"MessageSid": SID, "MessageStatus": "delivered"}, (SID, "delivered", None)),
        (
            {"MessageSid": SID, "MessageStatus": "Undelivered", "ErrorCode": "30003"},
            (SID, "undelivered", "30003"),
        ),
        ({"MessageSid": SID, "MessageStatus": "sent", "ErrorCode": ""}, (SID, "sent", None)),
        ({"SmsSid": SID, "SmsStatus": "failed", "ErrorCode": "21610"}, (SID, "failed", "21610")),
        ({"MessageStatus": "sent"}, None),
        ({"MessageSid": SID}, None),
    ],
)
def test_parse_status(fields: dict[str, str], expected: tuple[str, str, str | None] | None) -> None:
    assert parse_status(fields) == expected


def test_render_sms_numbers_the_choices_after_a_blank_line() -> None:
    choices = [RenderedChoice("yes", "Yes"), RenderedChoice("no", "No")]
    assert (
        render_sms("Can you come on Friday?", choices) == "Can you come on Friday?\n\n1 Yes\n2 No"
    )


def test_render_sms_keeps_translated_labels_and_plain_bodies() -> None:
    assert render_sms("Dzień dobry", [RenderedChoice("yes", "Tak")]) == "Dzień dobry\n\n1 Tak"
    assert render_sms("Just news", []) == "Just news"
