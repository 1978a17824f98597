"""LocalAws leaves the process as it found it: env, moto's code and config, threads, ports."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator

import boto3
import pytest
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core.config import default_user_config
from moto.events.models import Rule
from moto.stepfunctions.parser.asl.utils import boto_client

from sandbox.aws import LocalAws

USER_ENVIRONMENT = {
    "AWS_PROFILE": "someones-real-profile",
    "AWS_ACCESS_KEY_ID": "AKIAREALLOOKING",
    "AWS_ENDPOINT_URL_S3": "https://s3.example.invalid",
    "AWS_DEFAULT_REGION": "ap-southeast-2",
}


@pytest.fixture
def user_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A user shell with real-looking AWS settings that must neither leak in nor get lost."""
    for key in [k for k in os.environ if k.startswith("AWS_") or k == "MOTO_PORT"]:
        monkeypatch.delenv(key)
    for key, value in USER_ENVIRONMENT.items():
        monkeypatch.setenv(key, value)
    yield dict(USER_ENVIRONMENT)


def test_stop_restores_everything(user_environment: dict[str, str]) -> None:
    threads_before = set(threading.enumerate())
    original_invoke, original_send = LambdaSimpleBackend.invoke, Rule.send_to_targets
    original_client_for = boto_client.boto_client_for
    config_before = json.dumps(
        {key: default_user_config.get(key) for key in ("lambda", "stepfunctions")}
    )

    aws = LocalAws().start()
    port = aws.port
    assert os.environ["AWS_ENDPOINT_URL"] == aws.endpoint_url
    assert os.environ["MOTO_PORT"] == str(port)
    assert "AWS_PROFILE" not in os.environ and "AWS_ENDPOINT_URL_S3" not in os.environ
    assert boto3.client("sts").get_caller_identity()["Account"] == "123456789012"
    _run_a_task_token_execution_left_waiting(aws)
    aws.stop()

    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), 1):
        pass
    assert set(threading.enumerate()) - threads_before == set()
    assert {k: v for k, v in os.environ.items() if k.startswith("AWS_")} == user_environment
    assert "MOTO_PORT" not in os.environ
    assert LambdaSimpleBackend.invoke is original_invoke
    assert Rule.send_to_targets is original_send
    assert boto_client.boto_client_for is original_client_for
    assert json.dumps(
        {key: default_user_config.get(key) for key in ("lambda", "stepfunctions")}
    ) == config_before


def test_start_and_stop_are_idempotent_and_exclusive(user_environment: dict[str, str]) -> None:
    aws = LocalAws()
    aws.stop()  # not started: nothing to do
    with aws:
        assert aws.start() is aws
        with pytest.raises(RuntimeError, match="another LocalAws"):
            LocalAws().start()
    aws.stop()
    assert not aws.running
    with aws:  # restartable, on a fresh ephemeral port, with empty state
        assert aws.client("s3").list_buckets()["Buckets"] == []
        assert aws.port > 0
    assert os.environ["AWS_PROFILE"] == user_environment["AWS_PROFILE"]


def test_broken_user_profile_does_not_break_the_sandbox(
    user_environment: dict[str, str], timings: dict[str, float]
) -> None:
    # AWS_PROFILE names a profile that exists nowhere: boto3 would raise ProfileNotFound.
    began = time.perf_counter()
    with LocalAws() as aws:
        assert aws.client("sts").get_caller_identity()["Account"] == "123456789012"
    timings.setdefault("LocalAws start+STS call+stop (warm process) [s]",
                       time.perf_counter() - began)


def _run_a_task_token_execution_left_waiting(aws: LocalAws) -> None:
    """Leave work in flight: a task waiting for its token, plus an async Lambda invoke."""
    parked = threading.Event()
    aws.register_handler("Park", lambda event, context: parked.set())
    definition = {"StartAt": "Wait", "States": {"Wait": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "Park", "Payload": {"token.$": "$$.Task.Token"}},
        "End": True,
    }}}
    arn = aws.client("stepfunctions").create_state_machine(
        name="Parked", definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/sandbox",
    )["stateMachineArn"]
    aws.start_execution(arn)
    assert parked.wait(10)
    aws.client("lambda").invoke(FunctionName="Park", InvocationType="Event", Payload=b"{}")
