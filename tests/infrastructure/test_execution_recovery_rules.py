"""The rules that send a Backup or Migration execution ended without its failure path
(stopped, timed out) to the function that recovers it."""

from __future__ import annotations

import pytest
from synth_helpers import Synth, functions_by_name, ref

from sandbox.scenario.execution_recovery_rules import RECOVERY_RULES, ended_execution_pattern
from stacks import catalog
from stacks.execution_recovery import RECOVERIES


def _one(synth: Synth, resource_type: str, prefix: str) -> dict:
    [resource] = [v for k, v in synth.of_type(resource_type).items() if k.startswith(prefix)]
    return resource


@pytest.mark.parametrize(("machine", "rule_id"), [("Backup", "RecoveryEndedBackups"),
                                                  ("Migration", "RecoveryStoppedMigrations")])
def test_only_that_machines_aborted_and_timed_out_executions_reach_its_function(
        synth: Synth, machine: str, rule_id: str) -> None:
    rule = _one(synth, "AWS::Events::Rule", rule_id)["Properties"]
    [machine_id] = [k for k, v in synth.of_type("AWS::StepFunctions::StateMachine").items()
                    if k.startswith(f"Workflows{machine}StateMachine")]
    # The sandbox installs the same pattern (with its own machine's ARN) and function.
    assert rule["EventPattern"] == ended_execution_pattern({"Ref": machine_id})
    assert RECOVERY_RULES[machine][1] == RECOVERIES[machine][0]
    [target] = rule["Targets"]
    function_id, _ = functions_by_name(synth)[RECOVERIES[machine][0]]
    assert ref(target["Arn"]) == function_id
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] == 6 * 3600


def test_the_backup_recovery_may_reach_clusters_and_the_lock_table_and_nothing_more() -> None:
    [spec] = [s for s in catalog.LAMBDA_FUNCTIONS if s.name == "RecoverEndedBackup"]
    assert spec.uses_kubernetes
    assert spec.grants == {catalog.KUBECONFIG_READ, catalog.LOCK_TABLE}
    assert not any("RecoverEndedBackup" in m.functions for m in catalog.STATE_MACHINES)


def test_the_migration_recovery_reads_history_status_and_records_and_writes_none() -> None:
    [spec] = [s for s in catalog.LAMBDA_FUNCTIONS if s.name == "RecoverStoppedMigration"]
    assert spec.uses_kubernetes and spec.timeout_seconds == 900
    assert spec.grants == {catalog.KUBECONFIG_READ, catalog.LOCK_TABLE,
                           catalog.MIGRATION_RECORDS_READ, catalog.KMS_USE,
                           catalog.MIGRATION_HISTORY, catalog.MIGRATION_DESCRIBE}
    assert not any("RecoverStoppedMigration" in m.functions for m in catalog.STATE_MACHINES)
