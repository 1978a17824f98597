"""The real Migration state machine refuses, before any change, what cannot succeed."""

from __future__ import annotations

import json
import threading
import time

import pytest

from sandbox.aws.executions import wait_for_execution
from sandbox.environment import Sandbox
from sandbox.rollback_check import source_state
from tests.integration.backup_driver import breaks, handler_wrapped, start_backup, wait_until
from tests.integration.migration.migration_driver import (
    CONFIGMAPS,
    DEPLOYMENTS,
    HC,
    NAMESPACES,
    held_locks,
    run_migration,
    start_migration,
    store,
    wait_migration,
)


def _refused(sandbox: Sandbox, error: str) -> None:
    before = source_state(sandbox)
    destination_namespaces = sorted(n["metadata"]["name"]
                                    for n in store(sandbox, "destination").list(NAMESPACES))
    run = run_migration(sandbox, timeout=120)
    assert (run.status, run.error) == ("FAILED", error), run.cause
    assert source_state(sandbox) == before
    assert held_locks(sandbox) == []
    assert sorted(n["metadata"]["name"] for n in store(sandbox, "destination").list(
        NAMESPACES)) == destination_namespaces
    assert store(sandbox, "destination").list(HC) == []


def test_foreign_objects_on_destination_refuse_the_migration_and_stay(sandbox: Sandbox):
    destination = store(sandbox, "destination")
    namespace = sandbox.plan.hcp_namespace
    destination.create(NAMESPACES, None, {"metadata": {"name": namespace}})
    destination.create(CONFIGMAPS, namespace, {"metadata": {"name": "kube-root-ca.crt"},
                                               "data": {"ca.crt": "platform default"}})
    destination.create(CONFIGMAPS, namespace, {"metadata": {"name": "precious"},
                                               "data": {"owner": "another team"}})
    try:
        _refused(sandbox, "ForeignObjectsOnDestination")
        assert destination.get(CONFIGMAPS, namespace, "precious")["data"] == {
            "owner": "another team"}
    finally:
        destination.delete(NAMESPACES, None, namespace)


def test_destination_operator_without_the_hcs_minor_refuses(sandbox: Sandbox):
    destination = store(sandbox, "destination")
    original = destination.get(CONFIGMAPS, "hypershift", "supported-versions")["data"]
    destination.patch(CONFIGMAPS, "hypershift", "supported-versions", {
        "data": {"supported-versions": json.dumps({"versions": ["4.12", "4.11"]})}})
    try:
        _refused(sandbox, "UnsupportedVersionOnDestination")
    finally:
        destination.patch(CONFIGMAPS, "hypershift", "supported-versions", {"data": original})


def test_destination_whose_external_dns_covers_another_domain_refuses(sandbox: Sandbox):
    destination = store(sandbox, "destination")
    external_dns = destination.get(DEPLOYMENTS, "hypershift", "external-dns")
    containers = external_dns["spec"]["template"]["spec"]["containers"]
    elsewhere = [{**c, "args": [a if not a.startswith("--domain-filter=")
                                else "--domain-filter=elsewhere.example.org" for a in c["args"]]}
                 for c in containers]
    destination.patch(DEPLOYMENTS, "hypershift", "external-dns",
                      {"spec": {"template": {"spec": {"containers": elsewhere}}}})
    try:
        _refused(sandbox, "ExternalDnsNotConfigured")
    finally:
        destination.patch(DEPLOYMENTS, "hypershift", "external-dns",
                          {"spec": {"template": {"spec": {"containers": containers}}}})


def _hold_lock(sandbox: Sandbox, purpose: str, owner: str | None = None) -> dict:
    assert sandbox.backup_env is not None
    key = {"pk": {"S": f"lock#hosted-cluster/{sandbox.plan.namespace}/{sandbox.plan.name}"},
           "sk": {"S": "lock"}}
    now = int(time.time())
    owner = owner or f"arn:aws:states:us-east-1:1:execution:{purpose}:other"
    sandbox.aws.client("dynamodb").put_item(TableName=sandbox.backup_env.lock_table, Item={
        **key, "owner": {"S": owner},
        "purpose": {"S": purpose}, "acquired_at": {"N": str(now)},
        "expires_at": {"N": str(now + 600)}})
    return key


def _free_lock(sandbox: Sandbox, key: dict) -> None:
    assert sandbox.backup_env is not None
    sandbox.aws.client("dynamodb").delete_item(TableName=sandbox.backup_env.lock_table, Key=key)


