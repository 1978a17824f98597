"""Our ASL semantics on LocalAws: Retry/Catch on custom error names, task tokens, sync:2."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from sandbox.aws import LocalAws, deploy_state_machine

WIDGET_FUNCTIONS = ("AssembleWidget", "InspectWidget", "ParkWidget")


class TransientWidgetError(Exception):
    """Retried by the ASL."""


class WidgetDefectError(Exception):
    """Caught by the ASL."""


class WidgetLine:
    """Handlers with the failure modes the widget pipeline exercises."""

    def __init__(self) -> None:
        self.assemble_attempts = 0
        self.task_tokens: list[str] = []
        self.parked = threading.Event()

    def assemble(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.assemble_attempts += 1
        if self.assemble_attempts < 3:
            raise TransientWidgetError(f"attempt {self.assemble_attempts}: press jammed")
        return {"attempt": self.assemble_attempts, "by": context.function_name}

    def inspect(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise WidgetDefectError(f"widget {event['widget']} is cracked")

    def park(self, event: dict[str, Any], context: Any) -> None:
        self.task_tokens.append(event["taskToken"])
        self.parked.set()


@pytest.fixture
def widget_line(local_aws: LocalAws) -> WidgetLine:
    line = WidgetLine()
    local_aws.register_handler("AssembleWidget", line.assemble)
    local_aws.register_handler("InspectWidget", line.inspect)
    local_aws.register_handler("ParkWidget", line.park)
    return line


def test_retry_catch_and_task_token_run_to_success(
    local_aws: LocalAws, widget_line: WidgetLine, asl_dir: Path
) -> None:
    arn = deploy_state_machine(
        local_aws, "WidgetPipeline", asl_dir / "widget_pipeline.asl.json",
        {"DefectLabel": "needs-review"}, functions=WIDGET_FUNCTIONS,
    )
    execution = local_aws.start_execution(arn, {"widget": "w-1"})

    assert widget_line.parked.wait(15), "the waitForTaskToken task never invoked its handler"
    local_aws.client("stepfunctions").send_task_success(
        taskToken=widget_line.task_tokens[0], output=json.dumps({"approved_by": "qa"})
    )
    description = local_aws.wait_for_execution(execution, timeout=30)

    assert description["status"] == "SUCCEEDED"
    output = json.loads(description["output"])
    assert output["assembled"] == {"attempt": 3, "by": "AssembleWidget"}
    assert output["defect"]["Error"] == "WidgetDefectError"
    assert json.loads(output["defect"]["Cause"])["errorMessage"] == "widget w-1 is cracked"
    assert output["noted"] == {"error": "WidgetDefectError", "label": "needs-review"}
    assert output["approval"] == {"approved_by": "qa"}

    stages = {stage.name: stage for stage in local_aws.execution_timeline(execution)}
    assert stages["AssembleWidget"].attempts == 3
    assert stages["AssembleWidget"].error == "TransientWidgetError"
    assert stages["InspectWidget"].error == "WidgetDefectError"
    assert list(stages) == [
        "AssembleWidget", "InspectWidget", "NoteDefect", "AwaitApproval", "ShipWidget"
    ]
    assert all(stage.duration_seconds is not None for stage in stages.values())
    assembled = [i.error_type for i in local_aws.invocations if i.function_name == "AssembleWidget"]
    assert assembled == ["TransientWidgetError", "TransientWidgetError", None]


def test_parent_runs_child_with_start_execution_sync2(local_aws: LocalAws, tmp_path: Path) -> None:
    local_aws.register_handler("CountWidgets", lambda event, context: {"count": len(event["ids"])})
    child = _deploy(local_aws, tmp_path, "WidgetCounter", {
        "StartAt": "Count",
        "States": {"Count": {"Type": "Task", "Resource": "${CountWidgetsFunctionArn}",
                             "End": True}},
    }, functions=("CountWidgets",))
    parent = _deploy(local_aws, tmp_path, "WidgetCensus", {
        "StartAt": "RunChild",
        "States": {
            "RunChild": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": child, "Input": {"ids.$": "$.ids"}},
                "ResultSelector": {"count.$": "$.Output.count", "status.$": "$.Status"},
                "End": True,
            }
        },
    })

    description = local_aws.wait_for_execution(
        local_aws.start_execution(parent, {"ids": ["a", "b", "c"]}), timeout=30
    )

    assert description["status"] == "SUCCEEDED"
    assert json.loads(description["output"]) == {"count": 3, "status": "SUCCEEDED"}


def test_child_failure_fails_sync2_task(local_aws: LocalAws, tmp_path: Path) -> None:
    child = _deploy(local_aws, tmp_path, "FailingChild", {
        "StartAt": "Fail", "States": {"Fail": {"Type": "Fail", "Error": "ChildBroke"}},
    })
    parent = _deploy(local_aws, tmp_path, "FailingParent", {
        "StartAt": "RunChild",
        "States": {"RunChild": {"Type": "Task",
                                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                                "Parameters": {"StateMachineArn": child}, "End": True}},
    })

    description = local_aws.wait_for_execution(local_aws.start_execution(parent), timeout=30)

    assert description["status"] == "FAILED"
    assert description["error"] == "States.TaskFailed"


def test_ten_lambda_tasks(local_aws: LocalAws, tmp_path: Path, timings: dict[str, float]) -> None:
    local_aws.register_handler("Increment", lambda event, context: {"n": event["n"] + 1})
    states = {
        f"Step{i}": {"Type": "Task", "Resource": "${IncrementFunctionArn}",
                     **({"Next": f"Step{i + 1}"} if i < 9 else {"End": True})}
        for i in range(10)
    }
    began = time.perf_counter()
    arn = _deploy(local_aws, tmp_path, "TenSteps", {"StartAt": "Step0", "States": states},
                  functions=("Increment",))
    timings.setdefault("create_state_machine (first in this test) [s]", time.perf_counter() - began)

    began = time.perf_counter()
    description = local_aws.wait_for_execution(local_aws.start_execution(arn, {"n": 0}), 30)
    timings.setdefault("10-task execution, start to SUCCEEDED [s]", time.perf_counter() - began)

    assert description["status"] == "SUCCEEDED"
    assert json.loads(description["output"]) == {"n": 10}


def _deploy(
    local_aws: LocalAws, tmp_path: Path, name: str, definition: dict[str, Any],
    functions: tuple[str, ...] = (),
) -> str:
    path = tmp_path / f"{name}.asl.json"
    path.write_text(json.dumps(definition))
    return deploy_state_machine(local_aws, name, path, {}, functions=functions)
