"""Translation tasks: a family's words for a key person who does not read their language,
translated by a member of staff with the translator role, who answers with the reference."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

FIRST_NUMBER = 1001
# In a waiting timer's payload: the words are the English, sent when no translation came.
UNTRANSLATED = "untranslated"
PREFIX = "T-"
# "T-1001 the translation" (or "t1001 …", "T 1001: …"), as a translator types it.
ANSWER = re.compile(r"^\s*t\s*-?\s*(?P<number>\d{4,9})\b[\s:.,-]*(?P<text>.*)$", re.I | re.S)


def reference(number: int) -> str:
    """The reference people read out: T-1001."""
    return f"{PREFIX}{number}"


@dataclass(frozen=True, slots=True)
class WaitingTimer:
    """A timer held back until staff words are translated (or the wait is over)."""

    channel: str
    address: str
    flow: str
    rule: str
    payload: Mapping[str, Any]
    kind: str | None = None
    subject: str | None = None
    about: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """As kept in JSON."""
        return {
            "channel": self.channel,
            "address": self.address,
            "flow": self.flow,
            "rule": self.rule,
            "payload": dict(self.payload),
            "kind": self.kind,
            "subject": self.subject,
            "about": self.about,
        }

    @classmethod
    def from_dict(cls, kept: Mapping[str, Any]) -> WaitingTimer:
        """From the JSON kept."""
        return cls(
            str(kept["channel"]),
            str(kept["address"]),
            str(kept["flow"]),
            str(kept["rule"]),
            dict(kept.get("payload") or {}),
            kept.get("kind"),
            kept.get("subject"),
            kept.get("about"),
        )


@dataclass(frozen=True, slots=True)
class Delivery:
    """How staff words for many families of one language reach them once translated (or in
    English after the wait): the catalog's wrapper `key` with its `params` (plain strings), the
    words in the parameter `slot`, to each carer (with the child it is about, if any); where
    `names` has a carer, their children's names fill the parameter `children`."""

    key: str
    slot: str
    carers: tuple[tuple[int, int | None], ...]
    params: Mapping[str, str] = field(default_factory=dict)
    priority: int = 9
    essential: bool = False
    names: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    # Or, where the words end a question its flow asks (a review's summary): the timers that
    # flow would have set, set once the words are ready, with them in the payload's `slot`.
    timers: tuple[WaitingTimer, ...] = ()

    def params_for(self, carer_id: int) -> dict[str, object]:
        """The wrapper's parameters for one carer (their children's names, if kept)."""
        found: dict[str, object] = dict(self.params)
        if carer_id in self.names:
            found["children"] = tuple(self.names[carer_id])
        return found

    def dumps(self) -> str:
        """The JSON kept with the task."""
        return json.dumps(
            {
                "key": self.key,
                "slot": self.slot,
                "carers": [list(c) for c in self.carers],
                "params": dict(self.params),
                "priority": self.priority,
                "essential": self.essential,
                "names": {str(k): list(v) for k, v in self.names.items()},
                "timers": [t.as_dict() for t in self.timers],
            },
            ensure_ascii=False,
        )

    @classmethod
    def loads(cls, kept: str) -> Delivery:
        """A delivery from the JSON kept with its task."""
        found = json.loads(kept)
        return cls(
            key=found["key"],
            slot=found["slot"],
            carers=tuple((int(c[0]), None if c[1] is None else int(c[1])) for c in found["carers"]),
            params={str(k): str(v) for k, v in found.get("params", {}).items()},
            priority=int(found.get("priority", 9)),
            essential=bool(found.get("essential", False)),
            names={int(k): tuple(v) for k, v in found.get("names", {}).items()},
            timers=tuple(WaitingTimer.from_dict(t) for t in found.get("timers", [])),
        )


@dataclass(frozen=True, slots=True)
class TranslationAsked:
    """A task kept: `words` in `language`, from a carer, to reach `deliver_to` once translated."""

    number: int
    direction: str
    language: str
    words: str
    carer_id: int | None
    carer: str
    children: tuple[str, ...]
    deliver_to: tuple[int, ...]
    translators: tuple[int, ...]
    child_id: int | None = None  # for a family: the child it is about
    thread: str | None = None  # for a family: the relay thread's code
    author: str | None = None  # for a family: the staff member who wrote it
    families: Delivery | None = None  # for many families: how the translation reaches them


@dataclass(frozen=True, slots=True)
class Expired:
    """No translation came in time: the English went to the family instead."""

    number: int


@dataclass(frozen=True, slots=True)
class Translated:
    """A translator answered a task with its translation."""

    number: int
    translation: str


@dataclass(frozen=True, slots=True)
class TranslationTask:
    """A task as flows see it."""

    number: int
    direction: str
    language: str
    words: str
    carer: str
    children: tuple[str, ...]
    deliver_to: tuple[int, ...]
    translators: tuple[int, ...]
    created_at: datetime
    translated_by: int | None = None
    carer_id: int | None = None
    child_id: int | None = None
    thread: str | None = None
    author: str | None = None
    expired: bool = False
    families: Delivery | None = None

    @property
    def reference(self) -> str:
        """T-1001."""
        return reference(self.number)

    @property
    def done(self) -> bool:
        """Whether it has been translated, or the English went instead."""
        return self.translated_by is not None or self.expired
