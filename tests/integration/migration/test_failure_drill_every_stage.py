"""`make drill --fail-at`, swept over every stage it offers: whichever stage before the
teardown breaks, the hosted cluster ends up on the source exactly as it was, the destination
holds nothing of the migration, DNS points at the source again, no lock is left, and the
notice says so. One sandbox for the whole sweep: each rollback must leave it ready for the
next migration, which is itself part of the claim.
"""

from __future__ import annotations

import pytest

from sandbox.drill import start_migration
from sandbox.environment import Sandbox
from sandbox.failure_drill import failure_drill_passed, injectable_stages, run_failure_drill
from tests.integration.migration.migration_driver import needs_simulated_hypershift

pytestmark = needs_simulated_hypershift


def test_the_offered_stages_are_the_pre_teardown_ones_whose_failure_fails():
    stages = injectable_stages()
    order = list(stages)
    assert (order[0], order[-1]) == ("Preflight", "AwaitHostedClusterReady")
    assert "ValidateRequest" not in stages and "RemoveSnapshotFile" not in stages
    assert "TeardownSource" not in stages and "RequestApproval" not in stages
    assert stages["AcquireLocks"] == "AcquireMigrationLocks"
    assert stages["AwaitDnsCleanup"] == "AwaitDnsCleanup"  # a .waitForTaskToken invoke


@pytest.mark.parametrize("stage", list(injectable_stages()))
def test_a_failure_at_any_stage_before_the_teardown_rolls_back_to_the_source(
        sandbox: Sandbox, stage: str):
    result = run_failure_drill(sandbox, stage, lambda: start_migration(sandbox))
    assert result["injected"], "the stage never ran"
    assert (result["status"], result["error"]) == ("FAILED", "DrillInjectedFailure")
    assert result["source_differences"] == []
    assert result["served_by"] == "source"
    assert "keeps running on source" in result["notice"]
    assert failure_drill_passed(result), result
