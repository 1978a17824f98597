"""Fixtures for the LocalAws contract tests, and the timings they report at the end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.aws import LocalAws

ASL_DIR = Path(__file__).parent / "asl"
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def local_aws() -> Iterator[LocalAws]:
    """One sandbox per test module: moto's state is process-wide, so modules don't overlap."""
    with LocalAws() as aws:
        TIMINGS.setdefault("LocalAws start (first in process) [s]", aws.startup_seconds or 0.0)
        yield aws


@pytest.fixture
def timings() -> dict[str, float]:
    """Measurements to print in the summary; the first value recorded under a name wins."""
    return TIMINGS


@pytest.fixture(scope="module")
def asl_dir() -> Path:
    return ASL_DIR


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("LocalAws timings")
        for name, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{name}: {seconds:.3f}")
