"""The build step that packs what the program reads at run time but keeps at the top of the
repository: the message catalogs (locales/) and the example setting the demo runs on.

Metadata and dependencies are in pyproject.toml; this only extends build_py, which makes
every wheel (pip install ., pipx install ., python -m build), so an installed Keyperson finds
them inside its package (bot/shipped.py) while a checkout keeps one copy of each.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("locales", "setting.example.toml")


class BuildWithShipped(build_py):
    """build_py, then the shipped files copied into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads them from the checkout itself
        package = Path(self.build_lib) / "bot"
        for name in SHIPPED:
            source, target = ROOT / name, package / name
            if not source.exists():
                raise FileNotFoundError(f"{name} is missing from the source tree")
            if source.is_dir():
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.mo", "*~"))
            else:
                shutil.copy2(source, target)


setup(cmdclass={"build_py": BuildWithShipped})
