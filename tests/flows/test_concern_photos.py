"""A photo on Telegram with a concern's words, or with a family's C-1042 addition: it reaches
the staff the concern is routed to, with a line saying a photo came with it."""

from __future__ import annotations

import dataclasses

from bot.domain.messages import Text
from bot.flows import concerns
from bot.flows.base import ChoiceMade, NotifyStaff, PhotoShared, Reply, TextReceived, Write
from bot.flows.concerns import Concern, DraftAnswer, Note
from tests.flows.dispatch import start
from tests.flows.test_concerns import TUESDAY, ctx_for, info, of, press, talk

PHOTO = "AgACAgQAAxkBAAIB"


def words_step(profile):
    *_, asked = talk(ctx_for(profile), "concern", press("care"), press("week"))
    assert asked.state["step"] == "words"
    return asked


def test_a_photo_with_a_caption_is_the_concerns_words_and_reaches_its_staff(profile):
    asked = words_step(profile)
    ctx = ctx_for(profile)
    shown = start.signal(asked.flow, asked.state, PhotoShared(PHOTO, "This mark on his arm", ctx))
    assert of(shown, Write)[0].record == DraftAnswer(
        1042, {"words": "This mark on his arm", "photo": PHOTO}
    )
    assert of(shown, Reply)[-1].text == Text("concern.ask_answer_by")
    done = start.run(shown.flow, shown.state, ChoiceMade("phone", ctx), TUESDAY)
    (kept,) = [w.record for w in of(done, Write) if isinstance(w.record, Concern)]
    assert (kept.words, kept.photo) == ("This mark on his arm", PHOTO)
    told = of(done, NotifyStaff)
    assert [n.staff_id for n in told] == [10, 1] and all(n.photo == PHOTO for n in told)
    assert told[0].text.key == "concern.with_photo"
    assert told[0].text.params["message"].key == "concern.to_staff"


def test_a_photo_alone_is_kept_and_the_words_asked_for(profile):
    asked = words_step(profile)
    ctx = ctx_for(profile)
    kept = start.signal(asked.flow, asked.state, PhotoShared(PHOTO, "", ctx))
    assert kept.flow == concerns.NAME and kept.state["photo"] == PHOTO
    assert of(kept, Reply)[-1].text == Text("concern.photo_kept")
    words = start.run(kept.flow, kept.state, TextReceived("It was there at pickup", ctx), TUESDAY)
    assert words.state["photo"] == PHOTO and words.state["words"] == "It was there at pickup"


def test_a_photo_at_another_step_is_not_taken_as_the_concern(profile):
    (topic,) = talk(ctx_for(profile), "concern")
    other = start.signal(topic.flow, topic.state, PhotoShared(PHOTO, "", ctx_for(profile)))
    assert not [w for w in of(other, Write) if isinstance(w.record, DraftAnswer)]


def test_a_photo_captioned_with_a_reference_is_added_to_the_concern(profile):
    ctx = ctx_for(profile)
    ctx = dataclasses.replace(ctx, facts={**ctx.facts, "concern": info(carer_id=ctx.carer.id)})
    added = start.signal(None, {}, PhotoShared(PHOTO, "C-1042 it looks worse today", ctx))
    assert of(added, Write)[0].record == Note(1042, "family", "it looks worse today", PHOTO)
    told = of(added, NotifyStaff)
    assert told and all(n.photo == PHOTO for n in told)
    assert of(added, Reply)[-1].text == Text("concern.added", {"reference": "C-1042"})
    # Without a reference, a family's photo is not passed on, as before.
    plain = start.signal(None, {}, PhotoShared(PHOTO, "look at this", ctx))
    assert not of(plain, Write)
