"""The real Migration state machine refuses, before any change, what cannot succeed."""

from __future__ import annotations

import json
import time

import pytest

from sandbox.environment import Sandbox
from sandbox.rollback_check import source_state
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


def test_destination_operator_without_external_dns_refuses(sandbox: Sandbox):
    destination = store(sandbox, "destination")
    operator = destination.get(DEPLOYMENTS, "hypershift", "operator")
    containers = operator["spec"]["template"]["spec"]["containers"]
    without = [{**c, "args": [a for a in c["args"] if "external-dns" not in a]}
               for c in containers]
    destination.patch(DEPLOYMENTS, "hypershift", "operator",
                      {"spec": {"template": {"spec": {"containers": without}}}})
    try:
        _refused(sandbox, "ExternalDnsNotConfigured")
    finally:
        destination.patch(DEPLOYMENTS, "hypershift", "operator",
                          {"spec": {"template": {"spec": {"containers": containers}}}})


def _hold_lock(sandbox: Sandbox, purpose: str) -> dict:
    assert sandbox.backup_env is not None
    key = {"pk": {"S": f"lock#hosted-cluster/{sandbox.plan.namespace}/{sandbox.plan.name}"},
           "sk": {"S": "lock"}}
    now = int(time.time())
    sandbox.aws.client("dynamodb").put_item(TableName=sandbox.backup_env.lock_table, Item={
        **key, "owner": {"S": f"arn:aws:states:us-east-1:1:execution:{purpose}:other"},
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


def test_a_running_backup_is_waited_for_without_changing_anything(sandbox: Sandbox):
    """A scheduled tick that listed the cluster just before the migration began holds its
    lock for minutes: the migration retries BackupInProgress instead of failing (the ASL
    test checks it gives up after 10 minutes). Stopped while it waits, nothing was touched."""
    key = _hold_lock(sandbox, "backup")
    sfn = sandbox.aws.client("stepfunctions")
    try:
        before = source_state(sandbox)
        arn = start_migration(sandbox)
        deadline = time.monotonic() + 60
        while "BackupInProgress" not in json.dumps(
                sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"],
                default=str):
            assert time.monotonic() < deadline, "AcquireLocks never met the backup's lock"
            time.sleep(0.2)
        assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
        assert source_state(sandbox) == before
        assert held_locks(sandbox) == [key["pk"]["S"]]
        sfn.stop_execution(executionArn=arn)
        assert wait_migration(sandbox, arn, timeout=30).status == "ABORTED"
    finally:
        _free_lock(sandbox, key)


@pytest.mark.parametrize("bad", [{"destination": "source"}, {"approval": "perhaps"},
                                 {"hosted_cluster": {"namespace": "clusters", "name": "nope"}}])
def test_invalid_or_unknown_requests_fail_without_changes(sandbox: Sandbox, bad: dict):
    before = source_state(sandbox)
    run = run_migration(sandbox, timeout=60, **bad)
    assert run.status == "FAILED" and run.error in {"InvalidRequest", "HostedClusterNotFound"}
    assert source_state(sandbox) == before and held_locks(sandbox) == []
