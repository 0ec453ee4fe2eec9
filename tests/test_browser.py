"""The demo as a person uses it: `python -m bot demo` and /simulator in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.harness import ended, pause

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
REQUIRE = "KEYPERSON_REQUIRE_BROWSER"
# The machine's network is closed: nothing may try to reach Google's services or the GPU.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 15_000
# The demo's clock starts on a Tuesday morning in term, London time, whatever the machine's
# clock says: quiet hours (20:00-07:30) and weekends would otherwise hold the updates.
TUESDAY_MORNING = "2026-11-24 10:00"
DEMO = [sys.executable, "-m", "bot", "demo"]
LAURA = "+447700900101"  # the first carer on file: the first phone starts as her


def missing(what: str) -> None:
    """Skip for want of a browser, or fail when CI says the browser test must run."""
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{REQUIRE}=1 but {what}; .ci/run installs Debian's chromium package")
    pytest.skip(f"{what} (set {REQUIRE}=1 to make this a failure)")


def chromium() -> str:
    """The path of the machine's Chromium."""
    path = shutil.which("chromium")
    if path is None:
        missing("`chromium` is not on PATH")
    assert path is not None
    return path


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Demo:
    """`python -m bot demo` in its own process, as a person would start it."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "demo.log"
        path = os.environ.get("PYTHONPATH")
        env = {
            **os.environ,
            "KEYPERSON_HOST": "127.0.0.1",
            "PYTHONPATH": os.pathsep.join([str(ROOT), *([path] if path else [])]),
            "TMPDIR": str(folder),  # the demo's database goes in pytest's folder
        }
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*DEMO, "--port", str(self.port), "--at", TUESDAY_MORNING],
                cwd=folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout_s: float = 30.0) -> None:
        """Return once /healthz says ok; fail with the demo's output if it never does."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the demo exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            pause(0.1)
        pytest.fail(f"the demo was not ready in {timeout_s}s:\n{self.output()}")

    def stop(self) -> int:
        """Ctrl-C, as a person stops it; return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            if not ended(self.process, 20):
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def output(self) -> str:
        """What the demo printed."""
        return self.log.read_text("utf-8", errors="replace")


def browser_environment() -> dict[str, str]:
    """The environment Chromium starts in: this one without libfaketime, when the suite runs
    under it to show no test depends on the hour. With the monotonic clock left real,
    libfaketime 0.9.10 stops Chromium's timers (the page's refresh never fires); the page reads
    no clock, and the demo it talks to still runs with the faked one."""
    env = dict(os.environ)
    preload = [p for p in env.pop("LD_PRELOAD", "").split() if "faketime" not in p]
    if preload:
        env["LD_PRELOAD"] = " ".join(preload)
    return {k: v for k, v in env.items() if not k.startswith("FAKETIME")}


@contextmanager
def demo_and_page(folder: Path) -> Iterator[tuple[Demo, Any]]:
    """A running demo and a headless Chromium page showing its simulator."""
    path = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed (it is in the 'test' extra)")
    demo = Demo(folder)
    try:
        demo.wait_ready()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=path, args=CHROMIUM_ARGS, env=browser_environment()
            )
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            page.set_default_timeout(WAIT_MS)
            page.goto(f"{demo.url}/simulator")
            try:
                yield demo, page
            finally:
                page.screenshot(path=str(folder / "simulator.png"), full_page=True)
                browser.close()
    finally:
        code = demo.stop()
    assert code == 0, f"the demo exited with {code}:\n{demo.output()}"


def be(phone: Any, name: str) -> None:
    """Pick the person called `name` in the phone's "Who are you?" list."""
    chooser = phone.get_by_label("Who are you?")
    option = chooser.locator("option", has_text=name)
    chooser.select_option(option.get_attribute("value"))


def send(phone: Any, text: str) -> None:
    """Type a message on the phone and send it; wait until it shows in the conversation."""
    from playwright.sync_api import expect

    phone.get_by_role("textbox", name="Message").fill(text)
    phone.get_by_role("button", name="Send", exact=True).click()
    expect(phone.locator(".msg.in", has_text=text)).to_be_visible()
    expect(phone.get_by_role("textbox", name="Message")).to_have_value("")


