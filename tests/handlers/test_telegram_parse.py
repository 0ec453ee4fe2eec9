"""Telegram Updates to Inbound and presses; long text to parts; choices to reply markup."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Any

import pytest
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.domain.messages import Channel, ChoiceStyle, Inbound, InboundKind, RenderedChoice
from bot.handlers.telegram.parse import (
    ALLOWED_UPDATES,
    TELEGRAM_LIMIT,
    MalformedUpdate,
    Parsed,
    Press,
    chosen_text,
    parse_update,
    render_telegram,
    split_text,
)
from tests.handlers.test_sms_parse import NOW

UPDATES = Path(__file__).resolve().parents[3] / "shared" / "external" / "telegram" / "updates"
assert UPDATES.is_dir(), f"missing {UPDATES}: the shared folder must sit beside the repo"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((UPDATES / f"{name}.json").read_text("utf-8"))
    return data


def inbound_of(data: dict[str, Any]) -> Inbound:
    parsed = parse_update(data, NOW)
    assert parsed.inbound is not None
    return parsed.inbound


def private_text(text: str, **message: Any) -> dict[str, Any]:
    """A private text message as Telegram sends it (chat 1111111, user 12345678)."""
    data = fixture("message_text_private")
    data["message"]["text"] = text
    data["message"].update(message)
    return data


def test_every_fixture_parses_without_error() -> None:
    files = sorted(UPDATES.glob("*.json"))
    assert len(files) == 16
    for path in files:
        assert isinstance(parse_update(json.loads(path.read_text("utf-8")), NOW), Parsed)


def test_allowed_updates_are_the_ones_parsed() -> None:
    assert ALLOWED_UPDATES == ("message", "edited_message", "callback_query", "my_chat_member")


def test_private_text_message() -> None:
    assert parse_update(fixture("message_text_private"), NOW) == Parsed(
        Inbound(
            channel=Channel.TELEGRAM,
            address="1111111",
            external_id="1",
            received_at=NOW,
            text="HELLO",
            kind=InboundKind.MESSAGE,
            display_name="Test Firstname",
        )
    )


@pytest.mark.parametrize(
    ("name", "address", "external_id", "text"),
    [
        ("message_text_private_captured", "218485655", "892252934", "hello there"),
        ("message_text_private_captured_2", "408258968", "306197398", "4"),
    ],
)
def test_captured_text_messages(name: str, address: str, external_id: str, text: str) -> None:
    inbound = inbound_of(fixture(name))
    assert (inbound.address, inbound.external_id, inbound.text) == (address, external_id, text)
    assert inbound.kind is InboundKind.MESSAGE and inbound.reply_to is None


def test_group_command_is_ignored() -> None:
    assert parse_update(fixture("message_command_group"), NOW) == Parsed(None)


def test_start_without_payload() -> None:
    inbound = inbound_of(fixture("derived-message_start_plain"))
    assert (inbound.kind, inbound.text) == (InboundKind.START, "")


def test_start_with_deep_link_payload() -> None:
    inbound = inbound_of(fixture("derived-message_start_deeplink"))
    assert (inbound.kind, inbound.text) == (InboundKind.START, "ref_42")


@pytest.mark.parametrize(
    "name", ["derived-message_contact_own", "derived-message_contact_own_no_plus"]
)
def test_own_contact_gives_the_number_with_a_plus(name: str) -> None:
    inbound = inbound_of(fixture(name))
    assert (inbound.kind, inbound.text) == (InboundKind.CONTACT, "+15550100123")
    assert inbound.address == "1111111"  # the chat id, not the user id


def test_someone_elses_contact_carries_no_number() -> None:
    inbound = inbound_of(fixture("derived-message_contact_someone_else"))
    assert (inbound.kind, inbound.text) == (InboundKind.CONTACT_OTHER, "")


def test_button_press_on_a_message() -> None:
    parsed = parse_update(fixture("callback_query_with_message"), NOW)
    assert parsed.inbound == Inbound(
        channel=Channel.TELEGRAM,
        address="2",
        external_id="10000",
        received_at=NOW,
        text="",
        choice="*",
        display_name="Name",
        language="en",
    )
    # "*" is on several buttons: the first one in the keyboard names the press.
    assert parsed.press == Press(
        callback_id="4382bfdwdsb323b2d9",
        chat_id=2,
        message_id=3572,
        text="Font size: 16\nFont: Arial-Black\nText Color: 000000\nBackground: FFFFFF",
        chosen="-=Font Size=-",
    )


def test_press_label_is_found_in_any_row() -> None:
    data = fixture("callback_query_with_message")
    data["callback_query"]["data"] = "StringValue;fgColor;Font Color;Emerald"
    press = parse_update(data, NOW).press
    assert press is not None and press.chosen == "Emerald"


def test_press_with_data_not_on_the_keyboard_has_no_label() -> None:
    data = fixture("callback_query_with_message")
    data["callback_query"]["data"] = "gone"
    parsed = parse_update(data, NOW)
    assert parsed.inbound is not None and parsed.inbound.choice == "gone"
    assert parsed.press is not None and parsed.press.chosen == ""


def test_press_on_an_inline_message_is_only_answered() -> None:
    parsed = parse_update(fixture("callback_query_inline_message"), NOW)
    assert parsed == Parsed(None, press=Press("4382bfdwdsb323b2d9", None, None, "", ""))


def test_press_on_a_message_too_old_to_see_still_counts() -> None:
    data = fixture("callback_query_with_message")
    message = data["callback_query"]["message"]
    data["callback_query"]["message"] = {"chat": message["chat"], "message_id": 3572, "date": 0}
    parsed = parse_update(data, NOW)
    assert parsed.inbound is not None and parsed.inbound.choice == "*"
    assert parsed.press == Press("4382bfdwdsb323b2d9", 2, None, "", "")


def test_press_in_a_group_is_only_answered() -> None:
    data = fixture("callback_query_with_message")
    data["callback_query"]["message"]["chat"] = {"id": -5, "type": "group", "title": "Room"}
    parsed = parse_update(data, NOW)
    assert parsed.inbound is None
    assert parsed.press is not None and parsed.press.chat_id is None


def test_blocking_the_bot() -> None:
    inbound = inbound_of(fixture("my_chat_member_kicked_private"))
    assert (inbound.kind, inbound.address, inbound.external_id) == (InboundKind.BLOCKED, "0", "0")


def test_unblocking_the_bot() -> None:
    inbound = inbound_of(fixture("derived-my_chat_member_unblocked_private"))
    assert (inbound.kind, inbound.address) == (InboundKind.UNBLOCKED, "0")


def test_other_membership_changes_are_ignored() -> None:
    data = fixture("derived-my_chat_member_unblocked_private")
    data["my_chat_member"]["old_chat_member"] = {**data["my_chat_member"]["new_chat_member"]}
    assert parse_update(data, NOW) == Parsed(None)


def test_edited_message() -> None:
    inbound = inbound_of(fixture("derived-edited_message_private"))
    assert (inbound.kind, inbound.text) == (InboundKind.EDITED, "HELLO (edited)")


def test_photo_is_unsupported_and_keeps_its_caption() -> None:
    assert inbound_of(fixture("message_photo_private")).kind is InboundKind.UNSUPPORTED
    data = fixture("message_photo_private")
    data["message"]["caption"] = " Our painting "
    inbound = inbound_of(data)
    assert (inbound.kind, inbound.text) == (InboundKind.UNSUPPORTED, "Our painting")


def test_document_is_unsupported() -> None:
    inbound = inbound_of(fixture("message_document_pdf_private"))
    assert (inbound.kind, inbound.text, inbound.external_id) == (InboundKind.UNSUPPORTED, "", "2")


@pytest.mark.parametrize(
    ("text", "kind", "parsed_text"),
    [
        ("/help@KeypersonTestBot", InboundKind.HELP, ""),
        ("/help", InboundKind.HELP, ""),
        ("/stop", InboundKind.OPT_OUT, ""),
        ("/STOP@KeypersonTestBot", InboundKind.OPT_OUT, ""),
        ("/start@KeypersonTestBot inv_7", InboundKind.START, "inv_7"),
        ("/start   ", InboundKind.START, ""),
        ("/info", InboundKind.MESSAGE, "info"),
        ("/Info now", InboundKind.MESSAGE, "info now"),
        ("/reply", InboundKind.MESSAGE, "reply"),
        ("STOP", InboundKind.OPT_OUT, "STOP"),
        ("start", InboundKind.OPT_IN, "start"),
        ("Help?", InboundKind.HELP, "Help?"),
        ("please stop", InboundKind.MESSAGE, "please stop"),
        ("Unsubscribe", InboundKind.OPT_OUT, "Unsubscribe"),
        # Words that are opt-outs only on SMS: on Telegram a parent typing them means "not this".
        ("cancel", InboundKind.MESSAGE, "cancel"),
        ("End", InboundKind.MESSAGE, "End"),
        ("QUIT", InboundKind.MESSAGE, "QUIT"),
        ("/path/to/file", InboundKind.MESSAGE, "/path/to/file"),
        ("  Running late  ", InboundKind.MESSAGE, "Running late"),
    ],
)
def test_commands_and_keywords(text: str, kind: InboundKind, parsed_text: str) -> None:
    inbound = inbound_of(private_text(text))
    assert (inbound.kind, inbound.text) == (kind, parsed_text)


def test_reply_to_a_message_names_it_as_the_sender_does() -> None:
    replied = {
        "message_id": 41,
        "date": 1441645500,
        "chat": {"id": 1111111, "type": "private", "first_name": "Test Firstname"},
        "text": "How was lunch?",
    }
    inbound = inbound_of(private_text("She ate it all", reply_to_message=replied))
    assert inbound.reply_to == "1111111:41"
    assert inbound.text == "She ate it all"


def test_service_message_is_ignored() -> None:
    data = fixture("message_text_private")
    del data["message"]["text"]
    data["message"]["pinned_message"] = {
        "message_id": 5,
        "date": 0,
        "chat": data["message"]["chat"],
    }
    assert parse_update(data, NOW) == Parsed(None)


@pytest.mark.parametrize(
    "data",
    [
        {"update_id": 7},
        {"update_id": 8, "channel_post": fixture("message_command_group")["message"]},
    ],
)
def test_unknown_updates_give_nothing(data: dict[str, Any]) -> None:
    assert parse_update(data, NOW) == Parsed(None)


@pytest.mark.parametrize(
    ("data", "update_id"),
    [
        ({}, None),
        ({"update_id": "1", "message": {}}, None),
        ({"update_id": 1, "message": "hello"}, "1"),
        ({"update_id": 2, "message": {"message_id": 1, "chat": {"id": 1}}}, "2"),
        ({"update_id": 3, "callback_query": {"id": "x"}}, "3"),
    ],
)
def test_malformed_updates_raise_with_their_id(data: dict[str, Any], update_id: str) -> None:
    with pytest.raises(MalformedUpdate) as raised:
        parse_update(data, NOW)
    assert raised.value.update_id == update_id


def test_a_date_of_ten_to_the_twentieth_is_malformed_not_a_crash() -> None:
    data = fixture("message_text_private")
    data["message"]["date"] = 10**20  # OverflowError inside PTB's datetime conversion
    with pytest.raises(MalformedUpdate) as raised:
        parse_update(data, NOW)
    assert raised.value.update_id == str(data["update_id"])
    assert raised.value.why == "OverflowError"


def pieces(text: str, parts: list[str]) -> None:
    """Assert that `parts` are `text` in order with only whitespace left out between them."""
    position = 0
    for part in parts:
        at = text.find(part, position)
        assert at >= 0 and not text[position:at].strip(), "text lost or reordered"
        position = at + len(part)
    assert not text[position:].strip(), "text lost at the end"


def random_text(rng: random.Random) -> str:
    words = [
        "".join(rng.choices(string.ascii_letters + "ąęłńóśźżç", k=rng.randint(1, 14)))
        for _ in range(rng.randint(0, 400))
    ]
    separators = [" "] * 12 + ["\n", "\n\n", ". ", "! ", "? ", "  ", "\t", "… "]
    text = "".join(word + rng.choice(separators) for word in words)
    if rng.random() < 0.1:
        text += "x" * rng.randint(1, 300)  # an unbroken word longer than the limit
    return text


def test_split_text_property() -> None:
    rng = random.Random(20261124)
    for _ in range(400):
        text = random_text(rng)
        limit = rng.choice([1, 2, 5, 17, 80, 200, 1000])
        parts = split_text(text, limit)
        assert all(0 < len(part) <= limit and part.strip() for part in parts)
        pieces(text, parts)
        if len(text) <= limit and text.strip():
            assert parts == [text]


def test_split_prefers_paragraphs_then_lines_then_sentences_then_spaces() -> None:
    assert split_text("aaaa bbbb\n\ncccc\ndd", 15) == ["aaaa bbbb", "cccc\ndd"]
    assert split_text("aaaa. bbbb\ncccc dd", 13) == ["aaaa. bbbb", "cccc dd"]
    assert split_text("Dzień dobry. Tak jest", 16) == ["Dzień dobry.", "Tak jest"]
    assert split_text("Czy to jest? Tak, to jest ok", 20) == ["Czy to jest?", "Tak, to jest ok"]
    assert split_text("one two three", 9) == ["one two", "three"]
    assert split_text("abcdefghij", 4) == ["abcd", "efgh", "ij"]


def test_a_break_early_in_the_window_gives_way_to_a_later_one() -> None:
    text = "Hi\n\n" + "word " * 30
    parts = split_text(text, 50)
    assert len(parts[0]) > 25  # not a part of "Hi" alone
    pieces(text, parts)


def test_split_edge_cases() -> None:
    assert split_text("") == []
    assert split_text("   \n ") == []
    assert split_text("short") == ["short"]
    assert split_text("x" * TELEGRAM_LIMIT) == ["x" * TELEGRAM_LIMIT]
    assert split_text("x" * (TELEGRAM_LIMIT + 1)) == ["x" * TELEGRAM_LIMIT, "x"]
    assert split_text("ab" + " " * 20 + "cd", 5) == ["ab", "cd"]
    with pytest.raises(ValueError):
        split_text("text", 0)


CHOICES = (RenderedChoice("yes", "Yes"), RenderedChoice("no", "No, thanks"))


def test_choices_become_one_inline_button_per_row() -> None:
    ((text, markup),) = render_telegram("Can you come on Friday?", CHOICES)
    assert text == "Can you come on Friday?"
    assert isinstance(markup, InlineKeyboardMarkup)
    assert markup.to_dict() == {
        "inline_keyboard": [
            [{"text": "Yes", "callback_data": "yes"}],
            [{"text": "No, thanks", "callback_data": "no"}],
        ]
    }


def test_tap_choices_are_buttons_too() -> None:
    ((_, markup),) = render_telegram("Pick", [RenderedChoice("ok", "OK", ChoiceStyle.TAP)])
    assert isinstance(markup, InlineKeyboardMarkup)


def test_contact_choice_becomes_a_phone_number_request_keyboard() -> None:
    choices = [
        RenderedChoice("share", "Share my phone number", ChoiceStyle.CONTACT),
        RenderedChoice("later", "Later"),
    ]
    ((_, markup),) = render_telegram("Welcome", choices)
    assert isinstance(markup, ReplyKeyboardMarkup)
    assert markup.to_dict() == {
        "keyboard": [[{"text": "Share my phone number", "request_contact": True}]],
        "one_time_keyboard": True,
        "resize_keyboard": True,
    }


def test_no_choices_removes_any_keyboard() -> None:
    ((text, markup),) = render_telegram("Thank you", [])
    assert text == "Thank you" and isinstance(markup, ReplyKeyboardRemove)


def test_long_body_is_split_with_the_keyboard_on_the_last_part() -> None:
    body = ("A long update about the day. " * 200).strip()
    parts = render_telegram(body, CHOICES)
    assert len(parts) == 2
    assert all(len(text) <= TELEGRAM_LIMIT for text, _ in parts)
    assert isinstance(parts[0][1], ReplyKeyboardRemove)
    assert isinstance(parts[-1][1], InlineKeyboardMarkup)
    pieces(body, [text for text, _ in parts])


def test_empty_body_with_choices_still_has_text() -> None:
    ((text, markup),) = render_telegram("", CHOICES)
    assert text.strip() and isinstance(markup, InlineKeyboardMarkup)


@pytest.mark.parametrize("key", ["k" * 65, "ż" * 33, ""])
def test_callback_keys_must_fit_telegram(key: str) -> None:
    with pytest.raises(ValueError):
        render_telegram("Pick one", [RenderedChoice(key, "Label")])
    render_telegram("Pick one", [RenderedChoice("k" * 64, "Label")])


def test_chosen_text() -> None:
    assert chosen_text("Can you come?", "Yes") == "Can you come?\n\n✓ Yes"
    assert chosen_text("Can you come?", "") == "Can you come?\n\n✓"
    assert chosen_text("", "Yes") == "✓ Yes"


def test_chosen_text_stays_within_the_limit() -> None:
    edited = chosen_text("word " * 1000, "Yes")
    assert len(edited) <= TELEGRAM_LIMIT
    assert edited.endswith("…\n\n✓ Yes")
    assert len(chosen_text("x" * TELEGRAM_LIMIT, "y" * TELEGRAM_LIMIT)) <= TELEGRAM_LIMIT


def test_the_senders_app_language_is_carried_as_a_hint() -> None:
    assert inbound_of(fixture("message_text_private_captured")).language == "en"
    start = fixture("derived-message_start_plain")
    start["message"]["from"]["language_code"] = "pl"
    assert inbound_of(start).language == "pl"
    assert inbound_of(fixture("message_text_private")).language is None  # not always sent
    press = inbound_of(fixture("callback_query_with_message"))
    assert press.language == "en"
