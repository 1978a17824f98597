"""An AWS refusal that no retry can cure (access denied, a validation error) leaves every
adapter as `AwsRequestRejected` with its code only: AWS's message may quote the request (a
task token, which completes the task; a lock item), and a raw ClientError reaches the
execution's error cause under a name no state expects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from botocore.exceptions import ClientError

from hcp_dr.adapters.dns_waits import DnsWaits
from hcp_dr.adapters.lock_table import LockTable
from hcp_dr.adapters.migration_executions import MigrationExecutions
from hcp_dr.adapters.migration_policies import MigrationPolicies
from hcp_dr.adapters.task_results import TaskResults
from hcp_dr.adapters.trigger_marks import TriggerMarks
from hcp_dr.errors import AwsRequestRejected

NEEDLE = "AAAAKgAAAAIAAAAAAAAAAQ-task-token-like"
MACHINE = "arn:aws:states:eu-west-1:1:stateMachine:Migration"


def _refusing_client(code: str) -> Any:
    refusal = ClientError({"Error": {"Code": code, "Message": f"bad value {NEEDLE}"}}, "Op")
    client = mock.Mock()
    client.get_paginator.return_value.paginate.side_effect = refusal
    for operation in ("get_item", "put_item", "delete_item", "update_item", "scan",
                      "start_execution", "send_task_success", "send_task_failure",
                      "get_parameter"):
        getattr(client, operation).side_effect = refusal
    return client


CALLS: dict[str, Callable[[Any], object]] = {
    "TaskResults.succeed": lambda c: TaskResults(c).succeed(NEEDLE, {}),
    "TaskResults.fail": lambda c: TaskResults(c).fail(NEEDLE, "E", "cause"),
    "LockTable.acquire": lambda c: LockTable(c, "locks").acquire("l", "me", 1, 60, "backup"),
    "LockTable.release": lambda c: LockTable(c, "locks").release("l", "me"),
    "LockTable.owner": lambda c: LockTable(c, "locks").owner("l"),
    "DnsWaits.pending": lambda c: DnsWaits(c, "locks").pending(),
    "MigrationExecutions.start": lambda c: MigrationExecutions(c, MACHINE).start("m", {}),
    "TriggerMarks.claim": lambda c: TriggerMarks(c, "locks").claim("ns/hc", "m", "a", 1, 60),
    "MigrationPolicies.load": lambda c: MigrationPolicies(c, "/hcp-dr/policies").load(),
}


@pytest.mark.parametrize("code", ["AccessDeniedException", "ValidationException"])
@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_a_refusal_is_named_with_its_code_only(call: Callable[[Any], object], code: str):
    with pytest.raises(AwsRequestRejected) as raised:
        call(_refusing_client(code))
    assert code in str(raised.value) and NEEDLE not in str(raised.value)
    assert raised.value.__suppress_context__