def test_a_carer_and_her_childs_key_person_talk_through_the_simulator(tmp_path):
    with demo_and_page(tmp_path) as (_, page):
        from playwright.sync_api import expect

        phone = page.get_by_role("region", name="Phone 1")
        expect(phone.get_by_label("Who are you?")).to_have_value(LAURA)
        send(phone, "Hi")
        expect(phone.locator(".msg.out", has_text="Tom Baker")).to_be_visible()
        send(phone, "Is Amelia still coughing?")

        be(phone, "Tom Baker")
        relayed = phone.locator(".msg.out", has_text="Is Amelia still coughing?")
        expect(relayed).to_be_visible()
        code = re.search(r"#\w+", relayed.inner_text())
        assert code is not None, relayed.inner_text()
        send(phone, f"{code[0]} She is fine, she ate all her lunch")

        be(phone, "Laura Hughes")
        expect(phone.locator(".msg.out", has_text="she ate all her lunch")).to_be_visible()
    shot = tmp_path / "simulator.png"
    assert shot.is_file() and shot.stat().st_size > 0


def test_a_carer_links_telegram_and_uses_the_menu_buttons(tmp_path):
    with demo_and_page(tmp_path) as (_, page):
        from playwright.sync_api import expect

        phone = page.get_by_role("region", name="Phone 1")
        phone.get_by_role("radio", name="Telegram").check()
        expect(phone.get_by_text("Not linked on Telegram yet")).to_be_visible()
        send(phone, "/start")
        keyboard = phone.get_by_role("group", name="Keyboard")
        keyboard.get_by_role("button", name="Share my phone number").click()
        expect(phone.locator(".msg.in", has_text="[shared phone number]")).to_be_visible()
        expect(phone.locator(".msg.out", has_text="Amelia")).not_to_have_count(0)
        expect(phone.get_by_text("Not linked on Telegram yet")).to_be_hidden()
        expect(keyboard).to_be_hidden()

        send(phone, "INFO")
        hours = page.get_by_role("button", name="Opening hours")
        menu = phone.locator(".msg.out").filter(has=hours)
        expect(menu).to_have_count(1)
        menu.get_by_role("button", name="Opening hours").click()
        expect(phone.locator(".msg.in", has_text="[pressed] Opening hours")).to_be_visible()
        expect(phone.locator(".msg.out", has_text="✓ Opening hours")).to_be_visible()
        expect(phone.locator(".msg.out", has_text="We are open")).to_be_visible()
        expect(phone.get_by_role("button", name="Opening hours")).to_have_count(0)
    shot = tmp_path / "simulator.png"
    assert shot.is_file() and shot.stat().st_size > 0


def test_a_key_person_sends_a_daily_update_from_the_menu(tmp_path):
    with demo_and_page(tmp_path) as (_, page):
        from playwright.sync_api import expect

        staff = page.get_by_role("region", name="Phone 2")  # starts as Tom Baker, on SMS
        staff.get_by_role("radio", name="Telegram").check()
        send(staff, "/start")
        staff.get_by_role("group", name="Keyboard").get_by_role(
            "button", name="Share my phone number"
        ).click()
        expect(staff.locator(".msg.out", has_text="Hello Tom Baker")).to_be_visible()

        staff.get_by_role("group", name="Menu").get_by_role("button", name="Daily update").click()
        staff.locator(".msg.out").last.get_by_role("button", name="Amelia").click()
        staff.locator(".msg.out").last.get_by_role("button", name="Done").click()
        staff.locator(".msg.out").last.get_by_role("button", name="Played outside.").click()
        send(staff, "She loved the new SALT games.")
        question = staff.locator(".msg.out").last
        expect(question).to_contain_text("may not be clear")
        question.get_by_role("button", name=re.compile("speech and language therapist")).click()
        preview = staff.locator(".msg.out").last
        # Laura and Dan are one family; a one-text update says nothing about SMS parts.
        expect(preview).to_contain_text("This will go to 1 family.")
        expect(preview).not_to_contain_text("By text message")
        preview.get_by_role("button", name="Send").click()
        expect(staff.locator(".msg.out", has_text="Sent: the update about Amelia.")).to_be_visible()

        family = page.get_by_role("region", name="Phone 1")  # Laura, Amelia's mum, on SMS
        expect(family.locator(".msg.out", has_text="Played outside.")).to_be_visible()
        expect(family.locator(".msg.out", has_text="speech and language therapist")).to_be_visible()
    shot = tmp_path / "simulator.png"
    assert shot.is_file() and shot.stat().st_size > 0
