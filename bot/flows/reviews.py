"""Reviews of a child's plan, with the family as partners: invited, asked for their views first,
reminded, and sent a plain summary they can agree with, add to or question.

Every step a family sees starts from a timer the review set (bot.domain.reviews.plan), fired
under the carer's lock:
invite / moved ──► "Can you come?" ──I can come──► thanks; the key person is told
                                   ──Another time──► which days and times? ──► the SENCo
                                   ──Interpreter──► the manager and the family's translators
                                   ──Bring someone──► who? ──► key person and SENCo
views ──► three questions, one at a time, each answered or skipped; Not now and VIEWS later
      ──► all answered: the answers together to the key person and SENCo
views_due (09:00 the day before) ──► whatever came back goes to them
remind ──► families and staff; summary ──► I agree / I'd like to add something / a question
A timer whose review was moved or cancelled since it was set does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.messages import Choice, Inbound, LocalTime, Priority, Text
from bot.domain.reviews import (
    CANCELLED,
    FLOW,
    INVITE,
    INVITE_ANSWERS,
    MOVED,
    PLAN,
    QUESTIONS,
    REMIND,
    SUMMARY,
    SUMMARY_ANSWERS,
    VIEWS,
    VIEWS_DUE,
    FamilyStatus,
    InviteAnswer,
    Invited,
    Review,
    SummaryReply,
    ViewAnswer,
    ViewsHanded,
    plan,
)
from bot.domain.translations import UNTRANSLATED
from bot.flows.base import (
    ChoiceMade,
    Context,
    Effect,
    Event,
    Fact,
    FlowSpec,
    NotifyCarer,
    NotifyStaff,
    PhotoShared,
    RecordAudit,
    Reply,
    SetTimer,
    State,
    TextReceived,
    TimerFired,
    Transition,
    Trigger,
    Write,
    end,
)
from bot.flows.steps.questions import answers_nothing, leave_button, leave_option

NAME = FLOW
SKIP = "review_skip"
ASKED = {
    "going_well": "review.q.going_well",
    "worries": "review.q.worries",
    "next": "review.q.next",
}


def _timer_review(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    payload = ctx.facts.get("timer")
    return (int(payload["review"]),) if payload and "review" in payload else None


def _awaiting(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    return (ctx.carer.id, now) if ctx.carer is not None else None


def _family(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    review = ctx.facts.get("review") or ctx.facts.get("awaiting")
    return (review.id, ctx.carer.id) if review is not None and ctx.carer is not None else None


def _helpers(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    if ctx.setting_id is None:
        return None
    return (ctx.setting_id, ctx.carer.language if ctx.carer is not None else "")


def _planned_args(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    payload = ctx.facts.get("timer")
    if not payload or payload.get("does") != PLAN:
        return None
    return (int(payload["child_id"]), datetime.fromisoformat(str(payload["at"])))


def _addresses(ctx: Context, inbound: Inbound, now: datetime) -> tuple[Any, ...] | None:
    review = ctx.facts.get("planned")
    return (review.id,) if review is not None else None


FACTS = (
    Fact("review", "reviews", "get", _timer_review),
    Fact("planned", "reviews", "find_at", _planned_args),
    Fact("addresses", "reviews", "addresses", _addresses),
    Fact("awaiting", "reviews", "awaiting_views", _awaiting),
    Fact("family", "reviews", "family", _family),
    Fact("helpers", "reviews", "helpers", _helpers, default={}),
)


def _when(review_at: datetime, ctx: Context) -> LocalTime:
    zone = ZoneInfo(ctx.setting.time_zone if ctx.setting else "Europe/London")
    return LocalTime(review_at.astimezone(zone), with_date=True)


def _about(review: Review, ctx: Context) -> dict[str, Any]:
    """What every message about a review says, and what the conversation keeps."""
    return {
        "review": review.id,
        "ref": review.ref,
        "child": review.child_name,
        "child_id": review.child_id,
        "at": review.at.isoformat(),
        "key_person": review.key_person_id,
    }


def _params(state: Mapping[str, Any], ctx: Context, **more: Any) -> dict[str, Any]:
    at = datetime.fromisoformat(str(state["at"]))
    carer = ctx.carer.name if ctx.carer is not None else ""
    return {
        "ref": state["ref"],
        "child": state["child"],
        "when": _when(at, ctx),
        "carer": carer,
        **more,
    }


def _staff(state: Mapping[str, Any], ctx: Context, *roles: str) -> tuple[int, ...]:
    """The staff a family's answer goes to: the key person ("key_person") and role holders."""
    helpers: Mapping[str, tuple[int, ...]] = ctx.facts.get("helpers") or {}
    found: list[int] = []
    for role in roles:
        if role == "key_person":
            found += [int(state["key_person"])] if state.get("key_person") else []
        else:
            found += helpers.get(role, ())
    return tuple(dict.fromkeys(found)) or helpers.get("manager", ())


