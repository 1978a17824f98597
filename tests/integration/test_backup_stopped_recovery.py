"""A quiesced backup stopped mid-snapshot runs no failure path in Step Functions: the
`Execution Status Change` event brings RecoverEndedBackup, which scales the writers back to
their recorded counts and releases the lock, so the hosted cluster's API does not stay down."""

from __future__ import annotations

import threading

from sandbox.environment import Sandbox
from tests.integration.backup_driver import handler_wrapped, start_backup, wait_until

DEPLOYMENTS = ("apps", "v1", "deployments")
WRITERS = ("kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver")


def _replicas(sandbox: Sandbox) -> dict[str, int]:
    store = sandbox.management["source"].cluster.store
    return {w: store.get(DEPLOYMENTS, sandbox.plan.hcp_namespace, w)["spec"]["replicas"]
            for w in WRITERS}


def _lock_holders(sandbox: Sandbox) -> list[str]:
    assert sandbox.backup_env is not None
    items = sandbox.aws.client("dynamodb").scan(TableName=sandbox.backup_env.lock_table)["Items"]
    return [i["owner"]["S"] for i in items if i["pk"]["S"].startswith("lock#hosted-cluster/")]


def test_a_stopped_quiesced_backup_gets_its_writers_back_and_its_lock_released(
        sandbox: Sandbox):
    before = _replicas(sandbox)
    entered, release = threading.Event(), threading.Event()

    def held_snapshot(real):
        def handler(event, context):
            entered.set()
            release.wait(timeout=60)
            raise TimeoutError("the execution was stopped meanwhile")
        return handler

    sfn = sandbox.aws.client("stepfunctions")
    with handler_wrapped(sandbox, "SnapshotEtcd", held_snapshot):
        arn = start_backup(sandbox, consistency="quiesced")
        assert entered.wait(timeout=60)
        assert set(_replicas(sandbox).values()) == {0} and _lock_holders(sandbox) == [arn]
        sfn.stop_execution(executionArn=arn, error="Operator", cause="stopped by hand")
        release.set()
        wait_until(lambda: sfn.describe_execution(executionArn=arn)["status"] == "ABORTED",
                   timeout=30)
    sandbox.aws.wait_for_deliveries()
    wait_until(lambda: _replicas(sandbox) == before, timeout=30)

    assert _lock_holders(sandbox) == []
    recoveries = [i for i in sandbox.aws.invocations if i.function_name == "RecoverEndedBackup"]
    assert len(recoveries) == 1 and recoveries[0].error_type is None
