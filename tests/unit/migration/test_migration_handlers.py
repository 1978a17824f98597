"""Handlers stay thin and light, and no secret reaches their output or logs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hcp_dr.domain.migration.start import acquire_migration_locks
from hcp_dr.errors import InvalidRequest, MigrationLocksLost, MigrationNotConfigured
from hcp_dr.handlers import (
    migration_task,
    restore_on_destination,
    start_migration_from_alarm,
    watch_dns_cleanup,
)
from tests.unit.lambda_context import LambdaContextStub
from tests.unit.migration.fakes import FakeLocks, FakeSigner
from tests.unit.migration.test_migration_restore import _backup_set
from tests.unit.migration.world import destination_cluster, preflighted

ROOT = Path(__file__).resolve().parents[3]
LIGHT = ["validate_migration_request", "acquire_migration_locks", "release_migration_locks",
         "await_dns_cleanup", "watch_dns_cleanup", "record_migration_outcome",
         "start_migration_from_alarm", "restore_on_destination", "write_migration_report"]


Context = LambdaContextStub


def test_handlers_import_no_kubernetes_client_at_import_time():
    code = ("import sys\n" + "".join(f"import hcp_dr.handlers.{m}\n" for m in LIGHT)
            + "print('kubernetes' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}"}, check=True,
                            cwd=ROOT)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("event", [
    {"source": "aws.route53", "detail-type": "AWS API Call via CloudTrail",
     "detail": {"eventSource": "route53.amazonaws.com", "eventName": "ChangeResourceRecordSets"}},
    {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}},
    {"source": "aws.scheduler", "detail-type": "Scheduled Event", "detail": "{}"},
    {},
])
def test_watch_accepts_route53_events_and_schedules(monkeypatch, event):
    class Watch:
        def check_all(self, now: int) -> dict:
            return {"checked": 1, "clean": 1, "timed-out": 0, "pending": 0}

    monkeypatch.setattr(watch_dns_cleanup.dns_wait_dependencies, "dns_watch", Watch)
    assert watch_dns_cleanup.handler(event, Context())["clean"] == 1


def test_alarm_trigger_needs_the_state_machine_arn(monkeypatch):
    monkeypatch.setenv("HCP_DR_BACKUP_BUCKET", "bucket")
    monkeypatch.setenv("HCP_DR_BACKUP_KMS_KEY_ID", "key")
    monkeypatch.setenv("HCP_DR_LOCK_TABLE", "table")
    monkeypatch.delenv("HCP_DR_MIGRATION_STATE_MACHINE_ARN", raising=False)
    from hcp_dr import dependencies

    dependencies.reset()
    event = {"version": "0", "id": "e", "detail-type": "CloudWatch Alarm State Change",
             "source": "aws.cloudwatch", "account": "1", "time": "2026-01-01T00:00:00Z",
             "region": "us-east-1", "resources": [],
             "detail": {"alarmName": "a", "state": {"value": "ALARM"}}}
    try:
        with pytest.raises(MigrationNotConfigured):
            start_migration_from_alarm.handler(event, Context())
        with pytest.raises(InvalidRequest):
            start_migration_from_alarm.handler({**event, "source": "aws.ec2"}, Context())
    finally:
        dependencies.reset()


def _holding(state):
    """A lock table in which this execution holds its locks."""
    locks = FakeLocks()
    acquire_migration_locks(locks, state, 100, 3600, lambda _arn: True)
    return lambda: locks


def test_a_stage_that_changes_a_cluster_refuses_to_run_without_its_locks(monkeypatch):
    """A stopped run, recovered (locks released) and then redriven, must not restore."""
    kube = destination_cluster()
    monkeypatch.setattr(restore_on_destination, "destination_api", lambda state: kube)
    monkeypatch.setattr(migration_task.dependencies, "lock_table", FakeLocks)
    with pytest.raises(MigrationLocksLost, match="no longer holds hosted-cluster/"):
        restore_on_destination.handler(json.loads(preflighted().model_dump_json()), Context())
    assert kube.writes == []


def test_restore_url_reaches_the_hosted_cluster_only(monkeypatch, capsys):
    kube, signer = destination_cluster(), FakeSigner(
        url="https://b.s3.us-east-1.amazonaws.com/k?X-Amz-Signature=TOPSECRETSIGNATURE")
    monkeypatch.setattr(restore_on_destination, "destination_api", lambda state: kube)
    monkeypatch.setattr(restore_on_destination.dependencies, "backup_bucket", _backup_set)
    monkeypatch.setattr(restore_on_destination.migration_dependencies, "restore_url_signer",
                        lambda: signer)
    monkeypatch.setattr(migration_task.dependencies, "lock_table", _holding(preflighted()))
    event = json.loads(preflighted().model_dump_json())
    result = restore_on_destination.handler(event, Context())
    logs = capsys.readouterr()
    assert "TOPSECRETSIGNATURE" not in json.dumps(result)
    assert "TOPSECRETSIGNATURE" not in logs.out + logs.err
    hc = next(o for k, o in kube.objects.items() if k[1] == "hostedclusters")
    assert hc["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"] == [signer.url]


@pytest.mark.parametrize(("outcome", "expected"), [
    ("SUCCEEDED", {"MigrationSucceeded": 1, "MigrationFailed": 0, "MigrationRtoSeconds": 42.5}),
    ("FAILED", {"MigrationSucceeded": 0, "MigrationFailed": 1,
                "MigrationManualActionRequired": 0}),
])
def test_outcome_metrics(capsys, outcome, expected):
    from hcp_dr.handlers import record_migration_outcome

    state = json.loads(preflighted().model_dump_json())
    event = {"outcome": outcome, "request": state["request"], "migration": state["migration"],
             "report": {"rto_seconds": 42.5},
             "error": {"Error": "DnsCleanupTimeout", "Cause": None}}
    result = record_migration_outcome.handler(event, Context())
    assert result["outcome"] == outcome
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines()
                 if line.startswith("{") and "_aws" in line]
    metrics = {k: v[0] if isinstance(v, list) else v for d in documents
               for k, v in d.items() if k.startswith("Migration")}
    assert metrics == expected
    assert all(d["HostedCluster"] == "clusters/cesar" for d in documents)


def test_a_failed_undo_step_is_counted_and_told(capsys):
    from hcp_dr.handlers import record_migration_outcome

    state = json.loads(preflighted().model_dump_json())
    failure = {"Error": "InjectedFailure", "Cause": "kubeconfig token sha256~SECRET"}
    trail = {**state, "error": failure,
             "resume_error": {"Error": "KubernetesApiUnavailable", "Cause": "SECRET too"}}
    event = {"outcome": "FAILED", "request": state["request"], "migration": state["migration"],
             "error": failure, "trail": trail}
    result = record_migration_outcome.handler(event, Context())
    assert result["runs_on"] == "paused-on-source"
    assert result["subject"] == "hcp-dr migration failed: MANUAL ACTION REQUIRED"
    assert len(result["manual_actions"]) == 1 and "(1) " in result["summary"]
    out = capsys.readouterr().out
    metrics = [json.loads(line) for line in out.splitlines() if '"_aws"' in line]
    counted = [d["MigrationManualActionRequired"] for d in metrics
               if "MigrationManualActionRequired" in d]
    assert counted in ([1], [[1]]), counted  # EMF may wrap a value in a list
    assert "SECRET" not in out and "SECRET" not in json.dumps(result)


@pytest.mark.parametrize("detail", [
    {"executionArn": "arn:x", "name": "m", "status": "SUCCEEDED", "startDate": 1},  # not ours
    {"executionArn": "", "name": "m", "status": "ABORTED", "startDate": 1},
    {"name": "m", "status": "ABORTED", "startDate": 1},
])
def test_the_stopped_migration_recovery_refuses_an_event_it_was_not_built_for(monkeypatch,
                                                                              detail):
    from hcp_dr.handlers import recover_stopped_migration

    def never(*_args, **_kwargs):
        raise AssertionError("reached past validation")

    monkeypatch.setattr(recover_stopped_migration, "after_grace", never)
    event = {"source": "aws.states", "detail-type": "Step Functions Execution Status Change",
             "detail": detail}
    with pytest.raises(InvalidRequest):
        recover_stopped_migration.handler(event, Context())
