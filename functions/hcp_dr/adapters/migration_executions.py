"""The Migration state machine's executions: start one, find running ones, read a history.

Used by the alarm trigger (start, dedupe against RUNNING executions of the same HC), by the
report (per-stage timeline) and by the recovery of a stopped execution (where it stopped).
Execution inputs are parsed for the hosted cluster only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from hcp_dr.adapters.aws_network import NETWORK_ERRORS, network_failure
from hcp_dr.errors import AwsRequestRejected, AwsServiceUnavailable

_THROTTLING = {"ThrottlingException", "ServiceUnavailable", "InternalServerError"}


def _translate(exc: ClientError) -> Exception:
    code = exc.response.get("Error", {}).get("Code", "")
    if code in _THROTTLING:
        return AwsServiceUnavailable(f"Step Functions: {code}")
    return AwsRequestRejected(f"Step Functions: {code}")


@dataclass(frozen=True)
class ExecutionTrace:
    entered: frozenset[str]
    last_state_input: str | None  # JSON; None when no state was entered


class MigrationExecutions:
    def __init__(self, stepfunctions: Any, state_machine_arn: str | None) -> None:
        self._client = stepfunctions
        self._machine = state_machine_arn

    def running_for(self, hosted_cluster_key: str) -> list[str]:
        """Names of RUNNING executions whose input names this `<ns>/<name>`."""
        names = []
        try:
            pages = self._client.get_paginator("list_executions").paginate(
                stateMachineArn=self._machine, statusFilter="RUNNING")
            for page in pages:
                for execution in page.get("executions", []):
                    described = self._client.describe_execution(
                        executionArn=execution["executionArn"])
                    if _hosted_cluster_key(described.get("input")) == hosted_cluster_key:
                        names.append(execution["name"])
        except NETWORK_ERRORS as exc:
            raise network_failure("Step Functions", exc) from None
        except ClientError as exc:
            raise _translate(exc) from None
        return names

    def start(self, name: str, payload: dict) -> bool:
        """Start under a deterministic name; False if that execution exists already."""
        try:
            self._client.start_execution(stateMachineArn=self._machine, name=name,
                                         input=json.dumps(payload, sort_keys=True))
        except NETWORK_ERRORS as exc:
            raise network_failure("Step Functions", exc) from None
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
                return False
            raise _translate(exc) from None
        return True

    def exists(self, name: str) -> bool | None:
        """Whether the execution of that name exists (DescribeExecution is consistent where
        ListExecutions is not); None when it cannot be told."""
        if not self._machine:
            return None
        arn = self._machine.replace(":stateMachine:", ":execution:", 1) + ":" + name
        try:
            self._client.describe_execution(executionArn=arn)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            return False if code == "ExecutionDoesNotExist" else None
        except Exception:  # a lost connection: cannot tell
            return None
        return True

    def _history(self, execution_arn: str) -> list[dict]:
        events: list[dict] = []
        try:
            for page in self._client.get_paginator("get_execution_history").paginate(
                    executionArn=execution_arn):
                events += page.get("events", [])
        except NETWORK_ERRORS as exc:
            raise network_failure("Step Functions", exc) from None
        except ClientError as exc:
            raise _translate(exc) from None
        return sorted(events, key=lambda e: e["id"])

    def trace(self, execution_arn: str) -> ExecutionTrace:
        """The states an ended execution entered and the state it carried into the last one:
        where it was when it stopped, and what it knew then."""
        entered: set[str] = set()
        last_input = None
        for event in self._history(execution_arn):
            details = event.get("stateEnteredEventDetails")
            if event["type"].endswith("StateEntered") and details:
                entered.add(details["name"])
                last_input = details.get("input")
        return ExecutionTrace(frozenset(entered), last_input)

    def stage_seconds(self, execution_arn: str) -> list[tuple[str, float]]:
        """Seconds spent in each state (summed over visits), in order; states still running
        (the caller's own) are left out."""
        events = self._history(execution_arn)
        open_visits: dict[str, list[datetime]] = {}
        totals: dict[str, float] = {}  # insertion order: first completed visit
        for event in events:
            kind = event["type"]
            if kind.endswith("StateEntered"):
                name = event["stateEnteredEventDetails"]["name"]
                open_visits.setdefault(name, []).append(event["timestamp"])
            elif kind.endswith("StateExited"):
                name = event["stateExitedEventDetails"]["name"]
                if open_visits.get(name):
                    entered = open_visits[name].pop(0)
                    totals[name] = totals.get(name, 0.0) + (
                        event["timestamp"] - entered).total_seconds()
        return [(name, round(seconds, 3)) for name, seconds in totals.items()]


def _hosted_cluster_key(document: str | None) -> str | None:
    try:
        hosted = json.loads(document or "{}").get("hosted_cluster") or {}
    except (ValueError, AttributeError):
        return None
    if not isinstance(hosted, dict) or not hosted.get("namespace") or not hosted.get("name"):
        return None
    return f"{hosted['namespace']}/{hosted['name']}"
