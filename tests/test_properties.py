"""Property tests: no input makes a parser raise anything but its documented errors.

- the SMS webhook's form body → fields or None; fields → an Inbound, a status, or None
- a Telegram update (JSON body, then object) → Parsed, or MalformedUpdate
- a phone number → E.164, or ValueError
- a staff or families CSV file → rows, or ImportProblems
"""

from __future__ import annotations

import json
import string
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import phonenumbers
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.admin.importer import FAMILY_COLUMNS, STAFF_COLUMNS, read_families, read_staff
from bot.domain.errors import ImportProblems
from bot.domain.messages import Inbound, InboundKind
from bot.domain.phones import normalise_phone
from bot.handlers.sms.webhook import keyword_kind, parse_form, parse_inbound, parse_status
from bot.handlers.telegram.parse import MalformedUpdate, Parsed, parse_update
from bot.handlers.telegram.web import parse_json

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
UPDATES = Path(__file__).resolve().parents[2] / "shared" / "external" / "telegram" / "updates"
FIXTURES = [json.loads(p.read_text("utf-8")) for p in sorted(UPDATES.glob("*.json"))]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    st.text(max_size=40),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


# --- SMS ---------------------------------------------------------------------------------


@SETTINGS
@given(st.binary(max_size=2000))
@example(b"Body=%ff%fe&From=%2B44")  # not UTF-8
@example(b"&".join([b"a=1"] * 500))  # more fields than allowed
def test_any_sms_webhook_body_parses_or_is_refused(body: bytes) -> None:
    form = parse_form(body)
    if form is None:
        return
    inbound = parse_inbound(form, NOW)
    assert inbound is None or isinstance(inbound, Inbound)
    status = parse_status(form)
    assert status is None or (isinstance(status[0], str) and status[1] == status[1].lower())


twilio_field = st.sampled_from(
    ["MessageSid", "SmsSid", "From", "To", "Body", "MessageStatus", "SmsStatus", "ErrorCode"]
)


@SETTINGS
@given(st.dictionaries(twilio_field | st.text(max_size=8), st.text(max_size=300), max_size=8))
def test_any_twilio_fields_give_an_inbound_or_none(form: dict[str, str]) -> None:
    inbound = parse_inbound(form, NOW)
    if inbound is not None:
        assert inbound.external_id and inbound.address
        assert inbound.text == inbound.text.strip()
    parse_status(form)


@SETTINGS
@given(st.text(max_size=200))
@example("STOP 🛑")
@example("\u200bstop\u200b")
def test_keywords_never_raise(text: str) -> None:
    assert isinstance(keyword_kind(text), InboundKind)


# --- Telegram ----------------------------------------------------------------------------


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a JSON value."""
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated_updates(draw: st.DrawFn) -> dict[str, Any]:
    """A recorded update with a few values replaced by anything JSON can hold."""
    data = json.loads(json.dumps(draw(st.sampled_from(FIXTURES))))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = draw(json_value)
    return data


def _parses_or_is_malformed(data: Any) -> None:
    try:
        parsed = parse_update(data, NOW)
    except MalformedUpdate:
        return
    assert isinstance(parsed, Parsed)


@SETTINGS
@given(mutated_updates())
def test_any_recorded_update_with_values_changed_parses_or_is_malformed(data) -> None:
    _parses_or_is_malformed(data)


@SETTINGS
@given(json_value)
@example({"update_id": 1, "message": {"message_id": 1, "date": 10**20, "chat": {"id": 1}}})
def test_any_json_value_as_an_update_parses_or_is_malformed(data: Any) -> None:
    _parses_or_is_malformed(data)


@SETTINGS
@given(st.binary(max_size=500) | st.text(max_size=500).map(str.encode))
@example(b'{"update_id": 5, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
@example(None)
def test_any_webhook_body_is_an_object_or_malformed(body: bytes | None) -> None:
    try:
        data = parse_json(body)
    except MalformedUpdate:
        return
    assert isinstance(data, dict)
    _parses_or_is_malformed(data)


# --- Phone numbers -----------------------------------------------------------------------

phone_text = st.text(alphabet=string.digits + " +-().()/#*ext", max_size=30) | st.text(max_size=30)
regions = st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)) | st.text(max_size=3)


@SETTINGS
@given(phone_text, regions)
@example("07700 900123", "GB")
@example("+" + "9" * 200, "GB")
def test_any_phone_text_is_e164_or_a_value_error(text: str, region: str) -> None:
    try:
        number = normalise_phone(text, region)
    except ValueError as error:
        assert str(error)
        return
    assert number.startswith("+") and number[1:].isdigit()


# --- CSV rows ----------------------------------------------------------------------------

cell = st.text(max_size=20) | st.sampled_from(
    ["", "S01", "Tom", "key_person;senco", "07400 100001", "en", "2022-03-14", "yes", "no",
     "none", "ehcp", "mum", "C01", "P01", '"quoted, cell"', "pl;en"]
)  # fmt: skip


def _csv(header: tuple[str, ...], rows: list[list[str]], separator: str) -> str:
    def quote(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',;"\n\r') else value

    lines = [separator.join(header)] + [separator.join(quote(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


@SETTINGS
@given(
    st.lists(st.lists(cell, min_size=4, max_size=8), max_size=5),
    st.sampled_from([",", ";"]),
    st.booleans(),
)
def test_any_staff_csv_reads_or_lists_its_problems(
    rows: list[list[str]], separator: str, raw: bool
) -> None:
    text = _csv(STAFF_COLUMNS, rows, separator)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "staff.csv"
        path.write_text(text if not raw else text.replace('"', ""), encoding="utf-8")
        try:
            read_staff(path, "GB")
        except ImportProblems as problems:
            assert problems.problems and all(str(path) in p for p in problems.problems)


@SETTINGS
@given(st.lists(st.lists(cell, min_size=10, max_size=15), max_size=5), st.binary(max_size=60))
def test_any_families_csv_reads_or_lists_its_problems(rows: list[list[str]], junk: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "families.csv"
        path.write_bytes(_csv(FAMILY_COLUMNS, rows, ",").encode("utf-8") + junk)
        try:
            read_families(path, "GB", {"S01", "S04"}, now=datetime(2026, 11, 24, 12, tzinfo=UTC))
        except ImportProblems as problems:
            assert problems.problems and all(str(path) in p for p in problems.problems)
