"""A migration whose last step, the release of its locks, fails has still migrated: the
execution succeeds, and its output says the locks stay (refusing this hosted cluster's backups
and migrations from its source until they expire) and how to free them."""

from __future__ import annotations

import pytest

from sandbox.environment import Sandbox
from tests.integration.backup_driver import breaks, handler_wrapped
from tests.integration.migration.migration_driver import (
    SIMULATES_HYPERSHIFT,
    held_locks,
    run_migration,
)

pytestmark = pytest.mark.skipif(not SIMULATES_HYPERSHIFT,
                                reason="needs the sandbox's simulated HyperShift operator")


def test_a_migration_that_could_not_release_its_locks_succeeds_and_says_so(sandbox: Sandbox):
    with handler_wrapped(sandbox, "ReleaseMigrationLocks", breaks):
        run = run_migration(sandbox, timeout=300)
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output["status"] == "SUCCEEDED" and run.output["report"]["passed"] is True
    assert run.output["lock_release_error"] == "InjectedFailure"
    [warning] = run.output["warnings"]
    assert "stay until they expire" in warning and "lock table" in warning
    assert len(held_locks(sandbox)) == 2  # what the warning is about
