"""The flow registry: built from the specs alone, checked when it is built, and open to a new
capability without a change to the engine."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from bot.domain.messages import Text
from bot.engine.registry import Registry, RegistryError
from bot.flows import specs
from bot.flows.base import (
    ChoiceMade,
    Command,
    Context,
    Fact,
    FlowSpec,
    MenuEntry,
    RecordAudit,
    Reply,
    TextReceived,
    Transition,
    Trigger,
)
from bot.language.catalogs import Catalogs
from bot.language.keywords import Keywords, shipped_keywords
from tests.conftest import carer, staff

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _knock(ctx: Context) -> Transition:
    return Transition("knock", {"step": "who"}, (Reply(Text("label.raw", {"text": "Who?"})),))


def _step(state, event, now) -> Transition:
    return Transition(None, {}, (Reply(Text("label.raw", {"text": "Done"})),))


KNOCK = FlowSpec(
    "knock",
    step=_step,
    triggers=(Trigger("knock", _knock, who="carer"),),
    menu=(MenuEntry("knock", _knock, who="carer", order=5),),
    commands=(Command("knock", carer=1),),
    facts=(Fact("visits", "visits", "count", lambda ctx, inbound, now: None),),
)


def words_with_knock() -> Keywords:
    shipped = shipped_keywords()
    return Keywords({**shipped.words, "knock": frozenset({"knock", "puk puk"})})


def test_the_shipped_specs_fill_every_role_once_and_have_words_for_every_trigger() -> None:
    registry = Registry(specs(), Keywords.from_catalogs(Catalogs.load()))
    assert registry.commands("carer") == (
        "start", "info", "wow", "absent", "concern", "settings", "permissions", "help"
    )  # fmt: skip
    assert registry.commands("staff") == (
        "update", "wow", "reply", "concerns", "info", "agency", "translations", "visit",
        "referral", "help", "start",
    )  # fmt: skip


def test_a_new_capability_is_dispatched_offered_and_listed_from_its_spec_alone(profile) -> None:
    registry = Registry((*specs(), KNOCK), words_with_knock())
    ctx = Context(profile, carer=carer())
    ctx = dataclasses.replace(ctx, offers=registry.offers(ctx))
    assert registry.commands("carer")[0] == "knock"
    assert ctx.offers[0].key == "knock"
    typed = registry.run(None, {}, TextReceived("Puk puk!", ctx), NOW)
    assert typed.flow == "knock"
    pressed = registry.run(None, {}, ChoiceMade("knock", ctx), NOW)
    assert pressed.flow == "knock"
    # Typed in the middle of another question, the trigger word is obeyed.
    asked = registry.run("preferences", {"step": "mode"}, TextReceived("KNOCK", ctx), NOW)
    assert asked.flow == "knock"
    # Only the flows that may step load their facts: the new one for its word, not for text.
    assert KNOCK in registry.candidates(None, TextReceived("knock", ctx))
    assert KNOCK not in registry.candidates(None, TextReceived("Jan has a cold", ctx))
    # Staff are not its audience: the word is an ordinary message from them.
    staff_ctx = Context(profile, staff=staff())
    assert registry.run(None, {}, TextReceived("knock", staff_ctx), NOW).flow != "knock"


def test_a_trigger_without_words_in_any_catalog_is_refused() -> None:
    with pytest.raises(RegistryError, match=r"trigger\.knock"):
        Registry((*specs(), KNOCK), shipped_keywords())


def test_a_role_filled_twice_or_a_name_used_twice_is_refused() -> None:
    shipped = specs()
    helper = next(s for s in shipped if s.on_help is not None)
    twice = FlowSpec("second_help", on_help=helper.on_help)
    with pytest.raises(RegistryError, match="on_help"):
        Registry((*shipped, twice), shipped_keywords())
    with pytest.raises(RegistryError, match="two flows"):
        Registry((*shipped, dataclasses.replace(helper)), shipped_keywords())


def test_without_a_flow_for_free_text_the_registry_is_refused() -> None:
    without = tuple(s for s in specs() if s.message is None)
    with pytest.raises(RegistryError, match="message"):
        Registry(without, shipped_keywords())


def test_trigger_words_come_from_every_catalog() -> None:
    words = Keywords.from_catalogs(Catalogs.load())
    assert words.said("info", "INFO!") and words.said("info", "informacja")
    assert words.said("leave", "Not now") and words.said("leave", "nie teraz")
    assert not words.said("info", "information please")  # a whole answer, not a word in it


class Recording:
    """A repository bundle that records which methods were called."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, repository: str) -> object:
        calls = self.calls

        class Repository:
            def __getattr__(self, method: str) -> object:
                async def call(*args: object) -> object:
                    calls.append(f"{repository}.{method}")
                    return [] if method != "reply_codes" else {}

                return call

        return Repository()


