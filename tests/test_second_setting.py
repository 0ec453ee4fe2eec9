"""One deployment, two settings: each message is handled with its sender's setting, found per
message, not the one the app was built with."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from bot.admin.importer import import_families, import_staff
from bot.domain.setting import load_profile
from tests.harness import LAURA, ROOT, Clock, make_keyperson, say

OAK_KEY_PERSON = "+447400300001"
OAK_PARENT = "+447400300101"
STAFF = """staff_ref,name,roles,phone,languages
O01,Olu Adeyemi,key_person;manager,07400 300001,en
"""
FAMILIES = """child_ref,child_first_name,child_last_name,date_of_birth,room,key_person_ref,\
send_status,carer_ref,carer_name,relationship,phone,language,receives_information
OC1,Ruby,Ellis,2022-05-01,Saplings,O01,none,OP1,Jo Ellis,mum,07400 300101,en,yes
"""


async def test_each_message_is_handled_with_its_senders_setting(tmp_path):
    clock = Clock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))  # a Tuesday morning in London
    kp = await make_keyperson(tmp_path, clock)
    first = load_profile(ROOT / "setting.example.toml")
    oak = dataclasses.replace(
        first, ref="oak-tree", name="Oak Tree Pre-school", phone="01632 960999"
    )
    oak_id = await kp.add_setting(oak, "[setting]\nname = 'Oak Tree Pre-school'\n")
    assert oak_id != kp.setting_id
    (tmp_path / "oak-staff.csv").write_text(STAFF)
    (tmp_path / "oak-families.csv").write_text(FAMILIES)
    await import_staff(kp.db, oak_id, tmp_path / "oak-staff.csv", "GB")
    await import_families(kp.db, oak_id, tmp_path / "oak-families.csv", "GB", now=clock())

    welcomed = await say(kp, OAK_PARENT, "Hi")
    (welcome,) = [r for r in welcomed if r.address == OAK_PARENT]
    assert "Oak Tree Pre-school" in welcome.body and "Little Acorns" not in welcome.body
    relayed = await say(kp, OAK_PARENT, "Ruby has a new tooth")
    assert any(r.address == OAK_KEY_PERSON and "Ruby" in r.body for r in relayed)
    asked = await say(kp, OAK_PARENT, "INFO")
    important = await say(kp, OAK_PARENT, "2")  # whom to talk to about important things
    assert any("01632 960999" in r.body for r in important if r.address == OAK_PARENT), asked

    # The first setting's families still get the first setting.
    theirs = await say(kp, LAURA, "Hi")
    assert any("Little Acorns" in r.body for r in theirs if r.address == LAURA)
    await kp.db.close()