def _tell(ids: tuple[int, ...], key: str, params: Mapping[str, Any]) -> tuple[Effect, ...]:
    return tuple(NotifyStaff(s, Text(key, params), priority=Priority.NORMAL) for s in ids)


def _keep(state: State, *effects: Effect) -> Transition:
    """Effects that leave the conversation as it is."""
    return Transition(NAME if state else None, state, effects)


# -- timers ----------------------------------------------------------------------------------


def timer(state: State, fired: TimerFired, now: datetime) -> Transition:
    """A review's timer for this person: nothing if the review has moved or been cancelled."""
    ctx, payload = fired.ctx, fired.payload
    does = str(payload.get("does", fired.rule))
    review: Review | None = ctx.facts.get("review") or ctx.facts.get("planned")
    if review is None or (does != CANCELLED and not _current(review, payload)):
        subject = f"review:{payload.get('review')}"
        return _keep(state, RecordAudit("review.timer_dropped", subject, {"does": does}))
    about = _about(review, ctx)
    if ctx.staff is not None and does == PLAN:
        return _keep(state, *_planned(ctx, now))
    if ctx.staff is not None:
        if does != REMIND:
            return _keep(state)
        params = {**_params(about, ctx), "place": _place(review), "kind": review.kind}
        return _keep(
            state,
            NotifyStaff(
                ctx.staff.id, Text("review.remind_staff", params), priority=Priority.NORMAL
            ),
        )
    family: FamilyStatus | None = ctx.facts.get("family")
    if ctx.carer is None or family is None:
        return _keep(state)  # no longer invited (left, or no longer told about the child)
    return _for_family(state, does, review, family, about, ctx, payload)


def _summary(written: str, payload: Mapping[str, Any]) -> str | Text:
    """The summary as written, or as translated for this family ([languages]
    translate_staff_text), or in English with a note when no translation came in time."""
    words = payload.get("summary")
    if not isinstance(words, str) or not words:
        return written
    if payload.get(UNTRANSLATED):
        return Text("translation.in_english", {"text": Text("label.raw", {"text": words})})
    return Text("label.raw", {"text": words})


def _place(review: Review) -> Text:
    """Where, in the reader's language when it is the setting itself."""
    return Text("label.raw", {"text": review.place}) if review.place else Text("review.at_nursery")


def _planned(ctx: Context, now: datetime) -> tuple[Effect, ...]:
    """A review staff scheduled from a phone: its timers set, the families to be invited
    recorded, and the sender told its reference and who is invited."""
    review: Review | None = ctx.facts.get("planned")
    families, staff = ctx.facts.get("addresses") or ([], [])
    if review is None or ctx.setting is None:
        return ()
    timers = tuple(
        SetTimer(
            FLOW, t.due, t.described, {**t.payload, "does": t.rule},
            to=(t.to.channel, t.to.address), kind="review", subject=review.subject,
            about=review.about, event_at=review.at,
        )
        for t in plan(review, families, staff, ctx.setting, now)
    )  # fmt: skip
    invited = tuple(f.person_id for f in families)
    params = {**_params(_about(review, ctx), ctx), "place": _place(review), "count": len(invited)}
    return (
        *timers,
        Write(Invited(review.id, invited)),
        Reply(Text("review.staff_scheduled", params)),
        RecordAudit("review.added", review.subject),
    )


def _current(review: Review, payload: Mapping[str, Any]) -> bool:
    at = payload.get("at")
    return not review.cancelled and at is not None and datetime.fromisoformat(str(at)) == review.at


