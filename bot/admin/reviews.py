"""Reviews from the command line: schedule, move, cancel, send the summary, and list them.

Everything a family receives goes through the reviews flow: this module keeps the review and
sets its timers (bot.domain.reviews.plan), each fired as an event under the person's lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import KeypersonError
from bot.domain.messages import Text
from bot.domain.people import PersonKind
from bot.domain.reminders import local_stamp
from bot.domain.reviews import (
    CANCELLED,
    FLOW,
    MOVED,
    SUMMARY,
    Address,
    FamilyStatus,
    PlannedTimer,
    Review,
    late_enough,
    notices,
    plan,
    ref,
)
from bot.domain.setting import SettingProfile
from bot.domain.translations import Delivery, WaitingTimer
from bot.engine import translating
from bot.language.catalogs import Catalogs
from bot.storage.repos import Repos
from bot.storage.rows import NewOutbox

KIND = "review"  # the kind `keyperson reminders` shows


class ReviewError(KeypersonError):
    """A review command that cannot be done, with what to put right."""


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A review kept, and what the person who scheduled it should know."""

    review: Review
    invited: tuple[str, ...]  # carers' names
    not_reachable: tuple[str, ...]  # carers with no channel to reach them on


async def _addresses(
    repos: Repos, kind: PersonKind, ids: Sequence[int]
) -> tuple[list[Address], list[int]]:
    """Each person's address on their chosen channel; and those with none."""
    found, missing = [], []
    for person_id in dict.fromkeys(ids):
        contacts = (await repos.links.route(kind, person_id)).chosen(True)
        if contacts:
            c = contacts[0]
            found.append(Address(kind.value, person_id, c.channel, c.address))
        else:
            missing.append(person_id)
    return found, missing


async def _people(repos: Repos, review: Review) -> tuple[list[Address], list[Address], list[int]]:
    carers, sencos = await repos.reviews.people(review.child_id)
    families, missing = await _addresses(repos, PersonKind.CARER, carers)
    staff_ids = [*([review.key_person_id] if review.key_person_id else []), *sencos]
    staff, _ = await _addresses(repos, PersonKind.STAFF, [*staff_ids, *review.with_staff])
    return families, staff, missing


async def _set(repos: Repos, review: Review, timers: list[PlannedTimer]) -> None:
    for t in timers:
        await repos.reminders.add(
            review.setting_id,
            t.to.channel,
            t.to.address,
            FLOW,
            t.due,
            t.described,
            {**t.payload, "does": t.rule},
            kind=KIND,
            subject=review.subject,
            about=review.about,
            event_at=review.at,
        )


async def schedule(
    repos: Repos,
    profile: SettingProfile,
    setting_id: int,
    child_ref: str,
    at: datetime,
    place: str,
    kind: str,
    with_refs: Sequence[str],
    by: str,
    now: datetime,
) -> Scheduled:
    """Keep a review and set its timers: the invitation goes to every carer told about the
    child (receives_information = yes) at once, or when quiet hours end."""
    child_id = await repos.reviews.child_by_ref(setting_id, child_ref)
    if child_id is None:
        raise ReviewError(f"--child: no child {child_ref!r} on file")
    if not late_enough(at, now):
        raise ReviewError("--at: the review must be in the future")
    with_staff = []
    for staff_ref in with_refs:
        found = await repos.links.by_ref(setting_id, PersonKind.STAFF, staff_ref)
        if found is None:
            raise ReviewError(f"--with: no member of staff {staff_ref!r} on file")
        with_staff.append(found[0])
    review = await repos.reviews.add(setting_id, child_id, at, place, kind, with_staff, by, now)
    families, staff, missing = await _people(repos, review)
    await repos.reviews.invite(review.id, [f.person_id for f in families])
    await _set(repos, review, plan(review, families, staff, profile, now))
    await repos.audit.record(setting_id, by, "review.added", review.subject, {}, now)
    names = [(await repos.people.carer(f.person_id)).name for f in families]
    lost = [(await repos.people.carer(c)).name for c in missing]
    return Scheduled(review, tuple(names), tuple(lost))


async def find(repos: Repos, setting_id: int, reference: str) -> Review:
    """The review a typed reference names."""
    from bot.domain.reviews import parse_ref

    number = parse_ref(reference)
    review = await repos.reviews.find(setting_id, number) if number is not None else None
    if review is None:
        raise ReviewError(f"no review {reference!r}: references look like {ref(1001)}")
    return review


async def move(
    repos: Repos, profile: SettingProfile, review: Review, at: datetime, by: str, now: datetime
) -> Review:
    """Move a review: its reminders go, new ones are set, and families are asked again."""
    if review.cancelled:
        raise ReviewError(f"{review.ref} was cancelled")
    if not late_enough(at, now):
        raise ReviewError("--at: the review must be in the future")
    await repos.reminders.cancel_subject(review.subject, now)
    await repos.reviews.move(review.id, at, now)
    moved = await repos.reviews.get(review.id)
    assert moved is not None
    families, staff, _ = await _people(repos, moved)
    invited = {f.carer_id for f in await repos.reviews.families(review.id)}
    families = [f for f in families if f.person_id in invited]
    timers = plan(moved, families, staff, profile, now, invite=False)
    await _set(repos, moved, [*notices(moved, families, MOVED, profile, now), *timers])
    details = {"from": review.at.isoformat(), "to": at.isoformat()}
    await repos.audit.record(review.setting_id, by, "review.moved", review.subject, details, now)
    return moved


