"""A key person's daily update (or celebration) about one or more of their key children.

UPDATE / WOW ──► children (one child: skipped) ──pick, pick…, done / all──► compose
compose ──quick phrase (updates only)──► compose   ──photo──► compose (consent checked)
        ──own words / preview──► plain-words check ──flags──► plain ──use / keep / edit──►
        ──no flags──► preview (what each language's families get) ──send──► ShareNews
preview ──edit──► compose (own words cleared)      any step ──cancel──► nothing more is sent
preview ──one per child (the words name a child)──► compose for the first child ──send──►
        compose for the next child … (each family gets only its own child's update)
Only the sender's key children, or those of colleagues they cover, can be picked.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.domain.messages import Choice, Text
from bot.domain.people import KeyChild
from bot.flows.base import (
    ChoiceMade,
    Command,
    Context,
    Effect,
    Event,
    FlowSpec,
    MenuEntry,
    News,
    PhotoShared,
    PreviewNews,
    RecordAudit,
    Reply,
    ShareNews,
    State,
    TextReceived,
    Transition,
    Trigger,
    end,
)
from bot.flows.steps import facts as known
from bot.flows.steps import wording

NAME = "daily_update"
PHRASES = ("ate_well", "slept", "played_outside", "enjoyed", "tried_new")
SPLIT = "split"
# A name followed by up to three letters still names the child: Polish adds endings
# (Jan, Jana, Janem; Zofia, Zofii, Zofią), English a possessive ("Jan's").
MAX_ENDING = 3


def begin(kind: str, ctx: Context) -> Transition:
    """Start an update ("update") or a celebration ("celebration") for the sender's children."""
    if ctx.staff is None or not known.key_children(ctx):
        return end(Reply(Text("update.no_children")))
    state: State = {"kind": kind, "children": [], "phrases": [], "text": "", "photo": None}
    if len(known.key_children(ctx)) == 1:
        return _compose({**state, "children": [known.key_children(ctx)[0].id]}, ctx)
    return _ask_children(state, ctx)


def step(state: State, event: Event, now: datetime) -> Transition:
    """Continue the update from the step it is at."""
    ctx = event.ctx
    # Typed "cancel" (or NOT NOW) leaves any question, through the registry; this is the button.
    if isinstance(event, ChoiceMade) and event.key == "cancel":
        return end(*_dropped(state, ctx), RecordAudit("update.cancelled"))
    if ctx.staff is None:
        return Transition(None, {}, passthrough=True)
    where = state.get("step")
    if where == "children":
        return _children(state, event, ctx)
    if where == "compose":
        return _composed(state, event, ctx)
    if where == "plain":
        return _plain(state, event, ctx)
    if where == "preview":
        return _preview_answer(state, event, ctx)
    return Transition(None, {}, passthrough=True)


def photo(state: State, event: PhotoShared) -> Transition:
    """A photo while composing: kept when every chosen child's family agreed to photos."""
    ctx = event.ctx
    mine = _mine(state, ctx)
    refused = [c.first_name for c in mine if not c.photo_consent]
    if refused:
        reply = Reply(Text("update.photo_no_consent", {"children": tuple(refused)}))
        return Transition(NAME, state, (reply, *_compose(state, ctx).effects))
    state = {**state, "photo": event.file_id}
    if event.caption.strip():
        state["text"] = event.caption.strip()
        return _check(state, ctx)
    added = "celebration.photo_added" if _festive(state) else "update.photo_added"
    return _compose(state, ctx, Text(added))


def mentioned(text: str, children: tuple[KeyChild, ...]) -> tuple[str, ...]:
    """The first names of these children that the words use, as written (case matters, so
    "Will" is a name at the start of a word and "will" is not)."""
    found = []
    for child in children:
        name = child.first_name.strip()
        if not name:
            continue
        stem = name[:-1] if len(name) > 3 and name[-1] in "aeiouy" else name
        pattern = rf"(?<!\w){re.escape(stem)}[\w']{{0,{MAX_ENDING + len(name) - len(stem)}}}(?!\w)"
        if re.search(pattern, text):
            found.append(name)
    return tuple(dict.fromkeys(found))