async def test_only_the_facts_of_the_flows_that_may_step_are_loaded(profile) -> None:
    from bot.domain.messages import Channel, Inbound
    from bot.engine.lookup import Lookup

    registry = Registry(specs(), shipped_keywords())
    lookup = Lookup(profile, 1, registry=registry)

    async def loaded(ctx: Context, text: str) -> list[str]:
        repos = Recording()
        inbound = Inbound(Channel.SMS, "+447700900001", "SM1", NOW, text)
        event = TextReceived(text, ctx)
        await lookup.facts(repos, registry.candidates(None, event), ctx, inbound, NOW)  # type: ignore[arg-type]
        return repos.calls

    carer_ctx = Context(profile, carer=carer(), setting_id=1)
    staff_ctx = Context(profile, staff=staff(), setting_id=1)
    # A family's message loads what the relay needs, nothing of the daily update.
    assert "threads.reply_codes" in await loaded(carer_ctx, "Amelia has a cough")
    assert "news.key_children" not in await loaded(carer_ctx, "Amelia has a cough")
    # UPDATE from staff loads their key children, and no conversation of the relay.
    update = await loaded(staff_ctx, "UPDATE")
    assert "news.key_children" in update and "threads.recent" not in update
    # A staff answer naming no code loads the conversations they may answer, no code checks.
    answer = await loaded(staff_ctx, "She is fine")
    assert "threads.recent" in answer and "audit.count_since" not in answer
    # Naming a code loads the checks against guessing.
    assert "audit.count_since" in await loaded(staff_ctx, "#K7QM2 She is fine")


def _watch(text: str, ctx: Context, now: datetime) -> tuple[RecordAudit, ...]:
    if "owl" not in text.casefold():
        return ()
    return (RecordAudit("owl.seen", None, {"said": text, "fact": ctx.facts.get("owls")}),)


OWL = FlowSpec(
    "owl",
    watch=_watch,
    facts=(Fact("owls", "owls", "count", lambda ctx, inbound, now: (1,)),),
)


def _seen(transition: Transition) -> list[str]:
    return [e.details["said"] for e in transition.effects if isinstance(e, RecordAudit)
            and e.action == "owl.seen"]  # fmt: skip


def test_a_watcher_sees_every_text_a_carer_sends_whatever_flow_takes_it(profile) -> None:
    registry = Registry((*specs(), KNOCK, OWL), words_with_knock())
    codes = {c.child_id: "K7QM2" for c in carer().children}
    ctx = Context(profile, carer=carer(), setting_id=1, facts={"threads": codes})
    # An ordinary message: the relay takes it and the watcher's effects are added to its own.
    plain = registry.run(None, {}, TextReceived("An owl in the garden", ctx), NOW)
    unwatched = Registry((*specs(), KNOCK), words_with_knock()).run(
        None, {}, TextReceived("An owl in the garden", ctx), NOW
    )
    assert _seen(plain) == ["An owl in the garden"]
    assert plain.effects[: len(unwatched.effects)] == unwatched.effects
    assert (plain.flow, plain.state) == (unwatched.flow, unwatched.state)
    # An answer typed to an open question, and a trigger word's flow: seen as well.
    asked = registry.run("preferences", {"step": "mode"}, TextReceived("owl owl", ctx), NOW)
    assert _seen(asked) == ["owl owl"]
    knocked = registry.run(None, {}, TextReceived("knock", ctx), NOW)
    assert knocked.flow == "knock" and _seen(knocked) == []  # it says nothing of owls
    # Nothing else is changed, and words without an owl add nothing.
    assert _seen(registry.run(None, {}, TextReceived("A cat", ctx), NOW)) == []
    # A choice is not text; staff are not watched.
    assert _seen(registry.run(None, {}, ChoiceMade("owl", ctx), NOW)) == []
    staff_ctx = Context(profile, staff=staff(), setting_id=1)
    assert _seen(registry.run(None, {}, TextReceived("owl", staff_ctx), NOW)) == []


def test_a_watcher_sees_a_photo_caption_and_its_facts_are_loaded_for_carers_text(profile):
    from bot.flows.base import PhotoShared

    registry = Registry((*specs(), OWL), shipped_keywords())
    ctx = Context(profile, carer=carer(), setting_id=1)
    photo = PhotoShared("FILE1", "an owl!", ctx)
    assert _seen(registry.signal(None, {}, photo, NOW)) == ["an owl!"]
    assert OWL in registry.candidates(None, TextReceived("anything", ctx))
    assert OWL in registry.candidates("preferences", photo)
    assert OWL not in registry.candidates(None, ChoiceMade("yes", ctx))
    staff_ctx = Context(profile, staff=staff(), setting_id=1)
    assert OWL not in registry.candidates(None, TextReceived("owl", staff_ctx))
