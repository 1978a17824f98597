"""statemachines/backup.asl.json: the failure paths release what the run may hold."""

from __future__ import annotations

import json
from pathlib import Path

ASL = Path(__file__).resolve().parents[3] / "statemachines" / "backup.asl.json"
STATES = json.loads(ASL.read_text())["States"]
LAMBDA_TASKS = {name: s for name, s in STATES.items()
                if s["Type"] == "Task" and "FunctionArn}" in s["Resource"]}
TIMEOUTS = {"Lambda.Unknown", "Lambda.ClientExecutionTimeoutException", "Sandbox.Timedout"}


def test_a_failed_lock_acquisition_still_releases_a_lock_it_may_have_written():
    """The conditional put may have succeeded before the error (a timeout on the way back):
    without the release the hosted cluster's backups and migrations are refused until the
    lock expires. The release only deletes a lock this execution owns."""
    [catch] = STATES["AcquireLock"]["Catch"]
    assert catch["Next"] == "ReleaseLockAfterFailure"
    assert STATES["ReleaseLockAfterFailure"]["Next"] == "RecordFailure"


def test_a_stage_that_timed_out_or_crashed_runs_once_more():
    for name, state in LAMBDA_TASKS.items():
        [rule] = [r for r in state.get("Retry", []) if set(r["ErrorEquals"]) & TIMEOUTS]
        assert set(rule["ErrorEquals"]) == TIMEOUTS and rule["MaxAttempts"] == 1, name


def test_the_writers_come_back_through_minutes_of_a_silent_management_cluster():
    """Quiesced, the hosted cluster's API is down until the writers are back. Step Functions
    uses only the first retrier that names an error, so the one naming the transient errors
    must be the patient one; and a ResumeWriters that gives up hands over to
    ResumeWritersAfterFailure (not straight to the cleanup) for one more round."""
    for name in ("ResumeWriters", "ResumeWritersAfterFailure"):
        [transient] = [r for r in STATES[name]["Retry"]
                       if "KubernetesApiUnavailable" in r["ErrorEquals"]]
        waited = sum(transient["IntervalSeconds"] * transient["BackoffRate"] ** n
                     for n in range(transient["MaxAttempts"]))
        assert waited >= 5 * 60, name
    [catch] = STATES["ResumeWriters"]["Catch"]
    assert catch["Next"] == "ResumeWritersAfterFailure" and catch["ResultPath"] == "$.error"