def _for_family(
    state: State,
    does: str,
    review: Review,
    family: FamilyStatus,
    about: dict[str, Any],
    ctx: Context,
    payload: Mapping[str, Any] | None = None,
) -> Transition:
    params = {**_params(about, ctx), "place": _place(review), "kind": review.kind}
    child = review.child_id
    if does in (INVITE, MOVED):
        key = "review.invite" if does == INVITE else "review.moved"
        choices = tuple(Choice(f"review_{a}") for a in INVITE_ANSWERS)
        question = Reply(Text(key, params), (*choices, leave_option()))
        return Transition(NAME, {**about, "step": "invite"}, (question,))
    if does == VIEWS and family.views_done_at is None:
        intro = Reply(Text("review.views_intro", params))
        return _ask(about, family, ctx, (intro,))
    if does == VIEWS_DUE and family.views_done_at is None:
        return _keep(state, *_hand_over(about, family, ctx))
    if does in (REMIND, CANCELLED):
        key = "review.remind" if does == REMIND else "review.cancelled"
        # Essential (SMS if Telegram fails), and held by quiet hours like any routine message.
        told = NotifyCarer(family.carer_id, Text(key, params), about_child=child,
                           priority=Priority.NORMAL, essential=True)  # fmt: skip
        return _keep(state, told)
    if does == SUMMARY and review.summary:
        summary = _summary(review.summary, payload or {})
        text = Text("review.summary", {**params, "summary": summary})
        choices = tuple(Choice(f"review_{a}") for a in SUMMARY_ANSWERS)
        return Transition(NAME, {**about, "step": "summary"}, (Reply(text, choices),))
    return _keep(state)


# -- the family's views ----------------------------------------------------------------------


def _ask(
    about: Mapping[str, Any], family: FamilyStatus, ctx: Context, before: tuple[Effect, ...] = ()
) -> Transition:
    """The next question not yet answered, or the views handed over when all are."""
    answers = dict(family.views)
    question = family.next_question()
    if question is None:
        return end(*before, *_hand_over(about, family, ctx), Reply(Text("review.views_thanks")))
    number = QUESTIONS.index(question) + 1
    text = Text(ASKED[question], {"child": about["child"], "number": number})
    asked = Reply(text, (Choice(SKIP), leave_button()))
    state = {**about, "step": "views", "question": question, "answers": answers}
    return Transition(NAME, state, (*before, asked))


def _hand_over(about: Mapping[str, Any], family: FamilyStatus, ctx: Context) -> tuple[Effect, ...]:
    """The family's answers together, with their language, to the key person and SENCo."""
    answers = dict(family.views)
    skipped = Text("review.views_skipped")
    given = {
        q: (Text("label.raw", {"text": answers[q]}) if answers.get(q) else skipped)
        for q in QUESTIONS
    }
    language = ctx.carer.language if ctx.carer is not None else ""
    params = {**_params(about, ctx), "language": language, **given}
    return (
        *_tell(_staff(about, ctx, "key_person", "senco"), "review.views_to_staff", params),
        Write(ViewsHanded(int(about["review"]))),
        RecordAudit("review.views_handed", f"review:{about['review']}"),
    )


def begin_views(ctx: Context) -> Transition:
    """VIEWS: go on with the questions of the next review that has any left."""
    review: Review | None = ctx.facts.get("awaiting")
    family: FamilyStatus | None = ctx.facts.get("family")
    if review is None or family is None:
        return end(Reply(Text("review.no_views")))
    return _ask(_about(review, ctx), family, ctx)


def _answered(
    state: State, event: Event, answer: str | None, photo: str | None = None
) -> Transition:
    question = str(state["question"])
    record = Write(ViewAnswer(int(state["review"]), question, answer, photo))
    answers = {**state.get("answers", {}), question: answer or ("(a photo)" if photo else None)}
    family = FamilyStatus(0, views=tuple(answers.items()))
    following = _ask(state, family, event.ctx)
    return Transition(following.flow, following.state, (record, *following.effects))


def _photo(state: State, signal: Any) -> Transition:
    """A photo on Telegram answers the question asked, its caption as the words."""
    if not isinstance(signal, PhotoShared) or state.get("step") != "views":
        return Transition(NAME, state, ())
    return _answered(state, signal, signal.caption.strip() or None, signal.file_id)  # type: ignore[arg-type]


# -- answers ---------------------------------------------------------------------------------


