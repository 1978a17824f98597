"""statemachines/migration.asl.json against the contract: JSONPath only, every Lambda task
retries transient errors, failures before the teardown compensate, the teardown's failures
bring the operator back, and the Fail state carries the original error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hcp_dr import errors
from stacks.catalog import STATE_MACHINES, function_arn_placeholder

ASL = Path(__file__).resolve().parents[3] / "statemachines" / "migration.asl.json"
DEFINITION = json.loads(ASL.read_text())
STATES = DEFINITION["States"]
SPEC = next(s for s in STATE_MACHINES if s.name == "Migration")
LAMBDA_TASKS = {name: s for name, s in STATES.items() if s["Type"] == "Task"
                and ("FunctionArn}" in s["Resource"] or "lambda:invoke" in s["Resource"])}


def _walk(start: str, stop: set[str]) -> set[str]:
    """States reachable from `start` along Next/Default/Choices/Catch, not entering `stop`."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen or name in stop:
            continue
        seen.add(name)
        state = STATES[name]
        todo += [t for t in [state.get("Next"), state.get("Default")] if t]
        todo += [c["Next"] for c in state.get("Choices", []) + state.get("Catch", [])]
    return seen


def test_jsonpath_only():
    text = ASL.read_text()
    assert "JSONata" not in text and '"Assign"' not in text and "QueryLanguage" not in text


def test_placeholders_are_exactly_the_catalogs():
    used = set(re.findall(r"\$\{([A-Za-z0-9]+)\}", ASL.read_text()))
    assert used == {function_arn_placeholder(f) for f in SPEC.functions} | set(
        SPEC.extra_substitutions)


# How Step Functions names a Lambda function that timed out or crashed (out of memory).
LAMBDA_TIMEOUTS = {"Lambda.Unknown", "Lambda.ClientExecutionTimeoutException", "Sandbox.Timedout"}


def test_every_lambda_task_retries_transient_errors_by_name():
    transient = {c.__name__ for c in vars(errors).values()
                 if isinstance(c, type) and issubclass(c, errors.TransientError)
                 and c is not errors.TransientError}
    for name, state in LAMBDA_TASKS.items():
        retried = {e for r in state.get("Retry", []) for e in r["ErrorEquals"]}
        assert {"KubernetesApiUnavailable", "AwsServiceUnavailable"} <= retried, name
        assert retried - {"States.ALL"} <= transient | LAMBDA_TIMEOUTS | {
            "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException"}, name
        for rule in state["Retry"]:
            if any((name, error) in DELIBERATE_WAITS for error in rule["ErrorEquals"]):
                continue
            assert rule["IntervalSeconds"] <= 2, name


# Retries that wait for something else to finish, not for a blip to pass; and the source's
# resume, which waits out a silent management cluster since its API is down until then.
DELIBERATE_WAITS = {("AcquireLocks", "BackupInProgress"),
                    ("ResumeSource", "KubernetesApiUnavailable")}


def test_the_source_is_resumed_through_minutes_of_a_silent_management_cluster():
    [transient] = [r for r in STATES["ResumeSource"]["Retry"]
                   if "KubernetesApiUnavailable" in r["ErrorEquals"]]
    waited = sum(transient["IntervalSeconds"] * transient["BackoffRate"] ** n
                 for n in range(transient["MaxAttempts"]))
    assert waited >= 5 * 60


def test_a_running_backup_is_waited_for_and_another_migration_is_not():
    """A backup of the cluster (minutes; a large snapshot's upload alone may take 15) is
    waited out for up to 30 minutes, since an alarm-started migration that gives up is never
    started again; a lock held by another migration (hours) fails at once, into the failure
    path that releases our locks."""
    state = STATES["AcquireLocks"]
    [wait] = [r for r in state["Retry"] if "BackupInProgress" in r["ErrorEquals"]]
    assert wait["ErrorEquals"] == ["BackupInProgress"]
    waited = sum(wait["IntervalSeconds"] * wait.get("BackoffRate", 2.0) ** n
                 for n in range(wait["MaxAttempts"]))
    assert 1200 <= waited <= 2400
    assert not [r for r in state["Retry"] if {"ClusterLocked", "States.ALL"}
                & set(r["ErrorEquals"])]
    assert state["Catch"][0]["Next"] == "ReleaseLocksAfterFailure"


def test_a_stage_that_timed_out_or_crashed_runs_once_more_before_its_catch():
    """Every stage is safe to run twice, and a timeout (a slow API) is often passing; but a
    stuck dependency must not double the time to failure more than once."""
    for name, state in LAMBDA_TASKS.items():
        [rule] = [r for r in state["Retry"] if set(r["ErrorEquals"]) & LAMBDA_TIMEOUTS]
        assert set(rule["ErrorEquals"]) == LAMBDA_TIMEOUTS and rule["MaxAttempts"] == 1, name


def test_only_validation_fails_without_a_catch():
    uncaught = {n for n, s in STATES.items() if s["Type"] == "Task" and not s.get("Catch")}
    assert uncaught == {"ValidateRequest"}


