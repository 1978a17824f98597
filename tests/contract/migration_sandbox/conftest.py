"""Migration-sandbox contract tier: the simulated HyperShift world reacting to real clients.

One sandbox per test module (local AWS is process-wide, so modules run one at a time); a
module picks its options with a module-level `SANDBOX_OPTIONS`. Timings go to the summary.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.environment import Sandbox, SandboxOptions
from tests.contract.migration_sandbox.world import TIMINGS


@pytest.fixture(scope="module")
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    options = getattr(request.module, "SANDBOX_OPTIONS", SandboxOptions())
    with Sandbox(options) as running:
        TIMINGS.setdefault("sandbox start [s]", running.startup_seconds or 0.0)
        yield running


@pytest.fixture(scope="session")
def timings() -> dict[str, float]:
    return TIMINGS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("migration sandbox timings")
        for name, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{name:<60} {seconds:8.3f}")
