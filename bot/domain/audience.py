"""Who a broadcast or a workshop invite is for: an audience written as `all`, `room:Acorns`,
`send`, `language:pl` or `child:C-001,C-007`, parts joined with `+`, and who it resolves to.

Parts of the same kind widen the audience (`room:Acorns+room:Oaks`, like `room:Acorns,Oaks`:
either room); parts of different kinds narrow it (`room:Acorns+language:pl`: the Polish-speaking
families of Acorns), as filters on a shop's page do. `all` adds nothing.

Resolution is pure: storage hands over every (carer, child) link and how each carer can be
reached, and `resolve` says who gets the message, on which addresses, and how many carers will
not get it and why (they texted STOP, cannot be reached, or must not be sent information).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

ALL = "all"
NO_INFORMATION, OPTED_OUT, UNREACHABLE = "no_information", "opted_out", "unreachable"
REASONS = (OPTED_OUT, UNREACHABLE, NO_INFORMATION)  # the order a preview names them in


class AudienceError(ValueError):
    """An audience that cannot be used; `key` and `params` name a catalog message saying why."""

    def __init__(self, key: str, **params: str) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params


@dataclass(frozen=True, slots=True)
class Audience:
    """A parsed audience: each set empty means "any"; a family matches every set not empty."""

    rooms: frozenset[str] = frozenset()  # case-folded
    send: bool = False
    languages: frozenset[str] = frozenset()  # lower case codes
    children: frozenset[str] = frozenset()  # case-folded child refs

    @property
    def everyone(self) -> bool:
        """Whether this is every family of the setting."""
        return not (self.rooms or self.send or self.languages or self.children)

    def written(self) -> str:
        """The audience in the form it is typed (stable, for records and reports)."""
        parts = [f"room:{r}" for r in sorted(self.rooms)]
        parts += ["send"] if self.send else []
        parts += [f"language:{code}" for code in sorted(self.languages)]
        parts += [f"child:{','.join(sorted(c.upper() for c in self.children))}"] * bool(
            self.children
        )
        return "+".join(parts) or ALL

    def matches(self, link: AudienceLink) -> bool:
        """Whether one carer-child link is in the audience."""
        return (
            (not self.rooms or link.room.casefold() in self.rooms)
            and (not self.send or link.send_status not in ("", "none"))
            and (not self.languages or link.language.lower() in self.languages)
            and (not self.children or link.child_ref.casefold() in self.children)
        )


def parse(text: str | None) -> Audience:
    """An audience from its written form; raises AudienceError saying what is wrong."""
    if text is None:
        return Audience()
    if not text.strip():
        raise AudienceError("audience.empty")
    rooms: set[str] = set()
    languages: set[str] = set()
    children: set[str] = set()
    send = False
    for raw in text.split("+"):
        part = raw.strip()
        kind, colon, value = part.partition(":")
        kind = kind.strip().casefold()
        values = [v.strip() for v in value.split(",") if v.strip()]
        if not colon and kind == ALL:
            continue
        if not colon and kind == "send":
            send = True
        elif colon and kind == "room" and values:
            rooms.update(v.casefold() for v in values)
        elif colon and kind == "language" and values:
            languages.update(v.lower() for v in values)
        elif colon and kind == "child" and values:
            children.update(v.casefold() for v in values)
        else:
            raise AudienceError("audience.unknown_part", part=part or "+")
    return Audience(frozenset(rooms), send, frozenset(languages), frozenset(children))


@dataclass(frozen=True, slots=True)
class Known:
    """What a setting has on file, to check an audience against."""

    rooms: tuple[str, ...]
    languages: tuple[str, ...]
    children: tuple[str, ...]


def check(audience: Audience, known: Known) -> None:
    """Raise AudienceError for a room, language or child the setting does not have."""
    rooms = {r.casefold(): r for r in known.rooms if r}
    for room in sorted(audience.rooms - rooms.keys()):
        raise AudienceError("audience.unknown_room", room=room, rooms=_listed(rooms.values()))
    languages = {code.lower() for code in known.languages}
    for code in sorted(audience.languages - languages):
        raise AudienceError(
            "audience.unknown_language", language=code, languages=_listed(known.languages)
        )
    children = {c.casefold() for c in known.children}
    missing = sorted(c.upper() for c in audience.children - children)
    if missing:
        raise AudienceError("audience.unknown_child", children=", ".join(missing))


def _listed(items: Iterable[str]) -> str:
    return ", ".join(sorted(set(items), key=str.casefold)) or "-"


@dataclass(frozen=True, slots=True)
class AudienceLink:
    """One carer of one child, as an audience sees them (carers and children still here)."""

    carer_id: int
    reached_as: int  # the carer whose contacts reach this one (themselves, or a shared phone's)
    language: str
    child_id: int
    child_ref: str
    room: str
    send_status: str
    receives_information: bool


@dataclass(frozen=True, slots=True)
class Reachability:
    """How a carer (as reached) can be sent a message: addresses and what stops the others."""

    language: str
    preference: str | None  # 'sms', 'telegram', 'both' or None (never chosen)
    usable: tuple[tuple[str, str], ...]  # (channel, address): reachable and not stopped
    stopped: int = 0  # contacts that texted STOP
    unreachable: int = 0  # contacts a channel could not reach (blocked bot, failed number)

    def addresses(self, essential: bool) -> tuple[tuple[str, str], ...]:
        """Where a message goes: the chosen channel's, or any usable if it cannot be reached
        and the message is essential (the rule of `Route.chosen`)."""
        if self.preference in ("sms", "telegram"):
            chosen = tuple(a for a in self.usable if a[0] == self.preference)
            if chosen or not essential:
                return chosen
        return self.usable


@dataclass(frozen=True, slots=True)
class Recipient:
    """One phone or chat that gets the message, for one or more carers who share it."""

    carer_id: int  # the carer whose contacts these are
    carers: tuple[int, ...]  # every carer in the audience reached through them
    language: str
    addresses: tuple[tuple[str, str], ...]
    children: tuple[int, ...]  # the children of the audience these carers are linked to


@dataclass(frozen=True, slots=True)
class Resolution:
    """Who gets a message and who will not, and why."""

    recipients: tuple[Recipient, ...]
    families: int  # families (carers of a shared child are one) of which someone gets it
    carers: int  # carers who get it (two on a shared phone count two)
    not_reached: Mapping[str, int] = field(default_factory=dict)  # reason -> carers
    families_not_reached: int = 0  # families of the audience of which nobody gets it

    @property
    def missed(self) -> int:
        """Carers of the audience who will not get it."""
        return sum(self.not_reached.values())


def resolve(
    audience: Audience,
    links: Iterable[AudienceLink],
    reach: Mapping[int, Reachability],
    essential: bool = False,
) -> Resolution:
    """Who in the audience gets the message and on which addresses; the rest by reason."""
    mine: dict[int, list[AudienceLink]] = defaultdict(list)
    for link in links:
        if audience.matches(link):
            mine[link.carer_id].append(link)
    reasons: dict[str, int] = dict.fromkeys(REASONS, 0)
    reached: dict[int, list[AudienceLink]] = {}
    for carer, theirs in mine.items():
        informed = [link for link in theirs if link.receives_information]
        how = reach.get(theirs[0].reached_as)
        if not informed:
            reasons[NO_INFORMATION] += 1
        elif how is None or not how.addresses(essential):
            reasons[_why_not(how)] += 1
        else:
            reached[carer] = informed
    by_phone: dict[int, list[int]] = defaultdict(list)
    for carer in sorted(reached):
        by_phone[reached[carer][0].reached_as].append(carer)
    recipients = tuple(
        Recipient(
            carer_id=holder,
            carers=tuple(carers),
            language=reach[holder].language,
            addresses=reach[holder].addresses(essential),
            children=tuple(sorted({link.child_id for c in carers for link in reached[c]})),
        )
        for holder, carers in sorted(by_phone.items())
    )
    everyone = families({c: [link.child_id for link in ls] for c, ls in mine.items()})
    got = [family for family in everyone if family & reached.keys()]
    return Resolution(
        recipients=recipients,
        families=len(got),
        carers=len(reached),
        not_reached={k: v for k, v in reasons.items() if v},
        families_not_reached=len(everyone) - len(got),
    )


def _why_not(how: Reachability | None) -> str:
    if how is not None and how.stopped:
        return OPTED_OUT
    return UNREACHABLE


def families(children_of: Mapping[int, Iterable[int]]) -> list[set[int]]:
    """Carers grouped into families: carers who share a child are one family."""
    parent = {carer: carer for carer in children_of}

    def root(carer: int) -> int:
        while parent[carer] != carer:
            parent[carer] = parent[parent[carer]]
            carer = parent[carer]
        return carer

    first_carer_of: dict[int, int] = {}
    for carer, children in children_of.items():
        for child in children:
            other = first_carer_of.setdefault(child, carer)
            parent[root(carer)] = root(other)
    grouped: dict[int, set[int]] = defaultdict(set)
    for carer in children_of:
        grouped[root(carer)].add(carer)
    return list(grouped.values())


@dataclass(frozen=True, slots=True)
class Summary:
    """An audience as a preview shows it: its written form and how many it reaches, or why
    it cannot be used (`error` names a catalog message, with `params`)."""

    written: str = ALL
    families: int = 0
    carers: int = 0
    not_reached: Mapping[str, int] = field(default_factory=dict)
    error: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)


def summarise(audience: Audience, resolution: Resolution) -> Summary:
    """The preview's view of a resolved audience."""
    return Summary(
        audience.written(),
        resolution.families,
        resolution.carers,
        dict(resolution.not_reached),
    )
