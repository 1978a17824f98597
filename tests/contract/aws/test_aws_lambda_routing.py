"""Direct `lambda.invoke` against LocalAws behaves like Lambda for our handlers."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from sandbox.aws import LocalAws


class QuotaExceededError(Exception):
    pass


def _invoke(local_aws: LocalAws, name: str, payload: Any, **kwargs: Any) -> dict[str, Any]:
    return local_aws.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps(payload).encode(), **kwargs
    )


def test_context_satisfies_powertools(local_aws: LocalAws) -> None:
    stream = io.StringIO()
    logger = Logger(service="hcp-dr-test", logger_handler=logging.StreamHandler(stream))

    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        logger.info("working")
        return {
            "name": context.function_name,
            "arn": context.invoked_function_arn,
            "memory": context.memory_limit_in_mb,
            "remaining_ms": context.get_remaining_time_in_millis(),
            "version": context.function_version,
            "log_group": context.log_group_name,
        }

    local_aws.register_handler("Introspect", handler, timeout_seconds=30, memory_mb=512)
    response = _invoke(local_aws, f"{local_aws.function_arn('Introspect')}:live", {})

    result = json.loads(response["Payload"].read())
    assert result["name"] == "Introspect"
    assert result["arn"] == f"{local_aws.function_arn('Introspect')}:live"
    assert result["memory"] == "512"
    assert 29_000 < result["remaining_ms"] <= 30_000
    assert result["version"] == "$LATEST"
    assert result["log_group"] == "/aws/lambda/Introspect"
    record = json.loads(stream.getvalue().splitlines()[-1])
    assert record["function_name"] == "Introspect"
    assert record["function_request_id"]


def test_exception_becomes_unhandled_function_error(local_aws: LocalAws) -> None:
    def handler(event: dict[str, Any], context: Any) -> None:
        raise QuotaExceededError("too many widgets")

    local_aws.register_handler("OverQuota", handler)
    response = _invoke(local_aws, "OverQuota", {})

    assert response["FunctionError"] == "Unhandled"
    body = json.loads(response["Payload"].read())
    assert body["errorType"] == "QuotaExceededError"
    assert body["errorMessage"] == "too many widgets"
    assert any("raise QuotaExceededError" in line for line in body["stackTrace"])


def test_unknown_function_is_resource_not_found(local_aws: LocalAws) -> None:
    client = local_aws.client("lambda")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        _invoke(local_aws, "NoSuchFunction", {})


def test_catalog_function_runs_its_real_handler(local_aws: LocalAws) -> None:
    # Not registered: resolved from stacks/catalog.py ("hcp_dr.handlers...handler") and run
    # under Powertools' log_metrics + inject_lambda_context with the sandbox's context.
    result = {"management_cluster": "mc-1", "namespace": "clusters", "name": "alpha",
              "status": "SUCCEEDED", "backup_id": "b-1"}
    response = _invoke(local_aws, "SummarizeBackupFanout", {"results": [result]})

    assert "FunctionError" not in response
    summary = json.loads(response["Payload"].read())
    assert (summary["succeeded"], summary["failed"]) == (1, 0)


def test_event_invocation_runs_in_background(local_aws: LocalAws) -> None:
    received = threading.Event()
    local_aws.register_handler("Notify", lambda event, context: received.set())

    response = _invoke(local_aws, "Notify", {"hello": 1}, InvocationType="Event")

    assert response["StatusCode"] == 202
    assert received.wait(10)
    local_aws.wait_for_deliveries()
    assert local_aws.invocations[-1].asynchronous


def test_concurrent_invokes_are_all_served(local_aws: LocalAws) -> None:
    local_aws.register_handler("Square", lambda event, context: event["n"] ** 2)
    results: dict[int, int] = {}

    def call(n: int) -> None:
        results[n] = json.loads(_invoke(local_aws, "Square", {"n": n})["Payload"].read())

    threads = [threading.Thread(target=call, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert results == {n: n * n for n in range(16)}


def test_overrunning_handler_reports_a_lambda_timeout(local_aws: LocalAws) -> None:
    # The sandbox cannot stop a thread; it lets the handler finish, then answers as Lambda
    # would have after killing it.
    local_aws.register_handler("Slow", lambda event, context: time.sleep(1.05), timeout_seconds=1)

    response = _invoke(local_aws, "Slow", {})

    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "Sandbox.Timedout"
