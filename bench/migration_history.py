"""Shared by the migration benchmarks: the drill's request and a reading of an execution's
history into task attempts, Retry waits and task-token waits.

moto writes history timestamps with `iso_8601_datetime_with_milliseconds`, i.e. truncated to
the millisecond (the true moment lies in [t, t + 1 ms)); `startDate`/`stopDate` likewise. Every
difference of two history timestamps is therefore good to about +-1 ms. The Migration path is
sequential (no Parallel or Map), so the events of one attempt follow each other in id order.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from typing import Any

from sandbox.aws.lambdas import function_name_of

HISTORY_RESOLUTION_SECONDS = 0.001
_SCHEDULED = frozenset({"LambdaFunctionScheduled", "TaskScheduled"})
_ENDED_OK = frozenset({"LambdaFunctionSucceeded", "TaskSucceeded"})
_ENDED_BADLY = frozenset({"LambdaFunctionFailed", "LambdaFunctionTimedOut",
                          "LambdaFunctionStartFailed", "LambdaFunctionScheduleFailed",
                          "TaskFailed", "TaskTimedOut", "TaskStartFailed", "TaskSubmitFailed"})


def migration_request(sandbox: Any) -> dict[str, Any]:
    """What `make drill` starts the Migration state machine with."""
    return {"hosted_cluster": {"namespace": sandbox.plan.namespace, "name": sandbox.plan.name},
            "source": "source", "destination": "destination", "approval": "skip"}


@dataclass
class Attempt:
    """One scheduling of a Task state's resource (1 + retries per state visit)."""

    state: str
    function: str | None  # the Lambda function it invokes; None for other integrations
    token_task: bool  # `.waitForTaskToken`
    scheduled_at: float  # epoch seconds
    invoked_until: float | None = None  # the invoke returned: *Succeeded/*Failed, TaskSubmitted
    completed_at: float | None = None  # the task's outcome (= invoked_until unless token task)
    error: str | None = None
    output: Any = None  # the invoke's result (TaskSubmitted payload for token tasks)

    @property
    def token_wait_seconds(self) -> float:
        if not self.token_task or self.invoked_until is None or self.completed_at is None:
            return 0.0
        return self.completed_at - self.invoked_until


@dataclass(frozen=True)
class RetryWait:
    state: str
    error: str
    seconds: float  # from the failed attempt's end to the next attempt's scheduling
    configured_seconds: float | None  # IntervalSeconds * BackoffRate^(n-1) of the retrier


def epoch(timestamp: Any) -> float:
    return float(timestamp.timestamp())


def _details(event: dict[str, Any]) -> dict[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def _lambda_function(event: dict[str, Any]) -> tuple[str | None, bool]:
    details = _details(event)
    resource = str(details.get("resource", ""))
    if event["type"] == "LambdaFunctionScheduled":
        return function_name_of(resource)[0], False
    token_task = resource.endswith(".waitForTaskToken")
    if details.get("resourceType") != "lambda":
        return None, token_task
    parameters = json.loads(details.get("parameters") or "{}")
    name = parameters.get("FunctionName")
    return (function_name_of(name)[0] if name else None), token_task


def _states_by_name(states: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, state in states.items():
        found[name] = state
        for branch in state.get("Branches", []):
            found.update(_states_by_name(branch.get("States", {})))
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                found.update(_states_by_name(state[key].get("States", {})))
    return found


def _retrier(state: dict[str, Any], error: str) -> int | None:
    for index, retrier in enumerate(state.get("Retry", [])):
        errors = retrier.get("ErrorEquals", [])
        if error in errors or "States.ALL" in errors or (
                "States.TaskFailed" in errors and not error.startswith("States.")):
            return index
    return None


class ExecutionHistory:
    """Attempts, Retry waits and token waits of one (sequential) execution."""

    def __init__(self, events: list[dict[str, Any]], definition: dict[str, Any] | None = None):
        self.events = sorted(events, key=lambda event: event["id"])
        self.attempts: list[Attempt] = []
        self.retry_waits: list[RetryWait] = []
        self.state_entered: dict[str, list[float]] = {}
        self.state_exited: dict[str, list[float]] = {}
        states = _states_by_name((definition or {}).get("States", {}))
        current_state: str | None = None
        current: Attempt | None = None
        failed_at: float | None = None
        retries_taken: dict[tuple[str, int], int] = {}
        for event in self.events:
            kind, at = event["type"], epoch(event["timestamp"])
            details = _details(event)
            if kind.endswith("StateEntered"):
                current_state = details["name"]
                self.state_entered.setdefault(current_state, []).append(at)
                retries_taken.clear()
            elif kind.endswith("StateExited"):
                self.state_exited.setdefault(details["name"], []).append(at)
                current, failed_at = None, None
            elif kind in _SCHEDULED and current_state is not None:
                if current is not None and current.error and failed_at is not None:
                    self.retry_waits.append(self._retry_wait(
                        states.get(current_state, {}), current_state, current.error,
                        at - failed_at, retries_taken))
                function, token_task = _lambda_function(event)
                current = Attempt(current_state, function, token_task, at)
                self.attempts.append(current)
                failed_at = None
            elif current is not None and kind == "TaskSubmitted":
                current.invoked_until = at
                current.output = _payload(details.get("output"))
            elif current is not None and kind in _ENDED_OK:
                current.completed_at = at
                if current.invoked_until is None:
                    current.invoked_until = at
                    current.output = _payload(details.get("output"))
            elif current is not None and kind in _ENDED_BADLY:
                current.completed_at = at
                if current.invoked_until is None:
                    current.invoked_until = at
                current.error = details.get("error") or kind
                failed_at = at

    @staticmethod
    def _retry_wait(state: dict[str, Any], name: str, error: str, seconds: float,
                    retries_taken: dict[tuple[str, int], int]) -> RetryWait:
        index = _retrier(state, error)
        if index is None:
            return RetryWait(name, error, seconds, None)
        retrier = state["Retry"][index]
        taken = retries_taken.get((name, index), 0)
        retries_taken[(name, index)] = taken + 1
        configured = float(retrier.get("IntervalSeconds", 1)) * float(
            retrier.get("BackoffRate", 2.0)) ** taken
        if "MaxDelaySeconds" in retrier:
            configured = min(configured, float(retrier["MaxDelaySeconds"]))
        return RetryWait(name, error, seconds, configured)

    @property
    def functions(self) -> set[str]:
        """Lambda functions the execution's own Task states invoked."""
        return {attempt.function for attempt in self.attempts if attempt.function}

    def attempts_of(self, state: str) -> list[Attempt]:
        return [attempt for attempt in self.attempts if attempt.state == state]


def _payload(document: str | None) -> Any:
    if not document:
        return None
    try:
        value = json.loads(document)
    except ValueError:
        return None
    if isinstance(value, dict) and "Payload" in value:  # lambda:invoke's response shape
        return value["Payload"]
    return value


def summary(values: list[float], digits: int = 3) -> dict[str, Any]:
    """n, median, min and max of `values` (None when empty)."""
    if not values:
        return {"n": 0, "median": None, "min": None, "max": None}
    return {"n": len(values), "median": round(statistics.median(values), digits),
            "min": round(min(values), digits), "max": round(max(values), digits)}