async def cancel(
    repos: Repos, profile: SettingProfile, review: Review, by: str, now: datetime
) -> None:
    """Cancel a review: its reminders go and the families are told."""
    if review.cancelled:
        raise ReviewError(f"{review.ref} was cancelled already")
    await repos.reminders.cancel_subject(review.subject, now)
    await repos.reviews.cancel(review.id, now)
    families, _, _ = await _people(repos, review)
    invited = {f.carer_id for f in await repos.reviews.families(review.id)}
    families = [f for f in families if f.person_id in invited]
    await _set(repos, review, notices(review, families, CANCELLED, profile, now))
    await repos.audit.record(review.setting_id, by, "review.cancelled", review.subject, {}, now)


async def send_summary(
    repos: Repos,
    profile: SettingProfile,
    review: Review,
    text: str,
    by: str,
    now: datetime,
    catalogs: Catalogs | None = None,
) -> int:
    """Keep the plain summary and send it to each invited family; how many families. With
    [languages] translate_staff_text, families of a language with a translator are told at
    once that it is on its way, and get it (as a question) once translated."""
    if review.cancelled:
        raise ReviewError(f"{review.ref} was cancelled")
    if not text.strip():
        raise ReviewError("--text: the summary is empty")
    await repos.reviews.set_summary(review.id, text.strip(), now)
    summarised = await repos.reviews.get(review.id)
    assert summarised is not None
    families, _, _ = await _people(repos, summarised)
    invited = {f.carer_id for f in await repos.reviews.families(review.id)}
    families = [f for f in families if f.person_id in invited]
    timers = notices(summarised, families, SUMMARY, profile, now)
    # Sent after the review: its reminders' "never after the event" does not apply.
    waiting = [
        WaitingTimer(
            t.to.channel, t.to.address, FLOW, t.described, {**t.payload, "does": t.rule},
            kind=KIND, subject=f"{review.subject}:summary", about=review.about,
        )
        for t in timers
    ]  # fmt: skip
    held, rows = await _translated(repos, profile, summarised, timers, waiting, by, now, catalogs)
    for t, w in zip(timers, waiting, strict=True):
        if t.to.person_id not in held:
            await repos.reminders.add(
                review.setting_id, w.channel, w.address, w.flow, t.due, w.rule, dict(w.payload),
                kind=w.kind, subject=w.subject, about=w.about,
            )  # fmt: skip
    if rows:
        await repos.outbox.add(rows, now)
    await repos.audit.record(review.setting_id, by, "review.summary", review.subject, {}, now)
    return len(timers)


async def _translated(
    repos: Repos,
    profile: SettingProfile,
    review: Review,
    timers: list[PlannedTimer],
    waiting: list[WaitingTimer],
    by: str,
    now: datetime,
    catalogs: Catalogs | None,
) -> tuple[set[int], list[NewOutbox]]:
    """The families whose summary waits for a translator, and the rows telling them and the
    translators ([languages] translate_staff_text; one task per language)."""
    if not profile.translate_staff_text or not timers or not review.summary:
        return set(), []
    held = [
        translating.Held(t.to.person_id, (await repos.people.carer(t.to.person_id)).language, w)
        for t, w in zip(timers, waiting, strict=True)
    ]
    told = await translating.told(repos, review.setting_id, by)
    about = f"{review.ref}, {review.child_name}"
    delivery = Delivery("review.summary", "summary", ())
    wanted = translating.ForFamilies("", review.summary, profile.name, about, delivery, told, by)
    coming = Text("translation.summary_coming", {"child": review.child_name})
    return await translating.hold_for_translation(
        repos, catalogs or Catalogs.load(), profile, review.setting_id, wanted, held, coming, now,
        timers[0].due,
    )  # fmt: skip


def _family_line(name: str, status: FamilyStatus, zone: str) -> str:
    answer = {
        None: "not answered yet",
        "come": "accepted",
        "another_time": "asked to move",
        "interpreter": "asked for an interpreter",
        "bring": "is bringing someone",
    }[status.answer]
    parts = [f"{name}: {answer}"]
    if status.answer_words:
        parts[0] += f' ("{status.answer_words}")'
    if status.views_done_at:
        parts.append(f"views received {local_stamp(status.views_done_at, zone)}")
    elif status.views:
        parts.append(f"views: {len(status.views)} of 3 so far")
    if status.summary_answer:
        said = {"agree": "agrees", "add": "added", "question": "asked"}[status.summary_answer]
        words = f' "{status.summary_words}"' if status.summary_words else ""
        parts.append(f"summary: {said}{words}")
    return "; ".join(parts)


async def listed(
    repos: Repos, setting_id: int, profile: SettingProfile, child_ref: str | None
) -> list[str]:
    """`keyperson review list`: each review's time, child, state and each family's part."""
    child_id = None
    if child_ref is not None:
        child_id = await repos.reviews.child_by_ref(setting_id, child_ref)
        if child_id is None:
            raise ReviewError(f"--child: no child {child_ref!r} on file")
    lines = []
    zone = profile.time_zone
    for review in await repos.reviews.listed(setting_id, child_id):
        state = "invited"
        if review.summary_at:
            state = f"summary sent {local_stamp(review.summary_at, zone)}"
        if review.cancelled:
            state = "cancelled"
        extra = f"; interpreter: {review.interpreter}" if review.interpreter else ""
        lines.append(
            f"{review.ref}  {review.child_name} {review.child_last_name}  "
            f"{local_stamp(review.at, zone)}  {review.place or 'at the nursery'}  {review.kind}  "
            f"[{state}{extra}]"
        )
        for status in await repos.reviews.families(review.id):
            name = (await repos.people.carer(status.carer_id)).name
            lines.append("    " + _family_line(name, status, zone))
    return lines
