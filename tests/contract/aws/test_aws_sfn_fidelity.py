"""Fidelity of the sandbox's Step Functions: a definition parsed once (as AWS does, without
sharing run state), a stopped execution ABORTED and announced on the bus."""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from moto.moto_server.werkzeug_app import create_backend_app
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

from sandbox.aws import LocalAws, deploy_state_machine
from sandbox.aws.moto_server import HostCachingDispatcher


class FlakyOnce:
    """Fails the first attempt of each execution (keyed by its input), then adds `step`."""

    def __init__(self, step: int) -> None:
        self.step = step
        self.attempts: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with self._lock:
            self.attempts[event["id"]] = self.attempts.get(event["id"], 0) + 1
            first = self.attempts[event["id"]] == 1
        if first:
            raise TimeoutError("first attempt of this execution fails")
        return {"id": event["id"], "n": event["n"] + self.step}


def _retrying_machine(local_aws: LocalAws, tmp_path: Path, name: str, function: str) -> str:
    definition = {
        # A comment no other test uses: this definition is new to the process-wide cache.
        "Comment": f"parse-once {uuid.uuid4()}",
        "StartAt": "Add",
        "States": {"Add": {
            "Type": "Task", "Resource": f"${{{function}FunctionArn}}", "End": True,
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1,
                       "MaxAttempts": 1, "BackoffRate": 1.0}],
        }},
    }
    path = tmp_path / f"{name}.asl.json"
    path.write_text(json.dumps(definition))
    return deploy_state_machine(local_aws, name, path, {}, functions=(function,))


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real_parse = AmazonStateLanguageParser.parse

    def counting_parse(definition: str) -> Any:
        seen.append(definition)
        return real_parse(definition)

    monkeypatch.setattr(AmazonStateLanguageParser, "parse", staticmethod(counting_parse))
    return seen


def test_concurrent_executions_parse_once_and_keep_their_own_retry_counts(
    local_aws: LocalAws, tmp_path: Path, parses: list[str],
) -> None:
    handler = FlakyOnce(step=1)
    local_aws.register_handler("FlakyAdd", handler)
    arn = _retrying_machine(local_aws, tmp_path, "ParseOnce", "FlakyAdd")
    created = len(parses)  # creating the machine validates (parses) it once, as AWS does

    runs = [local_aws.start_execution(arn, {"id": f"run-{n}", "n": n}) for n in range(8)]
    outputs = [local_aws.wait_for_execution(run, 60) for run in runs]

    assert [o["status"] for o in outputs] == ["SUCCEEDED"] * 8
    assert [json.loads(o["output"])["n"] for o in outputs] == list(range(1, 9))
    # One retry each: a retry counter shared between executions would have run out.
    assert handler.attempts == {f"run-{n}": 2 for n in range(8)}
    assert len(parses) - created == 1  # stock moto: one parse per execution, 8


def test_an_updated_definition_is_what_the_next_execution_runs(
    local_aws: LocalAws, tmp_path: Path,
) -> None:
    local_aws.register_handler("AddOne", FlakyOnce(step=1))
    local_aws.register_handler("AddTen", FlakyOnce(step=10))
    arn = _retrying_machine(local_aws, tmp_path, "Updated", "AddOne")
    before = local_aws.wait_for_execution(
        local_aws.start_execution(arn, {"id": "before", "n": 0}), 60)

    assert _retrying_machine(local_aws, tmp_path, "Updated", "AddTen") == arn
    after = local_aws.wait_for_execution(
        local_aws.start_execution(arn, {"id": "after", "n": 0}), 60)

    assert json.loads(before["output"])["n"] == 1
    assert json.loads(after["output"])["n"] == 10


def test_the_dispatcher_decides_each_hosts_backend_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import backends

    listings = []
    real_listing = backends.list_of_moto_modules

    def counting_listing() -> Any:
        listings.append(1)
        return real_listing()

    monkeypatch.setattr(backends, "list_of_moto_modules", counting_listing)
    dispatcher = HostCachingDispatcher(create_backend_app)

    lambda_host = [dispatcher.get_backend_for_host("lambda.us-east-1.amazonaws.com")
                   for _ in range(3)]
    s3_host = dispatcher.get_backend_for_host("s3.us-east-1.amazonaws.com")

    assert lambda_host == ["awslambda"] * 3
    assert s3_host == "s3"
    assert dispatcher.get_backend_for_host(None) is None
    assert len(listings) == 2  # stock moto: one directory listing per request, 4


def test_a_stop_during_a_failing_task_ends_aborted_and_says_so_on_the_bus(
        local_aws: LocalAws, tmp_path: Path) -> None:
    """AWS ends a stopped execution ABORTED whatever its in-flight task then returns (moto
    said FAILED), and puts a `Step Functions Execution Status Change` event on the default bus
    (moto puts none): what the ended-backup rule of the stack listens to."""
    entered, release, heard = threading.Event(), threading.Event(), []

    def stuck(event: dict[str, Any], context: Any) -> dict[str, Any]:
        entered.set()
        release.wait(timeout=30)
        raise TimeoutError("failed after the stop")

    local_aws.register_handler("Stuck", stuck)
    local_aws.register_handler("Listener", lambda event, context: heard.append(event))
    events = local_aws.client("events")
    events.put_rule(Name="status-changes", EventPattern=json.dumps({
        "source": ["aws.states"], "detail-type": ["Step Functions Execution Status Change"]}))
    events.put_targets(Rule="status-changes", Targets=[
        {"Id": "listener", "Arn": local_aws.function_arn("Listener")}])
    arn = _retrying_machine(local_aws, tmp_path, "Stoppable", "Stuck")
    run = local_aws.start_execution(arn, {"id": "x", "n": 0})
    assert entered.wait(timeout=30)
    local_aws.client("stepfunctions").stop_execution(executionArn=run, error="Operator",
                                                     cause="stopped by hand")
    release.set()
    ended = local_aws.wait_for_execution(run, 60)
    deadline = time.monotonic() + 30  # the event follows the end, as on AWS: wait for it
    while not any(e["detail"]["executionArn"] == run for e in heard):
        assert time.monotonic() < deadline, "no status-change event for the stopped execution"
        local_aws.wait_for_deliveries()
        time.sleep(0.05)

    assert ended["status"] == "ABORTED"  # (moto's StopExecution drops the error and cause)
    [event] = [e for e in heard if e["detail"]["executionArn"] == run]
    assert event["detail"]["status"] == "ABORTED" and event["detail"]["stateMachineArn"] == arn
    assert json.loads(event["detail"]["input"]) == {"id": "x", "n": 0}
    assert isinstance(event["detail"]["startDate"], int)
