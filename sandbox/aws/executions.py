"""Start, await and read back Step Functions executions in the sandbox.

`start_execution` always names the execution (moto gives unnamed ones colliding ARNs), and
`execution_timeline` turns the execution history into per-state timings, so a drill can show
live per-stage progress and a benchmark can attribute time to stages.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

FINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
_ATTEMPT_EVENTS = frozenset({"TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"})
_FAILURE_SUFFIXES = ("Failed", "TimedOut", "StartFailed", "SubmitFailed")


@dataclass(frozen=True)
class StageTiming:
    """One visit of one state: when it was entered and left, and how often its task ran."""

    name: str
    state_type: str  # "Task", "Choice", "Map", ... (from the history event type)
    entered_at: dt.datetime
    exited_at: dt.datetime | None  # None while running, or when it failed out
    attempts: int  # task schedulings (1 + retries); 0 for states without a task
    error: str | None  # the last error raised inside the state, caught or not

    @property
    def duration_seconds(self) -> float | None:
        if self.exited_at is None:
            return None
        return (self.exited_at - self.entered_at).total_seconds()


def execution_name(prefix: str) -> str:
    """A unique execution name within AWS's 80-character limit."""
    return f"{prefix[:43]}-{uuid.uuid4()}"


def start_execution(
    sfn: Any, state_machine_arn: str, payload: Any = None, *, name: str | None = None
) -> str:
    """Start an execution with a name (generated if not given); return its ARN."""
    document = payload if isinstance(payload, str) else json.dumps(payload or {})
    return sfn.start_execution(
        stateMachineArn=state_machine_arn,
        name=name or execution_name(state_machine_arn.rsplit(":", 1)[-1]),
        input=document,
    )["executionArn"]


def wait_for_execution(
    sfn: Any, execution_arn: str, timeout: float = 60.0, poll_seconds: float = 0.05
) -> dict[str, Any]:
    """Poll until the execution reaches a final status; return `describe_execution`."""
    deadline = time.monotonic() + timeout
    while True:
        description = sfn.describe_execution(executionArn=execution_arn)
        if description["status"] in FINAL_STATUSES:
            return description
        if time.monotonic() > deadline:
            running = [s.name for s in execution_timeline(sfn, execution_arn) if not s.exited_at]
            raise TimeoutError(
                f"{execution_arn} still {description['status']} after {timeout}s; "
                f"states not yet exited: {running}"
            )
        time.sleep(poll_seconds)


def history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(page["events"])
    return sorted(events, key=lambda event: event["id"])


def execution_timeline(sfn: Any, execution_arn: str) -> list[StageTiming]:
    """Per-state entered/exited times, attempts and errors, in the order states were entered.

    Task events are attributed to their state by following `previousEventId` back to the
    nearest `...StateEntered`, which keeps Parallel branches and Map iterations apart.
    """
    events = history(sfn, execution_arn)
    by_id = {event["id"]: event for event in events}
    visits: dict[int, dict[str, Any]] = {}  # StateEntered event id -> visit being built
    open_by_name: dict[str, list[int]] = {}
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            name = event["stateEnteredEventDetails"]["name"]
            visits[event["id"]] = {"name": name, "state_type": kind.removesuffix("StateEntered"),
                                   "entered_at": event["timestamp"], "exited_at": None,
                                   "attempts": 0, "error": None}
            open_by_name.setdefault(name, []).append(event["id"])
        elif kind.endswith("StateExited"):
            name = event["stateExitedEventDetails"]["name"]
            entered = _owning_visit(event, by_id) or _oldest_open(open_by_name, name)
            if entered in visits:
                visits[entered]["exited_at"] = event["timestamp"]
                if entered in open_by_name.get(name, []):
                    open_by_name[name].remove(entered)
        elif (entered := _owning_visit(event, by_id)) in visits:
            if kind in _ATTEMPT_EVENTS:
                visits[entered]["attempts"] += 1
            elif kind.endswith(_FAILURE_SUFFIXES):
                visits[entered]["error"] = _error_of(event)
    return [StageTiming(**visit) for visit in visits.values()]


def _owning_visit(event: dict[str, Any], by_id: dict[int, dict[str, Any]]) -> int | None:
    previous = by_id.get(event.get("previousEventId", 0))
    while previous is not None:
        if previous["type"].endswith("StateEntered"):
            return previous["id"]
        if previous["type"].endswith("StateExited"):
            return None  # the chain left the state before reaching this event
        previous = by_id.get(previous.get("previousEventId", 0))
    return None


def _oldest_open(open_by_name: dict[str, list[int]], name: str) -> int | None:
    still_open = open_by_name.get(name)
    return still_open[0] if still_open else None


def _error_of(event: dict[str, Any]) -> str | None:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict) and "error" in value:
            return value["error"]
    return None