def _rollback_route(stage: str) -> str:
    """Where a stage's failure goes: its last Catch; for the approval, its rejection."""
    catches = STATES[stage]["Catch"]
    if stage == "RequestApproval":
        (rejected,) = [c for c in catches if c["ErrorEquals"] == ["ApprovalRejected"]]
        return rejected["Next"]
    return catches[-1]["Next"]


@pytest.mark.parametrize("stage", [
    "PauseHostedCluster", "SnapshotEtcd", "UploadSnapshot", "VerifySnapshot",
    "BackupClusterObjects", "WriteBackupManifest", "DeleteSourceRoutes", "AwaitDnsCleanup",
    "RestoreOnDestination", "AwaitHostedClusterReady", "RequestApproval"])
def test_failures_before_the_teardown_resume_the_source(stage: str):
    after = _walk(_rollback_route(stage), stop=set())
    assert {"ResumeSource", "RecreateSourceRoutes", "ReleaseLocksAfterFailure",
            "RecordFailure", "MigrationFailed"} <= after
    assert "TeardownSource" not in after


@pytest.mark.parametrize("stage", ["RestoreOnDestination", "AwaitHostedClusterReady",
                                   "RequestApproval"])
def test_failures_after_the_restore_clean_the_destination(stage: str):
    assert "CompensateDestination" in _walk(_rollback_route(stage), stop=set())


def test_a_destination_that_may_still_run_the_cluster_holds_the_source_paused():
    catch = STATES["CompensateDestination"]["Catch"]
    # Unreachable, or its stopped control plane's pods still there after the retries.
    assert catch[0]["ErrorEquals"] == ["DestinationMayStillRun", "DestinationStillStopping"]
    assert catch[0]["ResultPath"] == "$.compensation_error"  # what standing.py reads
    after = _walk(catch[0]["Next"], stop=set())
    assert {"ReleaseLocksAfterFailure", "RecordFailure", "MigrationFailed"} <= after
    assert not after & {"ResumeSource", "RecreateSourceRoutes", "TeardownSource"}
    assert "ResumeSource" in _walk(catch[-1]["Next"], stop=set())  # any other failure


def test_a_compensation_that_never_finished_holds_the_source_once_the_restore_began():
    """A timed-out, crashed or throttled CompensateDestination says nothing about what runs
    on the destination: the same failure is judged by whether the restore had begun."""
    [unfinished] = [c for c in STATES["CompensateDestination"]["Catch"]
                    if "Lambda.Unknown" in c["ErrorEquals"]]
    assert {"Sandbox.Timedout", "Lambda.TooManyRequestsException", "States.Timeout"} <= set(
        unfinished["ErrorEquals"])
    assert unfinished["ResultPath"] == "$.compensation_error"
    choice = STATES[unfinished["Next"]]
    [refused_before_creating, began] = choice["Choices"]
    assert {c["StringEquals"] for c in refused_before_creating["Or"]} == {
        "RestoreUrlTooLong", "RestoreUrlOutlivesCredentials", "RestoreUrlSignerInvalid",
        "BackupIncomplete"}
    assert all(c["Variable"] == "$.error.Error" for c in refused_before_creating["Or"])
    assert "ResumeSource" in _walk(refused_before_creating["Next"], stop=set())
    assert (began["Variable"], began["IsPresent"], began["Next"]) == (
        "$.destination_touched", True, "HoldSourcePaused")
    assert "ResumeSource" in _walk(choice["Default"], stop=set())
    marker = STATES["AwaitDnsCleanup"]["Next"]
    assert STATES[marker]["ResultPath"] == "$.destination_touched"
    assert STATES[marker]["Next"] == "RestoreOnDestination"
    assert STATES["HoldSourcePaused"]["ResultPath"] == "$.held_source_paused"


def test_failures_before_the_pause_only_release_the_locks():
    for stage in ("AcquireLocks", "MarkSourceCluster"):
        assert STATES[stage]["Catch"][0]["Next"] == "ReleaseLocksAfterFailure"
    for stage in ("Preflight", "PreflightEtcd"):  # no lock held yet
        assert STATES[stage]["Catch"][0]["Next"] == "RecordFailure"


def test_teardown_failure_brings_the_operator_back_without_compensating():
    after = _walk(STATES["TeardownSource"]["Catch"][0]["Next"], stop=set())
    assert "RestoreSourceOperatorAfterFailure" in after
    assert not after & {"CompensateDestination", "ResumeSource", "RecreateSourceRoutes"}


def test_teardown_failure_still_reconnects_the_nodes_to_the_destination():
    """The cluster runs on the destination once the teardown began: its OVN pods restart
    (guide step 10) whether or not the operator came back, and a failure is reported."""
    ovn = STATES["RestartOvnAfterFailure"]
    assert ovn["Resource"] == STATES["RestartOvn"]["Resource"]
    after_operator = STATES["RestoreSourceOperatorAfterFailure"]
    assert {after_operator["Next"]} | {c["Next"] for c in after_operator["Catch"]} == {
        "RestartOvnAfterFailure"}
    assert ovn["Next"] == "ReleaseLocksAfterFailure"
    assert [(c["ErrorEquals"], c["ResultPath"], c["Next"]) for c in ovn["Catch"]] == [
        (["States.ALL"], "$.ovn_error", "ReleaseLocksAfterFailure")]


