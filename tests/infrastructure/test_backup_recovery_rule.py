"""The rule that sends a stopped or timed-out Backup execution to RecoverEndedBackup."""

from __future__ import annotations

from synth_helpers import Synth, functions_by_name, ref

from sandbox.scenario.backup_recovery_rule import ended_backup_pattern
from stacks import catalog


def _one(synth: Synth, resource_type: str, prefix: str) -> dict:
    [resource] = [v for k, v in synth.of_type(resource_type).items() if k.startswith(prefix)]
    return resource


def test_only_the_backup_machines_aborted_and_timed_out_executions_reach_the_function(
        synth: Synth) -> None:
    rule = _one(synth, "AWS::Events::Rule", "BackupRecoveryEndedBackups")["Properties"]
    [machine] = [k for k, v in synth.of_type("AWS::StepFunctions::StateMachine").items()
                 if k.startswith("WorkflowsBackup")]
    # The sandbox installs the same pattern (with its own machine's ARN).
    assert rule["EventPattern"] == ended_backup_pattern({"Ref": machine})
    [target] = rule["Targets"]
    function_id, _ = functions_by_name(synth)["RecoverEndedBackup"]
    assert ref(target["Arn"]) == function_id
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] == 6 * 3600


def test_the_function_may_reach_clusters_and_the_lock_table_and_nothing_more() -> None:
    [spec] = [s for s in catalog.LAMBDA_FUNCTIONS if s.name == "RecoverEndedBackup"]
    assert spec.uses_kubernetes
    assert spec.grants == {catalog.KUBECONFIG_READ, catalog.LOCK_TABLE}
    assert not any("RecoverEndedBackup" in m.functions for m in catalog.STATE_MACHINES)