def test_another_migration_holding_the_lock_fails_the_run_at_once(sandbox: Sandbox):
    key = _hold_lock(sandbox, "migration")
    try:
        before = source_state(sandbox)
        run = run_migration(sandbox, timeout=120)
        assert (run.status, run.error) == ("FAILED", "ClusterLocked"), run.cause
        assert source_state(sandbox) == before
        assert held_locks(sandbox) == [key["pk"]["S"]]  # the other holder's, untouched
    finally:
        _free_lock(sandbox, key)


def _history_text(sandbox: Sandbox, arn: str) -> str:
    return json.dumps(sandbox.aws.client("stepfunctions").get_execution_history(
        executionArn=arn, maxResults=1000)["events"], default=str)


def _failures(sandbox: Sandbox, arn: str, error: str) -> int:
    """Task attempts of the execution that failed with `error`."""
    events = sandbox.aws.client("stepfunctions").get_execution_history(
        executionArn=arn, maxResults=1000)["events"]
    return sum(1 for event in events for key, details in event.items()
               if key.endswith("EventDetails") and event["type"].endswith("Failed")
               and isinstance(details, dict) and details.get("error") == error)


def test_a_running_backup_is_waited_for_without_changing_anything(sandbox: Sandbox):
    """A scheduled tick that listed the cluster just before the migration began holds its
    lock for minutes: the migration retries BackupInProgress instead of failing (the ASL
    test checks it gives up after 10 minutes). Stopped while it waits, nothing was touched."""
    release, held = threading.Event(), threading.Event()

    def held_after_locking(real):
        def handler(event, context):
            held.set()
            release.wait(timeout=120)
            return real(event, context)
        return handler

    sfn = sandbox.aws.client("stepfunctions")
    # Held at its snapshot, after its lock: a stage the migration reaches only after its own.
    with handler_wrapped(sandbox, "SnapshotEtcd", held_after_locking):
        backup = start_backup(sandbox)
        try:
            wait_until(held.is_set, timeout=60)
            before, locks = source_state(sandbox), held_locks(sandbox)
            arn = start_migration(sandbox)
            # Refused, waited 30 s, refused again: still waiting.
            try:
                wait_until(lambda: _failures(sandbox, arn, "BackupInProgress") >= 2,
                           timeout=90)
            except TimeoutError:
                raise AssertionError(_history_text(sandbox, arn)[-3000:]) from None
            assert "ReleaseLocksAfterFailure" not in _history_text(sandbox, arn)
            assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
            assert source_state(sandbox) == before and held_locks(sandbox) == locks
            sfn.stop_execution(executionArn=arn)
            assert wait_migration(sandbox, arn, timeout=30).status == "ABORTED"
        finally:
            release.set()
        assert wait_for_execution(sfn, backup, timeout=120)["status"] == "SUCCEEDED"
    assert held_locks(sandbox) == []


def test_the_lock_of_a_backup_that_ended_is_taken_over(sandbox: Sandbox):
    """A backup stopped by hand (or timed out) leaves its lock for hours: the migration does
    not wait for it. Here the stage after the locks fails, so the run ends and the failure
    path releases what it took over."""
    backup_machine = sandbox.state_machines["Backup"]
    stale = backup_machine.replace(":stateMachine:", ":execution:") + ":stopped-long-ago"
    key = _hold_lock(sandbox, "backup", owner=stale)
    try:
        before = source_state(sandbox)
        with handler_wrapped(sandbox, "MarkSourceCluster", breaks):
            run = run_migration(sandbox, timeout=120)
        assert (run.status, run.error) == ("FAILED", "InjectedFailure"), run.cause
        assert "BackupInProgress" not in _history_text(sandbox, run.arn)
        assert source_state(sandbox) == before and held_locks(sandbox) == []
    finally:
        _free_lock(sandbox, key)


@pytest.mark.parametrize("bad", [{"destination": "source"}, {"approval": "perhaps"},
                                 {"hosted_cluster": {"namespace": "clusters", "name": "nope"}}])
def test_invalid_or_unknown_requests_fail_without_changes(sandbox: Sandbox, bad: dict):
    before = source_state(sandbox)
    run = run_migration(sandbox, timeout=60, **bad)
    assert run.status == "FAILED" and run.error in {"InvalidRequest", "HostedClusterNotFound"}
    assert source_state(sandbox) == before and held_locks(sandbox) == []
