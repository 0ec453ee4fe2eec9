"""Agency notices and referrals end to end, through the running app: Amelia's family has two
carers who may be told (Laura on Telegram, Sam by SMS) and one who may not (Dan). Each is
asked; each answer is kept as theirs with its channel; My permissions withdraws consent."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands import Admin
from bot.commands import agency as agency_command
from bot.commands import referral as referral_command
from tests.harness import DAN, TOM
from tests.test_e2e_absence import PRIYA
from tests.test_e2e_telegram import (
    LAURA_CHAT,
    SAM,
    Running,
    buttons,
    link_laura,
    press,
    running,
)


def admin(app: Running) -> Admin:
    """What `keyperson` gives a command, on the running app's database and clock."""
    kp = app.keyperson
    return Admin(kp.settings, kp.db, kp.setting_id, kp.profile, kp.clock)


async def command(app: Running, handler: Any, **arguments: Any) -> int:
    code = int(await handler(argparse.Namespace(**arguments), admin(app)))
    app.keyperson.dispatcher.wake()  # the server's dispatcher would see the rows within 5 s
    return code


async def sms(app: Running, number: str, body: str) -> None:
    """A text from a phone, through the signed Twilio webhook."""
    from tests.test_e2e_sms import inbound_form, signed

    path = "/webhooks/twilio/sms"
    form = inbound_form(f"SM{abs(hash((number, body))):032d}", number, body)
    public = str(app.http.base_url).rstrip("/")
    response = await app.http.post(path, **signed(public, path, form))
    assert response.status_code == 200


async def texts(app: Running, number: str, count: int) -> list[str]:
    return [m["Body"] for m in await app.sms_to(number, count)]


async def test_an_agency_notice_reaches_both_informed_carers_on_their_channels(tmp_path):
    async with running(tmp_path) as app:
        await link_laura(app)
        code = await command(
            app,
            agency_command.run_add,
            child="C01",
            agency="health visitor",
            what="we shared Amelia's notes from nursery",
            when=None,
            not_yet=True,
            as_written=False,
        )
        assert code == 0
        on_telegram = (await app.messages_to(LAURA_CHAT, 4))[-1]["text"]
        assert on_telegram.startswith(
            "About Amelia: we plan to contact the health visitor, and we want you to know first."
        )
        assert "What: we shared Amelia's notes from nursery" in on_telegram
        (by_sms,) = await texts(app, SAM, 1)
        assert by_sms == on_telegram
        assert not [m for m in app.twilio.messages if m["To"] == DAN]
        told = app.scalar(
            "SELECT group_concat(channels, ',') FROM agency_notices ORDER BY carer_id"
        )
        assert told == "telegram,sms"


