"""A migration whose last step, the release of its locks, fails has still migrated: the
execution succeeds, and its output says the locks stay and that the next backup of the hosted
cluster and the next migration from its source take them over."""

from __future__ import annotations

from sandbox.environment import Sandbox
from tests.integration.backup_driver import breaks, handler_wrapped, run_backup
from tests.integration.migration.migration_driver import (
    held_locks,
    needs_simulated_hypershift,
    run_migration,
)

pytestmark = needs_simulated_hypershift


def test_a_migration_that_could_not_release_its_locks_succeeds_and_the_next_backup_takes_over(
        sandbox: Sandbox):
    with handler_wrapped(sandbox, "ReleaseMigrationLocks", breaks):
        run = run_migration(sandbox, timeout=300)
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert run.output["status"] == "SUCCEEDED" and run.output["report"]["passed"] is True
    assert run.output["lock_release_error"] == "InjectedFailure"
    [warning] = run.output["warnings"]
    assert "take them over" in warning and "SUCCEEDED" in warning
    assert len(held_locks(sandbox)) == 2  # what the warning is about, until taken over:

    # Backups of the migrated cluster (now on the destination) are not refused for the
    # migration lock's TTL (7 days): the lock of a migration that SUCCEEDED protects nothing.
    backup = run_backup(sandbox, management_cluster="destination")

    assert backup.status == "SUCCEEDED", (backup.error, backup.cause)
    assert backup.output["lock"] == {"lock_id": f"hosted-cluster/{sandbox.plan.namespace}/"
                                                f"{sandbox.plan.name}",
                                     "taken_over_from": run.arn.rsplit(":", 1)[-1]}
    # The backup released the hosted cluster's lock; the source operator's stays (no backup
    # takes it) until a migration from that source takes it over in turn.
    assert held_locks(sandbox) == ["lock#operator/source"]