def test_the_happy_path_order():
    path, name = [], DEFINITION["StartAt"]
    while name:
        path.append(name)
        state = STATES[name]
        name = state.get("Default") if state["Type"] == "Choice" else state.get("Next")
    assert path.index("PauseHostedCluster") < path.index("SnapshotEtcd") < path.index(
        "DeleteSourceRoutes") < path.index("AwaitDnsCleanup") < path.index(
        "RestoreOnDestination") < path.index("AwaitHostedClusterReady") < path.index(
        "TeardownSource") < path.index("RestoreSourceOperator") < path.index("RestartOvn")
    assert path.index("AcquireLocks") < path.index("MarkSourceCluster")


def test_backup_stages_get_the_backup_shaped_state():
    for name in ("PreflightEtcd", "SnapshotEtcd", "UploadSnapshot", "VerifySnapshot",
                 "RemoveSnapshotFile", "BackupClusterObjects", "WriteBackupManifest",
                 "RemoveSnapshotFileAfterFailure"):
        assert STATES[name]["InputPath"] == "$.backup_state", name
        assert STATES[name]["ResultPath"].startswith("$.backup_state."), name


def test_dns_waits_use_task_tokens_with_a_backstop():
    for name in ("AwaitDnsCleanup", "AwaitDnsReleasedByDestination"):
        state = STATES[name]
        assert state["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
        assert state["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token"
        assert state["TimeoutSecondsPath"] == "$.migration.dns_backstop_seconds"
    timeout = STATES["AwaitDnsCleanup"]["Catch"][0]
    assert timeout["ErrorEquals"] == ["States.Timeout"]
    assert STATES[timeout["Next"]]["Result"]["Error"] == "DnsCleanupTimeout"


def test_approval_is_an_sns_task_token():
    state = STATES["RequestApproval"]
    assert state["Resource"] == "arn:aws:states:::sns:publish.waitForTaskToken"
    assert "$$.Task.Token" in state["Parameters"]["Message.$"]
    assert STATES["ApprovalRequired"]["Choices"][0]["Variable"] == "$.request.approval"


def test_fail_state_carries_the_original_error():
    assert STATES["MigrationFailed"] == {"Type": "Fail", "ErrorPath": "$.error.Error",
                                         "CausePath": "$.error.Cause"}
    into_fail = {n for n, s in STATES.items()
                 if "MigrationFailed" in {s.get("Next"), s.get("Default")}
                 | {c["Next"] for c in s.get("Choices", []) + s.get("Catch", [])}}
    assert into_fail == {"FailureHasCause", "FailureWithoutCause"}
    assert STATES["FailureWithoutCause"]["Parameters"]["Error.$"] == "$.error.Error"
    for name, state in STATES.items():
        for rule in state.get("Catch", []):
            if rule["ResultPath"] == "$.error":
                continue
            # Compensation steps record their own failures elsewhere, keeping the original.
            assert rule["ResultPath"].endswith("_error") or rule["ResultPath"].endswith(
                "cleanup_error"), name


def test_every_state_is_reachable():
    assert _walk(DEFINITION["StartAt"], stop=set()) == set(STATES)


def test_an_unanswered_approval_leaves_the_live_destination_alone():
    """After 24 h live on the destination, compensating would discard its writes without
    anyone deciding: the timeout undoes nothing and ends in the failure notice."""
    (timeout, *_rest, other) = STATES["RequestApproval"]["Catch"]
    assert timeout["ErrorEquals"] == ["States.Timeout"]
    after = _walk(timeout["Next"], stop=set())
    assert {"ReleaseLocksAfterFailure", "RecordFailure", "MigrationFailed"} <= after
    assert not after & {"CompensateDestination", "ResumeSource", "RecreateSourceRoutes",
                        "TeardownSource"}
    assert STATES["LeaveOnDestination"]["ResultPath"] == "$.left_on_destination"
    assert other["ErrorEquals"] == ["States.ALL"] and other["Next"] == "LeaveOnDestination"


def test_only_a_rejection_rolls_back_an_approval():
    """A cluster live on the destination is rolled back only when someone says so: a publish
    SNS refuses (throttled, KMS) or an answer that is not ApprovalRejected leaves it there,
    like an unanswered request; and no answer is ever taken as a reason to ask again."""
    state = STATES["RequestApproval"]
    routes = {tuple(rule["ErrorEquals"]): rule["Next"] for rule in state["Catch"]}
    assert routes == {("States.Timeout",): "LeaveOnDestination",
                      ("ApprovalRejected",): "CompensateDestination",
                      ("States.ALL",): "LeaveOnDestination"}
    assert "Retry" not in state
