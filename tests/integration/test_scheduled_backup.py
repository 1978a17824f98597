"""The scheduled fan-out: every hosted cluster, bounded concurrency, failures isolated."""

from __future__ import annotations

import json

from sandbox.aws.executions import start_execution, wait_for_execution
from sandbox.environment import Sandbox


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
