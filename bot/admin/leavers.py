"""Who a families.csv no longer lists: the children, carers and carer-child links on file that
an import with --remove-missing marks left, and how to show them to the person importing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.storage.rows import FamiliesOnFile, FamilyRow


@dataclass(frozen=True, slots=True)
class Missing:
    """On file, not left, and not in the file. A child's or carer's links are implied; `links`
    holds only those whose child and carer both stay."""

    children: tuple[tuple[str, str], ...] = ()  # (child_ref, name)
    carers: tuple[tuple[str, str], ...] = ()  # (carer_ref, name)
    links: tuple[tuple[str, str, str], ...] = ()  # (child_ref, carer_ref, "Marek, dad of Leo")

    def __bool__(self) -> bool:
        return bool(self.children or self.carers or self.links)

    def counted(self) -> str:
        """'1 child, 2 carers and 1 carer-child link'."""
        parts = [
            _count(len(self.children), "child", "children"),
            _count(len(self.carers), "carer", "carers"),
            _count(len(self.links), "carer-child link", "carer-child links"),
        ]
        shown = [part for part in parts if part] or ["nothing"]
        return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]

    def refs(self, limit: int = 8) -> str:
        """The refs, shortly: 'C05, P05, P04-C04' (and how many more)."""
        refs = [ref for ref, _ in self.children] + [ref for ref, _ in self.carers]
        refs += [f"{carer}-{child}" for child, carer, _ in self.links]
        more = f" and {len(refs) - limit} more" if len(refs) > limit else ""
        return ", ".join(refs[:limit]) + more

    def lines(self) -> list[str]:
        """One line per child, carer and link, for the person importing to check."""
        return (
            [f"  child  {ref:<8} {name} (and every carer's link to them)"
             for ref, name in self.children]
            + [f"  carer  {ref:<8} {name}" for ref, name in self.carers]
            + [f"  link   {carer:<8} {who} ({child}); stays on file for their other children"
               for child, carer, who in self.links]
        )  # fmt: skip


def missing_from(on_file: FamiliesOnFile, rows: Iterable[FamilyRow]) -> Missing:
    """What is on file and not in these rows."""
    rows = list(rows)
    children = {row.child_ref for row in rows}
    carers = {row.carer_ref for row in rows}
    pairs = {(row.child_ref, row.carer_ref) for row in rows}
    return Missing(
        children=tuple((r, n) for r, n in on_file.children.items() if r not in children),
        carers=tuple((r, n) for r, n in on_file.carers.items() if r not in carers),
        links=tuple(
            (child, carer, f"{on_file.carers[carer]}, {about}")
            for (child, carer), about in on_file.links.items()
            if (child, carer) not in pairs and child in children and carer in carers
        ),
    )


def _count(number: int, one: str, many: str) -> str:
    if number == 0:
        return ""
    return f"{number} {one if number == 1 else many}"