def step(state: State, event: Event, now: datetime) -> Transition:
    """The family's answer to whatever the review asked them last."""
    ctx, at = event.ctx, state.get("step")
    if ctx.carer is None:
        return Transition(None, {}, passthrough=True)
    if at == "views":
        if isinstance(event, ChoiceMade) and event.key == SKIP:
            return _answered(state, event, None)
        if isinstance(event, TextReceived) and not answers_nothing(event.text, ctx.words):
            return _answered(state, event, event.text.strip())
        return Transition(None, {}, passthrough=True)
    if isinstance(event, ChoiceMade):
        return _chosen(state, event.key, ctx)
    if isinstance(event, TextReceived) and at in WRITTEN:
        if answers_nothing(event.text, ctx.words):
            return Transition(NAME, state, (Reply(Text("review.ask_again"), (leave_button(),)),))
        return WRITTEN[str(at)](state, event.text.strip(), ctx)
    return Transition(None, {}, passthrough=True)


def _chosen(state: State, key: str, ctx: Context) -> Transition:
    answer = key.removeprefix("review_")
    rid = int(state["review"])
    params = _params(state, ctx)
    if state.get("step") == "invite" and answer in INVITE_ANSWERS:
        if answer == "come":
            return end(
                Write(InviteAnswer(rid, "come")),
                *_tell(_staff(state, ctx, "key_person"), "review.coming_to_staff", params),
                Reply(Text("review.thanks_come", params)),
            )
        if answer == "interpreter":
            language = ctx.carer.language if ctx.carer is not None else ""
            told = _staff(state, ctx, "manager", "translator")
            return end(
                Write(InviteAnswer(rid, "interpreter", language=language)),
                *_tell(told, "review.interpreter_to_staff", {**params, "language": language}),
                Reply(Text("review.thanks_interpreter", params)),
            )
        asks = {"another_time": "review.ask_times", "bring": "review.ask_bring"}[answer]
        return Transition(NAME, {**state, "step": answer}, (Reply(Text(asks), (leave_button(),)),))
    if state.get("step") == "summary" and answer in SUMMARY_ANSWERS:
        if answer == "agree":
            return end(
                Write(SummaryReply(rid, "agree")),
                *_tell(_staff(state, ctx, "senco"), "review.agreed_to_staff", params),
                Reply(Text("review.thanks_agree", params)),
            )
        asks = {"add": "review.ask_add", "question": "review.ask_question"}[answer]
        return Transition(NAME, {**state, "step": answer}, (Reply(Text(asks), (leave_button(),)),))
    return Transition(None, {}, passthrough=True)


def _written(kind: str, staff: tuple[str, ...], to_staff: str, thanks: str) -> Any:
    def take(state: State, words: str, ctx: Context) -> Transition:
        rid = int(state["review"])
        record: Any = (
            SummaryReply(rid, kind, words)
            if kind in SUMMARY_ANSWERS
            else InviteAnswer(rid, kind, words)
        )
        params = {**_params(state, ctx), "words": words}
        return end(
            Write(record),
            *_tell(_staff(state, ctx, *staff), to_staff, params),
            Reply(Text(thanks, params)),
        )

    return take


WRITTEN = {
    "another_time": _written(
        "another_time", ("senco",), "review.times_to_senco", "review.thanks_times"
    ),
    "bring": _written(
        "bring", ("key_person", "senco"), "review.bring_to_staff", "review.thanks_bring"
    ),
    "add": _written("add", ("senco",), "review.added_to_staff", "review.thanks_added"),
    "question": _written(
        "question", ("senco", "key_person"), "review.question_to_staff", "review.thanks_question"
    ),
}


def _dropped(state: State, ctx: Context) -> tuple[Effect, ...]:
    """Not now in the middle of the views: they can come back with VIEWS."""
    if state.get("step") == "views":
        return (Reply(Text("review.views_later")),)
    return ()


SPEC = FlowSpec(
    NAME,
    step=step,
    triggers=(Trigger("views", begin_views, who="carer"),),
    facts=FACTS,
    timer=timer,
    dropped=_dropped,
    while_open={PhotoShared: _photo},
    records={
        InviteAnswer: ("reviews", "answer"),
        ViewAnswer: ("reviews", "view"),
        ViewsHanded: ("reviews", "views_handed"),
        SummaryReply: ("reviews", "summary_reply"),
        Invited: ("reviews", "invited"),
    },
)