def _children(state: State, event: Event, ctx: Context) -> Transition:
    yours = {c.id for c in known.key_children(ctx)}
    if isinstance(event, ChoiceMade) and event.key == "all":
        return _compose({**state, "children": [c.id for c in known.key_children(ctx)]}, ctx)
    if isinstance(event, ChoiceMade) and event.key == "done" and state["children"]:
        return _compose(state, ctx)
    if isinstance(event, ChoiceMade) and event.key.isdigit():
        if int(event.key) not in yours:
            return Transition(NAME, state, (Reply(Text("update.not_yours")),))
        chosen = [*state["children"], int(event.key)]
        if set(chosen) == yours:
            return _compose({**state, "children": chosen}, ctx)
        return _ask_children({**state, "children": chosen}, ctx)
    if isinstance(event, TextReceived) and event.text.strip() and state["children"]:
        # Writing the update straight away means the children chosen so far are all of them.
        return _check({**state, "text": event.text.strip()}, ctx)
    return _ask_children(state, ctx)


def _ask_children(state: State, ctx: Context) -> Transition:
    chosen = state["children"]
    choices = [
        Choice(str(c.id), _raw(c.first_name)) for c in known.key_children(ctx) if c.id not in chosen
    ]
    if chosen:
        choices.append(Choice("done", Text("update.choice_done")))
        text = Text("update.pick_more", {"children": _names(state, ctx)})
    else:
        choices.append(Choice("all", Text("update.choice_all")))
        text = Text("celebration.pick") if _festive(state) else Text("update.pick")
    choices.append(Choice("cancel", Text("update.choice_cancel")))
    return Transition(NAME, {**state, "step": "children"}, (Reply(text, tuple(choices)),))


def _compose(state: State, ctx: Context, note: Text | None = None) -> Transition:
    state = {**state, "step": "compose"}
    # Quick phrases are for the day's routine; a wow moment is told in the sender's own words.
    offer = () if _festive(state) else PHRASES
    choices = [Choice(p, Text(f"phrase.{p}")) for p in offer if p not in state["phrases"]]
    if state["phrases"] or state["text"] or state["photo"]:
        choices.append(Choice("preview", Text("update.choice_preview")))
    choices.append(Choice("cancel", Text("update.choice_cancel")))
    params: dict[str, Any] = {"children": _names(state, ctx)}
    written = Text("celebration.write", params) if _festive(state) else None
    text = note or written or Text("update.write", params)
    if state["phrases"] and note is None:
        phrases = tuple(Text(f"phrase.{p}") for p in state["phrases"])
        text = Text("update.added", {**params, "phrases": phrases})
    return Transition(NAME, state, (Reply(text, tuple(choices)),))


def _composed(state: State, event: Event, ctx: Context) -> Transition:
    if isinstance(event, ChoiceMade) and event.key in PHRASES and not _festive(state):
        return _compose({**state, "phrases": [*state["phrases"], event.key]}, ctx)
    if isinstance(event, ChoiceMade) and event.key == "preview":
        return _check(state, ctx)
    if isinstance(event, TextReceived) and event.text.strip():
        return _check({**state, "text": event.text.strip()}, ctx)
    return _compose(state, ctx)


def _check(state: State, ctx: Context) -> Transition:
    """The plain-words check: it flags and suggests, never blocks, never rewrites by itself."""
    found = wording.flags(ctx.glossary, state["text"], len(state["children"]) > 1)
    if not found:
        return _preview(state, ctx)
    ask = wording.question(found, Text("update.choice_edit"), Text("update.choice_cancel"))
    return Transition(NAME, {**state, "step": "plain"}, (ask,))


def _plain(state: State, event: Event, ctx: Context) -> Transition:
    if isinstance(event, ChoiceMade):
        many = len(state["children"]) > 1
        text = wording.accepted(ctx.glossary, state["text"], event.key, many)
        if text is not None:
            return _check({**state, "text": text}, ctx)
        if event.key == wording.KEEP:
            return _preview(state, ctx)
        if event.key == wording.EDIT:
            return _compose({**state, "text": ""}, ctx)
    if isinstance(event, TextReceived) and event.text.strip():
        return _check({**state, "text": event.text.strip()}, ctx)
    return _check(state, ctx)


def _exposed(state: State, ctx: Context) -> tuple[str, ...]:
    """Children's names in the words that some family getting the update is not theirs: any
    named child when the update is for several, another child's name when it is for one."""
    named = mentioned(state["text"], known.key_children(ctx))
    if len(state["children"]) > 1:
        return named
    own = {c.first_name.strip() for c in _mine(state, ctx)}
    return tuple(name for name in named if name not in own)


