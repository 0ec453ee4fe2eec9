"""Files the program needs that live at the top of the repository: found in the checkout, or
in the installed package, where the build copies them (see setup.py)."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent


def shipped(name: str) -> Path:
    """The path of a top-level file or folder: inside the installed package, else the checkout's."""
    inside = PACKAGE / name
    return inside if inside.exists() else CHECKOUT / name