async def test_a_referral_asked_of_two_carers_answered_on_each_channel_then_withdrawn(tmp_path):
    async with running(tmp_path) as app:
        await link_laura(app)
        code = await command(
            app,
            referral_command.run_add,
            child="C01",
            to="speech and language therapy service",
            why="Amelia finds some sounds hard, and they have good ideas for play",
            as_written=False,
        )
        assert code == 0
        asked = app.delivered(LAURA_CHAT, (await app.messages_to(LAURA_CHAT, 4))[-1])
        assert asked["text"].startswith(
            "About Amelia: we would like to ask the speech and language therapy service to help "
            "Amelia.\nThe speech and language therapy service helps children with talking"
        )
        assert asked["text"].endswith("We will only do this if you agree. The reference is R-1001.")
        assert buttons(asked) == {
            "referral_yes:1001": "Yes",
            "referral_no:1001": "No",
            "referral_ask:1001": "I have questions first",
        }
        (to_sam,) = await texts(app, SAM, 1)
        assert to_sam.endswith(
            "Reply R-1001 YES, R-1001 NO, or R-1001 ASK if you have questions first."
        )
        assert not [m for m in app.twilio.messages if m["To"] == DAN]

        # Laura agrees with a button, and says what she would like them to know.
        await app.post(press(LAURA_CHAT, asked, "referral_yes:1001"))
        views = app.delivered(LAURA_CHAT, (await app.messages_to(LAURA_CHAT, 5))[-1])
        assert "Is there anything you would like them to know?" in views["text"]
        assert buttons(views) == {"nothing": "No, nothing"}
        await app.say(LAURA_CHAT, "She sings all day, and is shy with new people.")
        kept = (await app.messages_to(LAURA_CHAT, 6))[-1]["text"]
        assert kept.startswith("Thank you. Your words will go to the speech and language therapy")
        # The key person and the SENCo hear each step.
        for phone in (TOM, PRIYA):
            said = await texts(app, phone, 2)
            assert said[0] == (
                "Referral R-1001 of Amelia to speech and language therapy service: Laura "
                "Hughes (mum) agreed."
            )
            assert said[1].endswith('"She sings all day, and is shy with new people."')

        # Sam has a question first, by SMS (his first text: the welcome comes too), then agrees.
        await sms(app, SAM, "R-1001 ask")
        asked_what = (await texts(app, SAM, 3))[-1]
        assert asked_what == (
            "What would you like to ask? Write your question here.\n"
            "To leave this question, reply NOT NOW."
        )
        await sms(app, SAM, "Will they come to the nursery?")
        assert (await texts(app, SAM, 4))[-1].startswith("Thank you. Your question has gone")
        question = (await texts(app, TOM, 4))[-1]
        assert "Sam Hughes (step-dad) has a question" in question
        assert "Will they come to the nursery?" in question
        await sms(app, SAM, "R-1001 yes")
        await texts(app, SAM, 5)
        answers = app.scalar(
            "SELECT group_concat(ca.ref || ':' || a.answer || ':' || a.channel, ' ') "
            "FROM referral_answers a JOIN carers ca ON ca.id = a.carer_id ORDER BY a.id"
        )
        assert answers == (
            "P01:yes:telegram P01:views:telegram P06:questions:sms P06:questions:sms P06:yes:sms"
        )
        assert app.scalar("SELECT words FROM referral_answers WHERE answer = 'views'") == (
            "She sings all day, and is shy with new people."
        )

        assert await command(app, referral_command.run_sent, ref=1001) == 0
        assert (await texts(app, SAM, 6))[-1].startswith("The referral R-1001 for Amelia")

        # Laura withdraws from My permissions: staff are asked to tell the service.
        await app.say(LAURA_CHAT, "/permissions")
        mine = app.delivered(LAURA_CHAT, (await app.messages_to(LAURA_CHAT, 8))[-1])
        assert (
            "R-1001: Amelia, speech and language therapy service: agreed and sent" in mine["text"]
        )
        assert buttons(mine) == {"withdraw:1001": "Withdraw R-1001 (Amelia)", "not_now": "Not now"}
        await app.post(press(LAURA_CHAT, mine, "withdraw:1001"))
        done = (await app.messages_to(LAURA_CHAT, 9))[-1]["text"]
        assert done.startswith("Thank you. Your agreement to R-1001 for Amelia is withdrawn")
        told = (await texts(app, PRIYA, 6))[-1]  # after agreed, views, questions, agreed
        assert told.startswith(
            "Referral R-1001 of Amelia to speech and language therapy service: Laura Hughes "
            "(mum) withdrew their agreement. It was sent on "
        )
        assert told.endswith("please tell speech and language therapy service today.")
        assert app.scalar("SELECT COUNT(*) FROM referral_answers WHERE answer = 'withdrawn'") == 1


async def test_agency_and_referral_from_staff_phones_by_sms_through_the_router(tmp_path):
    from tests.harness import LAURA, make_keyperson, say
    from tests.test_e2e_absence import PRIYA as PRIYA_PHONE

    kp = await make_keyperson(tmp_path)
    try:
        for text in ("AGENCY", "1", "1", "We shared her notes from nursery", "1"):
            asked = (await say(kp, TOM, text))[-1]  # the first after the welcome
        assert asked.body.startswith(
            "Amelia's family will be told now, in their language, that we have been in touch "
            "with health visitor:"
        )
        sent = await say(kp, TOM, "1")
        assert [r.address for r in sent] == [LAURA, TOM]  # not Dan: no information
        assert sent[0].body.startswith(
            "About Amelia: we have been in touch with the health visitor."
        )
        assert sent[1].body == "Recorded, and Amelia's family has been told."

        for text in ("REFERRAL", "Amelia", "2", "She finds some sounds hard"):
            asked = (await say(kp, PRIYA_PHONE, text))[-1]
        assert "Nothing goes to speech and language therapy service until they agree." in asked.body
        made = await say(kp, PRIYA_PHONE, "1")
        assert [r.address for r in made] == [LAURA, PRIYA_PHONE]
        assert made[0].body.endswith(
            "Reply R-1001 YES, R-1001 NO, or R-1001 ASK if you have questions first."
        )
        assert made[1].body.startswith("Referral R-1001 for Amelia: the family has been asked.")
        answered = await say(kp, LAURA, "R-1001 yes")
        # The maker (Priya, also the SENCo) and the key person hear it; Laura is asked for views.
        # (Laura's first text: the welcome comes first.)
        to_staff = [r.address for r in answered if r.address != LAURA]
        assert sorted(to_staff) == sorted([PRIYA_PHONE, TOM])  # Priya once, as SENCo and maker
        assert "Is there anything you would like them to know?" in answered[-1].body
    finally:
        await kp.db.close()
