"""A normal (not editable) install carries what the program reads at run time.

The build step (setup.py) is run on a copy of the source tree, offline, and the demo is
started from the built package alone, away from the checkout: its catalogs and example setting
must come from inside the package. `.ci/run` also builds the real wheel, installs it in a
fresh virtual environment and starts `keyperson demo` from it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.fakes.twilio_api import free_port
from tests.harness import ended, pause

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ("bot", "locales", "setting.example.toml", "pyproject.toml", "setup.py", "README.md")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as a wheel holds it: setup.py's build_py run on a copy of the source."""
    folder = tmp_path_factory.mktemp("build")
    source = folder / "src"
    source.mkdir()
    for name in SOURCE:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    lib = folder / "lib"
    subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(lib)],
        cwd=source,
        check=True,
        capture_output=True,
    )
    return lib


def test_the_built_package_holds_the_catalogs_and_the_example_setting(built: Path) -> None:
    package = built / "bot"
    for language in ("en", "pl"):
        po = package / "locales" / language / "LC_MESSAGES" / "bot.po"
        assert (
            po.read_bytes() == (ROOT / "locales" / language / "LC_MESSAGES" / "bot.po").read_bytes()
        )
    assert (package / "setting.example.toml").read_text() == (
        ROOT / "setting.example.toml"
    ).read_text()
    assert (package / "storage" / "sqlite" / "migrations").is_dir() and (package / "data").is_dir()


def test_the_demo_starts_from_the_built_package_alone(built: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KEYPERSON_")},
        "PYTHONPATH": str(built),  # ahead of the checkout's editable install
        "TMPDIR": str(tmp_path),
    }
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        demo = subprocess.Popen(
            [sys.executable, "-m", "bot", "demo", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        assert _healthy(f"http://127.0.0.1:{port}/healthz", demo), log.read_text()
        where = subprocess.run(
            [
                sys.executable,
                "-c",
                "import bot.language.catalogs as i; print(i.__file__, i.LOCALES_DIR)",
            ],
            cwd=tmp_path,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        assert where == [
            str(built / "bot" / "language" / "catalogs.py"),
            str(built / "bot" / "locales"),
        ]
    finally:
        demo.send_signal(signal.SIGINT)
        if not ended(demo, 30):
            demo.kill()
            demo.wait()
    assert demo.returncode == 0, log.read_text()


def _healthy(url: str, process: subprocess.Popen[bytes]) -> bool:
    """Whether /healthz answered 200 before the process exited (or a minute passed)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        pause(0.1)
    return False
