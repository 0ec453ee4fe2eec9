"""Right-to-left languages: isolates around names where placeholders are filled, lines marked
to read right to left, the simulator's `dir` per message, and SMS previews naming Unicode."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bot.domain.messages import Channel, Text
from bot.engine.news import sms_cost
from bot.handlers.simulator.page import SimulatorPage
from bot.language.bidi import FSI, PDI, RLM, direction, is_rtl, lines_rtl
from bot.language.catalogs import Catalogs
from tests.harness import LAURA, Clock, make_keyperson
from tests.test_simulator import delivered

URDU_TO_STAFF = "{child}: {carer} ({relationship}) کا پیغام:\n{message}\n{code} سے جواب دیں"


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    loaded = Catalogs.load()
    # A small Urdu catalog of our own, so the test holds whichever catalogs are shipped.
    messages = {**loaded.messages, "ur": {"relay.to_staff": URDU_TO_STAFF, "days.range": "x"}}
    return Catalogs(messages, loaded.plural_rules)


def params() -> dict[str, Any]:
    return {
        "child": "Amelia",
        "carer": "Laura Hughes",
        "relationship": "mum",
        "message": "کیا وہ ٹھیک ہے؟",
        "code": "#K7QM2",
    }


def test_names_and_codes_are_isolated_in_right_to_left_messages(catalogs):
    body = catalogs.render(Text("relay.to_staff", params()), "ur")
    assert f"{FSI}Amelia{PDI}" in body
    assert f"{FSI}Laura Hughes{PDI}" in body and f"{FSI}#K7QM2{PDI}" in body
    # Every line is marked to read right to left, the first starting with a Latin name too.
    assert all(line.startswith(RLM) for line in body.split("\n"))
    # The words keep their order around the name: only marks were added.
    plain = body.replace(FSI, "").replace(PDI, "").replace(RLM, "")
    assert plain == URDU_TO_STAFF.format(**params())


def test_left_to_right_messages_are_untouched(catalogs):
    body = catalogs.render(Text("relay.to_staff", params()), "en")
    assert FSI not in body and RLM not in body


def test_a_nested_message_in_the_same_language_is_not_isolated(catalogs):
    nested = {**params(), "message": Text("days.range")}
    body = catalogs.render(Text("relay.to_staff", nested), "ur")
    assert f"{FSI}Amelia{PDI}" in body and f"\n{RLM}x\n" in body  # "x", not isolated


def test_directions():
    assert is_rtl("ar") and is_rtl("ur") and is_rtl("ur_PK") and not is_rtl("pl")
    assert direction("کیا وہ ٹھیک ہے؟ Amelia") == "rtl"
    assert direction("هل هي بخير؟") == "rtl"
    assert direction("Is Amelia OK?") == "auto"
    assert direction("") == "auto"
    assert lines_rtl("Amelia: ٹھیک\n\nٹھیک") == f"{RLM}Amelia: ٹھیک\n\n{RLM}ٹھیک"


def test_sms_previews_say_a_language_needs_unicode_texts():
    urdu = "آج امیلیا نے دوپہر کا کھانا کھایا اور باہر کھیلا۔ " * 3
    said = sms_cost(urdu, "ur")
    assert isinstance(said, Text) and said.key == "update.preview_sms_unicode"
    rendered = Catalogs.load().render(said, "en")
    assert rendered.startswith("By text message: 3 texts. Urdu letters need Unicode texts")
    # English that fits one text says nothing; a curly quote still gets its own advice.
    assert sms_cost("She ate well", "en") == ""
    curly = sms_cost("She ate well and played outside all day long ’" * 3, "en")
    assert isinstance(curly, Text) and curly.key == "update.preview_sms_chars"


async def test_the_simulator_sets_dir_per_message(tmp_path):
    keyperson = await make_keyperson(tmp_path, Clock())
    page = SimulatorPage(keyperson.db, keyperson.setting_id, keyperson.router.accept, Clock())
    await delivered(keyperson, Channel.SMS, LAURA, "هل أميليا بخير؟ Amelia", [])
    await delivered(keyperson, Channel.SMS, LAURA, "Is Amelia OK?", [])
    transport = httpx.ASGITransport(app=Starlette(routes=page.routes()))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        for channel, address in (("sms", LAURA),):
            found = await http.get(
                "/simulator/api/messages", params={"address": address, "channel": channel}
            )
            shown = found.json()["messages"]
            assert [m["text_dir"] for m in shown] == ["rtl", "auto"]
        page_html = (await http.get("/simulator")).text
        assert 'div.dir = m.text_dir || "auto"' in page_html
    await keyperson.db.close()
