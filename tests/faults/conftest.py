"""Every test here is a fault run (`-m faults` runs them alone); the ledgers are printed again
at the end of the session."""

from __future__ import annotations

import pytest

from tests.faults.ledger import LEDGERS


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.faults)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if LEDGERS:
        terminalreporter.section("fault ledgers")
        for ledger in LEDGERS:
            terminalreporter.write_line(ledger.line())
