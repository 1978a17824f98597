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
    store,
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


def test_a_running_backup_or_migration_holds_the_lock(sandbox: Sandbox):
    assert sandbox.backup_env is not None
    dynamodb = sandbox.aws.client("dynamodb")
    key = {"pk": {"S": f"lock#hosted-cluster/{sandbox.plan.namespace}/{sandbox.plan.name}"},
           "sk": {"S": "lock"}}
    now = int(time.time())
    dynamodb.put_item(TableName=sandbox.backup_env.lock_table, Item={
        **key, "owner": {"S": "arn:aws:states:us-east-1:1:execution:Backup:other"},
        "purpose": {"S": "backup"}, "acquired_at": {"N": str(now)},
        "expires_at": {"N": str(now + 600)}})
    try:
        before = source_state(sandbox)
        run = run_migration(sandbox, timeout=120)
        assert (run.status, run.error) == ("FAILED", "ClusterLocked"), run.cause
        assert source_state(sandbox) == before
        assert held_locks(sandbox) == [key["pk"]["S"]]  # the other holder's, untouched
    finally:
        dynamodb.delete_item(TableName=sandbox.backup_env.lock_table, Key=key)


@pytest.mark.parametrize("bad", [{"destination": "source"}, {"approval": "perhaps"},
                                 {"hosted_cluster": {"namespace": "clusters", "name": "nope"}}])
def test_invalid_or_unknown_requests_fail_without_changes(sandbox: Sandbox, bad: dict):
    before = source_state(sandbox)
    run = run_migration(sandbox, timeout=60, **bad)
    assert run.status == "FAILED" and run.error in {"InvalidRequest", "HostedClusterNotFound"}
    assert source_state(sandbox) == before and held_locks(sandbox) == []
