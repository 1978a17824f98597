"""Integration tier: the real handlers and ASL against the sandbox, through real clients.

One sandbox per test module (local AWS is process-wide, so modules run one at a time); a
module picks its options with a module-level `SANDBOX_OPTIONS`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.environment import Sandbox, SandboxOptions


@pytest.fixture(scope="module")
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    options = getattr(request.module, "SANDBOX_OPTIONS", SandboxOptions())
    with Sandbox(options) as running:
        yield running
