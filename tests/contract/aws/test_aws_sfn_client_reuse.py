"""The interpreter builds one boto3 client per service for the sandbox's life, not one per task."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import boto3
import pytest

from sandbox.aws import LocalAws, deploy_state_machine
from sandbox.aws.sfn_clients import reusing

INTERPRETER_KEY = "ak"  # the access key moto's interpreter gives its clients


def _three_steps(local_aws: LocalAws, tmp_path: Path) -> str:
    local_aws.register_handler("Increment", lambda event, context: {"n": event["n"] + 1})
    states = {f"Step{i}": {"Type": "Task", "Resource": "${IncrementFunctionArn}",
                           **({"Next": f"Step{i + 1}"} if i < 2 else {"End": True})}
              for i in range(3)}
    path = tmp_path / "ThreeSteps.asl.json"
    path.write_text(json.dumps({"StartAt": "Step0", "States": states}))
    return deploy_state_machine(local_aws, "ThreeSteps", path, {}, functions=("Increment",))


def test_two_executions_of_three_tasks_build_one_lambda_client(
    local_aws: LocalAws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[str] = []
    real_client = boto3.client

    def counting_client(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("aws_access_key_id") == INTERPRETER_KEY:
            built.append(kwargs.get("service_name") or args[0])
        return real_client(*args, **kwargs)

    monkeypatch.setattr(boto3, "client", counting_client)
    arn = _three_steps(local_aws, tmp_path)

    outputs = [local_aws.wait_for_execution(local_aws.start_execution(arn, {"n": n}), 30)
               for n in (0, 10)]

    assert [json.loads(o["output"]) for o in outputs] == [{"n": 3}, {"n": 13}]
    assert built.count("lambda") == 1  # stock moto: one per task, 6


def test_reusing_builds_once_per_region_and_service_even_under_concurrent_first_calls() -> None:
    calls: list[tuple[str, str]] = []
    gate = threading.Barrier(8)

    def create(region: str, service: str, credentials: Any = None) -> object:
        calls.append((region, service))
        return object()

    client_for = reusing(create)
    results: list[object] = []

    def first_call() -> None:
        gate.wait()
        results.append(client_for("us-east-1", "lambda", None))

    threads = [threading.Thread(target=first_call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(r) for r in results}) == 1
    assert client_for("us-east-1", "sns") is not results[0]
    assert client_for("eu-west-1", "lambda") is not results[0]
    assert calls == [("us-east-1", "lambda"), ("us-east-1", "sns"), ("eu-west-1", "lambda")]
