"""Every AWS adapter names a network failure (botocore's retries spent on a connection that
failed or a read that timed out) `AwsServiceUnavailable`, which the state machines retry.
Under botocore's own names no Retry matches it: a lock check in RestoreOnDestination would
roll the whole migration back over one dropped connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from hcp_dr.adapters.dns_waits import DnsWaits
from hcp_dr.adapters.dns_zones import DnsZones
from hcp_dr.adapters.execution_status import ExecutionStatus
from hcp_dr.adapters.kubeconfig_secrets import KubeconfigSecrets
from hcp_dr.adapters.lock_table import LockTable
from hcp_dr.adapters.migration_executions import MigrationExecutions
from hcp_dr.adapters.migration_policies import MigrationPolicies
from hcp_dr.adapters.restore_url_signer import signer_from_secret
from hcp_dr.adapters.task_results import TaskResults
from hcp_dr.adapters.trigger_marks import TriggerMarks
from hcp_dr.errors import AwsServiceUnavailable, HcpDrError

ENDPOINT = "https://dynamodb.eu-west-1.amazonaws.com/?X-Amz-Signature=0123456789abcdef"
MACHINE = "arn:aws:states:eu-west-1:1:stateMachine:Migration"
FAILURES = [EndpointConnectionError(endpoint_url=ENDPOINT),
            ReadTimeoutError(endpoint_url=ENDPOINT)]


def _failing_client(failure: Exception) -> Any:
    """Every operation, and every page of every paginator, raises `failure`."""
    client = mock.Mock()
    client.get_paginator.return_value.paginate.side_effect = failure
    for operation in ("get_item", "put_item", "delete_item", "update_item", "scan",
                      "describe_execution", "start_execution", "send_task_success",
                      "get_secret_value", "get_parameter", "list_hosted_zones_by_name",
                      "list_resource_record_sets"):
        getattr(client, operation).side_effect = failure
    return client


CALLS: dict[str, Callable[[Any], object]] = {
    "LockTable.owner": lambda c: LockTable(c, "locks").owner("hosted-cluster/ns/hc"),
    "LockTable.acquire": lambda c: LockTable(c, "locks").acquire("l", "me", 1, 60, "backup"),
    "LockTable.release": lambda c: LockTable(c, "locks").release("l", "me"),
    "ExecutionStatus.status": lambda c: ExecutionStatus(c).status(f"{MACHINE}:x"),
    "DnsWaits.pending": lambda c: DnsWaits(c, "locks").pending(),
    "DnsZones.zone_for": lambda c: DnsZones(c).zone_for("api.cesar.example.com"),
    "TaskResults.succeed": lambda c: TaskResults(c).succeed("token", {}),
    "KubeconfigSecrets.load": lambda c: KubeconfigSecrets(c, "p/").load("source"),
    "KubeconfigSecrets.registered_clusters":
        lambda c: KubeconfigSecrets(c, "p/").registered_clusters(),
    "signer_from_secret": lambda c: signer_from_secret(c, "signer", "eu-west-1"),
    "MigrationExecutions.start": lambda c: MigrationExecutions(c, MACHINE).start("m", {}),
    "MigrationExecutions.running_for":
        lambda c: MigrationExecutions(c, MACHINE).running_for("ns/hc"),
    "TriggerMarks.claim": lambda c: TriggerMarks(c, "locks").claim("ns/hc", "m", "alarm", 1, 60),
    "MigrationPolicies.load": lambda c: MigrationPolicies(c, "/hcp-dr/policies").load(),
}


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: type(f).__name__)
@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_a_network_failure_is_named_transient_without_the_request_url(
        call: Callable[[Any], object], failure: Exception):
    with pytest.raises(AwsServiceUnavailable) as raised:
        call(_failing_client(failure))
    assert type(failure).__name__ in str(raised.value)
    assert "X-Amz-Signature" not in str(raised.value) and ENDPOINT not in str(raised.value)
    assert raised.value.__suppress_context__


@pytest.mark.parametrize("load", [
    lambda c: KubeconfigSecrets(c, "p/").load("source"),
    lambda c: signer_from_secret(c, "signer", "eu-west-1"),
], ids=["kubeconfig", "restore-url-signer"])
def test_a_secret_stored_as_binary_is_named_not_a_key_error(load: Callable[[Any], object]):
    client = mock.Mock()
    client.get_secret_value.return_value = {"SecretBinary": b"\x00\x01", "Name": "x"}
    with pytest.raises(HcpDrError) as raised:
        load(client)
    assert type(raised.value).__name__ in {"KubeconfigInvalid", "RestoreUrlSignerInvalid"}
