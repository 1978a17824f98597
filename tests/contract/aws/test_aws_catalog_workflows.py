"""The real scheduled_backup.asl.json on LocalAws: Map fan-out, `startExecution.sync:2` of a
child per hosted cluster (a stand-in Backup machine here), Catch of a failed child."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hcp_dr.domain.backup_fleet import FleetTargets
from sandbox.aws import LocalAws, deploy_state_machine
from sandbox.aws.statemachines import STATEMACHINES_DIR
from stacks.catalog import STATE_MACHINES

SCHEDULED = next(spec for spec in STATE_MACHINES if spec.name == "ScheduledBackup")
STAND_IN_BACKUP = {
    "StartAt": "Check",
    "States": {
        "Check": {"Type": "Choice", "Default": "Done", "Choices": [
            {"Variable": "$.name", "StringEquals": "broken", "Next": "Fail"}]},
        "Done": {"Type": "Pass", "Parameters": {"backup_id.$": "States.Format('b-{}', $.name)"},
                 "End": True},
        "Fail": {"Type": "Fail", "Error": "PreflightFailed", "Cause": "etcd not ready"},
    },
}


def _target(name: str) -> dict[str, str]:
    return {"management_cluster": "mc-1", "namespace": "clusters", "name": name,
            "consistency": "quiesced"}


@pytest.mark.skipif(not (STATEMACHINES_DIR / SCHEDULED.asl_file).is_file(),
                    reason="scheduled_backup.asl.json not written yet")
def test_scheduled_backup_fans_out_and_isolates_failures(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    # The real function's answer, whole: every field the ASL reads is there.
    fleet = FleetTargets(targets=[_target("alpha"), _target("broken"), _target("gamma")],
                         unreachable=[]).model_dump(mode="json")
    local_aws.register_handler("ListHostedClusters", lambda event, context: fleet)
    summaries: list[dict[str, Any]] = []
    local_aws.register_handler("SummarizeBackupFanout",
                               lambda event, context: summaries.append(event) or {"ok": True})
    stand_in = tmp_path / "stand_in_backup.asl.json"
    stand_in.write_text(json.dumps(STAND_IN_BACKUP))
    backup_arn = deploy_state_machine(local_aws, "StandInBackup", stand_in, {})
    scheduled_arn = deploy_state_machine(
        local_aws, "ScheduledBackup", STATEMACHINES_DIR / SCHEDULED.asl_file,
        {"BackupStateMachineArn": backup_arn}, functions=SCHEDULED.functions,
    )

    description = local_aws.wait_for_execution(
        local_aws.start_execution(scheduled_arn, {"source": "test"}), timeout=60
    )

    assert description["status"] == "SUCCEEDED", description.get("cause")
    results = {result["name"]: result for result in summaries[0]["results"]}
    assert results["alpha"]["status"] == "SUCCEEDED"
    assert results["alpha"]["backup_id"] == "b-alpha"
    assert results["gamma"]["backup_id"] == "b-gamma"
    assert results["broken"] == {
        "management_cluster": "mc-1", "namespace": "clusters", "name": "broken",
        "status": "FAILED", "error": "States.TaskFailed",
    }
