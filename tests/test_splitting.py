"""Long text as several messages: SMS bodies within Twilio's 1,600 characters, marked in order."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.messages import RenderedChoice
from bot.language.splitting import SMS_LIMIT, sms_bodies, sms_rows
from bot.storage.rows import NewOutbox

MARK = re.compile(r"^\((\d+)/(\d+)\) ")


def unmarked(bodies: list[str]) -> str:
    return "".join(MARK.sub("", body) for body in bodies)


def visible(text: str) -> str:
    return "".join(text.split())


def test_a_body_that_fits_is_one_unmarked_body():
    assert sms_bodies("Hello") == ["Hello"]
    assert sms_bodies("x" * SMS_LIMIT) == ["x" * SMS_LIMIT]


def test_a_long_body_is_split_at_sentences_and_marked_in_order():
    sentence = "Amelia had a lovely morning in the garden with her friends. "
    text = sentence * 60  # about 3,600 characters
    bodies = sms_bodies(text)
    assert len(bodies) == 3
    assert [MARK.match(b).groups() for b in bodies] == [("1", "3"), ("2", "3"), ("3", "3")]
    assert all(len(b) <= SMS_LIMIT for b in bodies)
    assert all(MARK.sub("", b).rstrip().endswith("friends.") for b in bodies)
    assert visible(unmarked(bodies)) == visible(text)


def test_the_last_part_leaves_room_for_the_options():
    tail = "\n\n1 Yes\n2 No\n3 Not now"
    bodies = sms_bodies("word " * 330, tail)  # 1,650 characters
    assert len(bodies[-1]) + len(tail) <= SMS_LIMIT


@given(
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=9000),
    tail=st.sampled_from(
        ["", "\n\n1 Yes\n2 No", "\n\n" + "\n".join(f"{n} Option" for n in range(40))]
    ),
)
@settings(max_examples=200, deadline=None)
def test_every_body_fits_and_nothing_is_lost(text, tail):
    bodies = sms_bodies(text, tail)
    assert all(len(b) <= SMS_LIMIT for b in bodies[:-1])
    assert len(bodies[-1]) + len(tail) <= SMS_LIMIT or (
        len(bodies) == 1 and len(text) + len(tail) <= SMS_LIMIT
    )
    assert visible(unmarked(bodies) if len(bodies) > 1 else bodies[0]) == visible(text)


def row(channel: str, body: str) -> NewOutbox:
    choices = [RenderedChoice("yes", "Yes").as_dict()]
    return NewOutbox(1, channel, "+447700900101", "carer", 1, 1, body, choices, essential=True)


def test_each_sms_part_is_its_own_row_and_the_options_go_last():
    parts = sms_rows(row("sms", "A sentence that goes on. " * 100))
    assert len(parts) == 2
    assert [p.choices for p in parts] == [[], [{"key": "yes", "label": "Yes", "style": "option"}]]
    assert all(p.essential and p.address == "+447700900101" for p in parts)
    long_telegram = row("telegram", "x" * 5000)
    assert sms_rows(long_telegram) == [long_telegram]  # Telegram splits its own at 4,096
    short = row("sms", "Hello")
    assert sms_rows(short) == [short]


def test_blanks_longer_than_a_message_are_not_sent_as_one():
    assert sms_bodies(" " * 5000) == [""]
