"""How a lock's holder ended (moto Step Functions): a backup or migration meeting a lock
takes it over only from a holder that ended in a way that lets it, so the status it reads
must be the execution's own, and an unknown holder must read as none."""

from __future__ import annotations

import json
from unittest import mock

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from hcp_dr.adapters.execution_status import ExecutionStatus
from hcp_dr.errors import AwsRequestRejected, AwsServiceUnavailable

REGION = "eu-west-1"
DEFINITION = json.dumps({"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 600,
                                                                "End": True}}})


@pytest.fixture
def stepfunctions():
    with mock_aws():
        client = boto3.client("stepfunctions", region_name=REGION)
        yield client


def _machine(client) -> str:
    return client.create_state_machine(
        name="Migration", definition=DEFINITION,
        roleArn="arn:aws:iam::123456789012:role/states")["stateMachineArn"]


def test_a_running_then_stopped_execution_reads_as_such(stepfunctions):
    arn = stepfunctions.start_execution(stateMachineArn=_machine(stepfunctions),
                                        name="m-1")["executionArn"]
    executions = ExecutionStatus(stepfunctions)
    assert executions.status(arn) == "RUNNING" and executions.is_running(arn)

    stepfunctions.stop_execution(executionArn=arn)

    assert executions.status(arn) == "ABORTED" and not executions.is_running(arn)


def test_an_unknown_execution_has_no_status(stepfunctions):
    machine = _machine(stepfunctions)
    unknown = machine.replace(":stateMachine:", ":execution:") + ":never-started"
    assert ExecutionStatus(stepfunctions).status(unknown) is None


@pytest.mark.parametrize(("code", "error"), [("ThrottlingException", AwsServiceUnavailable),
                                             ("AccessDeniedException", AwsRequestRejected)])
def test_a_refused_describe_is_named_transient_or_not(code: str, error: type[Exception]):
    client = mock.Mock()
    client.describe_execution.side_effect = ClientError(
        {"Error": {"Code": code, "Message": "arn:aws:states:secret-looking-detail"}},
        "DescribeExecution")
    with pytest.raises(error) as raised:
        ExecutionStatus(client).status("arn:aws:states:eu-west-1:1:execution:m:x")
    assert code in str(raised.value) and "secret-looking-detail" not in str(raised.value)
