"""A quiesced backup stopped mid-snapshot runs no failure path in Step Functions: the
`Execution Status Change` event brings RecoverEndedBackup, which scales the writers back to
their recorded counts and releases the lock, so the hosted cluster's API does not stay down."""

from __future__ import annotations

from sandbox.environment import Sandbox
from tests.integration.backup_driver import stop_during_snapshot, wait_until, writer_replicas


def _lock_holders(sandbox: Sandbox) -> list[str]:
    assert sandbox.backup_env is not None
    items = sandbox.aws.client("dynamodb").scan(TableName=sandbox.backup_env.lock_table)["Items"]
    return [i["owner"]["S"] for i in items if i["pk"]["S"].startswith("lock#hosted-cluster/")]


def test_a_stopped_quiesced_backup_gets_its_writers_back_and_its_lock_released(
        sandbox: Sandbox):
    before = writer_replicas(sandbox)

    def writers_down_lock_held(arn: str) -> None:
        assert set(writer_replicas(sandbox).values()) == {0} and _lock_holders(sandbox) == [arn]

    stop_during_snapshot(sandbox, writers_down_lock_held, consistency="quiesced")
    sandbox.aws.wait_for_deliveries()
    wait_until(lambda: writer_replicas(sandbox) == before and not _lock_holders(sandbox),
               timeout=30)

    recoveries = [i for i in sandbox.aws.invocations if i.function_name == "RecoverEndedBackup"]
    assert len(recoveries) == 1 and recoveries[0].error_type is None
