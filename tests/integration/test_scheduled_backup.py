"""The scheduled fan-out: every hosted cluster, bounded concurrency, failures isolated."""

from __future__ import annotations

import json
import threading
import time

from hcp_dr.adapters.lock_table import LockTable
from sandbox.aws.executions import start_execution, wait_for_execution
from sandbox.environment import Sandbox
from tests.integration.backup_driver import InjectedFailure, handler_wrapped, wait_until
from tests.integration.migration.migration_driver import start_migration, wait_migration

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:Migration"


def _fan_out(sandbox: Sandbox, selection: dict) -> dict:
    sfn = sandbox.aws.client("stepfunctions")
    arn = start_execution(sfn, sandbox.state_machines["ScheduledBackup"], selection)
    description = wait_for_execution(sfn, arn, timeout=240)
    assert description["status"] == "SUCCEEDED", description.get("cause")
    return json.loads(description["output"])


def test_schedule_tick_backs_up_every_registered_cluster(sandbox: Sandbox):
    arn = sandbox.fire_backup_schedule()
    description = wait_for_execution(sandbox.aws.client("stepfunctions"), arn, timeout=240)
    assert description["status"] == "SUCCEEDED", description.get("cause")
    summary = json.loads(description["output"])
    assert summary["succeeded"] == 1 and summary["failed"] == 0
    (cluster,) = summary["clusters"]
    assert (cluster["management_cluster"], cluster["namespace"], cluster["name"]) == (
        "source", sandbox.plan.namespace, sandbox.plan.name)
    assert cluster["backup_id"]


def test_one_failing_cluster_does_not_stop_the_others(sandbox: Sandbox):
    secrets = sandbox.aws.client("secretsmanager")
    # A registered management cluster whose API is gone (closed port on loopback).
    dead = sandbox.management["destination"].cluster.kubeconfig().replace(
        sandbox.management["destination"].cluster.url, "https://127.0.0.1:9")
    secrets.create_secret(Name="hcp-dr/management-clusters/gone", SecretString=dead)
    try:
        summary = _fan_out(sandbox, {"hosted_clusters": [
            {"management_cluster": "source", "namespace": sandbox.plan.namespace,
             "name": sandbox.plan.name},
            {"management_cluster": "source", "namespace": "clusters", "name": "missing"},
        ]})
        assert summary["succeeded"] == 1 and summary["failed"] == 1
        failed = next(c for c in summary["clusters"] if c["name"] == "missing")
        assert failed["status"] == "FAILED" and failed["error"]
        everything = _fan_out(sandbox, {})
        assert everything["unreachable_management_clusters"] == [
            {"management_cluster": "gone", "error": "KubernetesApiUnavailable"}]
        assert everything["succeeded"] == 1
    finally:
        secrets.delete_secret(SecretId="hcp-dr/management-clusters/gone",
                              ForceDeleteWithoutRecovery=True)


def _lock_table(sandbox: Sandbox) -> LockTable:
    return LockTable(sandbox.aws.client("dynamodb"), sandbox.backup_env.lock_table)


def test_only_live_migration_locks_count_as_migrations(sandbox: Sandbox):
    locks, now = _lock_table(sandbox), int(time.time())
    locks.acquire("hosted-cluster/clusters/moving", f"{EXECUTION}:moving", now, 600, "migration")
    locks.acquire("hosted-cluster/clusters/backing-up", f"{EXECUTION}:b", now, 600, "backup")
    locks.acquire("hosted-cluster/clusters/crashed", f"{EXECUTION}:old", now - 900, 600,
                  "migration")
    try:
        assert locks.held_for("migration", now) == {
            "hosted-cluster/clusters/moving": f"{EXECUTION}:moving"}
    finally:
        for lock, owner in (("moving", "moving"), ("backing-up", "b"), ("crashed", "old")):
            locks.release(f"hosted-cluster/clusters/{lock}", f"{EXECUTION}:{owner}")


def _backup_executions(sandbox: Sandbox) -> int:
    return len(sandbox.aws.client("stepfunctions").list_executions(
        stateMachineArn=sandbox.state_machines["Backup"])["executions"])


def test_a_cluster_being_migrated_is_skipped_without_a_failure(sandbox: Sandbox):
    """A migration waiting hours for approval must not make every scheduled tick fail (and
    page) on its lock: the tick skips the cluster, says which migration holds it, and
    starts no backup of it."""
    release, held = threading.Event(), threading.Event()

    def held_after_locking(real):
        def handler(event, context):
            held.set()
            release.wait(timeout=120)
            raise InjectedFailure("held, then refused")
        return handler

    backups_before = _backup_executions(sandbox)
    with handler_wrapped(sandbox, "MarkSourceCluster", held_after_locking):
        arn = start_migration(sandbox)
        try:
            wait_until(held.is_set, timeout=60)
            summary = _fan_out(sandbox, {})
        finally:
            release.set()
        run = wait_migration(sandbox, arn, timeout=120)
    assert (run.status, run.error) == ("FAILED", "InjectedFailure")
    assert (summary["succeeded"], summary["failed"], summary["clusters"]) == (0, 0, [])
    assert summary["skipped_migrating"] == [{
        "hosted_cluster": f"{sandbox.plan.namespace}/{sandbox.plan.name}",
        "migration": arn.rsplit(":", 1)[-1], "management_clusters": ["source"]}]
    assert _backup_executions(sandbox) == backups_before
    failures = [m for m in sandbox.aws.runtime.logs.metrics("SummarizeBackupFanout")
                if "ScheduledBackupFailures" in m]
    assert failures[-1]["ScheduledBackupFailures"] == [0.0]


def test_a_lock_left_by_a_migration_that_no_longer_runs_still_fails_the_backup(
        sandbox: Sandbox):
    """Stopped by hand, a migration never released its lock: that is no migration in
    progress, and the backups it blocks fail and notify until someone clears it."""
    lock = f"hosted-cluster/{sandbox.plan.namespace}/{sandbox.plan.name}"
    locks = _lock_table(sandbox)
    locks.acquire(lock, f"{EXECUTION}:stopped-by-hand", int(time.time()), 600, "migration")
    try:
        summary = _fan_out(sandbox, {})
    finally:
        locks.release(lock, f"{EXECUTION}:stopped-by-hand")
    assert summary["skipped_migrating"] == []
    assert (summary["succeeded"], summary["failed"]) == (0, 1)