def _preview(state: State, ctx: Context) -> Transition:
    names = _exposed(state, ctx)
    notes: list[Text] = []
    choices = [Choice("send", Text("update.choice_send"))]
    if names:
        notes.append(Text("update.names", {"count": len(names), "names": names}))
    if names and len(_mine(state, ctx)) > 1:
        notes.append(Text("update.names_split"))
        choices.append(Choice(SPLIT, Text("update.choice_split")))
    choices += [
        Choice("edit", Text("update.choice_edit")),
        Choice("cancel", Text("update.choice_cancel")),
    ]
    preview = PreviewNews(_news(state, ctx), tuple(choices), tuple(notes))
    return Transition(NAME, {**state, "step": "preview"}, (preview,))


def _preview_answer(state: State, event: Event, ctx: Context) -> Transition:
    if isinstance(event, ChoiceMade) and event.key == "send":
        return _send(state, ctx)
    if isinstance(event, ChoiceMade) and event.key == SPLIT and len(_mine(state, ctx)) > 1:
        first, *rest = [c.id for c in _mine(state, ctx)]
        alone = {**state, "children": [first], "queue": rest, "text": ""}
        return _compose(alone, ctx, _one_at_a_time(alone, ctx))
    if isinstance(event, ChoiceMade) and event.key == "edit":
        return _compose({**state, "text": ""}, ctx)
    return _preview(state, ctx)


def _send(state: State, ctx: Context) -> Transition:
    """Share the news (the sender is told where it went); then the next child, if any."""
    news = _news(state, ctx)
    audit = RecordAudit(f"{news.kind}.sent", None, {"children": list(news.children)})
    yours = {c.id for c in known.key_children(ctx)}
    queue = [child for child in state.get("queue", []) if child in yours]
    if not queue:
        return end(ShareNews(news), audit)
    following = {**state, "children": queue[:1], "queue": queue[1:], "text": ""}
    following["sent_some"] = True
    after = _compose(following, ctx, _one_at_a_time(following, ctx))
    return Transition(after.flow, after.state, (ShareNews(news), audit, *after.effects))


def _one_at_a_time(state: State, ctx: Context) -> Text:
    return Text("update.split_write", {"children": _names(state, ctx)})


def _news(state: State, ctx: Context) -> News:
    assert ctx.staff is not None
    return News(
        kind=state["kind"],
        children=tuple(c.id for c in _mine(state, ctx)),
        author=ctx.staff.name,
        phrases=tuple(state["phrases"]),
        text=state["text"],
        photo=state["photo"],
    )


def _mine(state: State, ctx: Context) -> list[KeyChild]:
    """The chosen children that are still the sender's to write about."""
    return [c for c in known.key_children(ctx) if c.id in state["children"]]


def _names(state: State, ctx: Context) -> tuple[str, ...]:
    return tuple(c.first_name for c in _mine(state, ctx))


def _festive(state: State) -> bool:
    return bool(state["kind"] == "celebration")


def _raw(text: str) -> Text:
    return Text("label.raw", {"text": text})


def _update(ctx: Context) -> Transition:
    return begin("update", ctx)


def _celebration(ctx: Context) -> Transition:
    return begin("celebration", ctx)


def _photo(state: State, event: PhotoShared) -> Transition:
    if event.ctx.staff is None:
        return Transition(None, {}, passthrough=True)
    return photo(state, event)


def _dropped(state: State, ctx: Context) -> tuple[Effect, ...]:
    """What leaving says: nothing was sent, or the rest was not (one update per child)."""
    said = "update.cancelled_rest" if state.get("sent_some") else "update.cancelled"
    return (Reply(Text(said)),)


SPEC = FlowSpec(
    NAME,
    step=step,
    triggers=(Trigger("update", _update, who="staff"), Trigger("wow", _celebration, who="staff")),
    menu=(MenuEntry("update", _update, who="staff", order=10),),
    commands=(Command("update", staff=10), Command("wow", staff=20)),
    facts=(known.COVERS, known.KEY_CHILDREN),
    while_open={PhotoShared: _photo},
    dropped=_dropped,
)
