"""What `make drill` prints while the real state machines run: each stage once, as it ends."""

from __future__ import annotations

import time
from typing import Any

from sandbox.aws.executions import execution_timeline
from sandbox.environment import Sandbox

POLL_SECONDS = 0.2


def say(text: str = "") -> None:
    print(text, flush=True)


class StageFeed:
    """Prints stages of several executions as they finish, each once, in finishing order."""

    def __init__(self, sfn: Any) -> None:
        self._sfn = sfn
        self._shown: set[tuple[str, str, Any]] = set()

    def poll(self, runs: dict[str, str]) -> None:
        finished = []
        for label, arn in runs.items():
            for stage in execution_timeline(self._sfn, arn):
                key = (arn, stage.name, stage.entered_at)
                if stage.exited_at is None or key in self._shown or stage.state_type in (
                        "Choice", "Pass", "Map"):
                    continue
                self._shown.add(key)
                finished.append((stage.exited_at, label, stage))
        for _, label, stage in sorted(finished, key=lambda item: item[0]):
            if stage.attempts > 1:
                note = f"  ({stage.attempts} attempts; retried on {stage.error})"
            else:
                note = f"  ! {stage.error}" if stage.error else ""
            say(f"  [{label}] {stage.name:<28} {stage.duration_seconds:6.2f} s{note}")


def follow(sandbox: Sandbox, parent: str, children_of: str | None, label: str,
           timeout: float = 600.0) -> dict[str, Any]:
    """Follow `parent` and the executions of the `children_of` state machine until done."""
    sfn = sandbox.aws.client("stepfunctions")
    feed = StageFeed(sfn)
    deadline = time.monotonic() + timeout
    while True:
        description = sfn.describe_execution(executionArn=parent)
        runs = {label: parent}
        if children_of:
            children = sfn.list_executions(stateMachineArn=sandbox.state_machines[children_of])
            runs.update({children_of.lower(): run["executionArn"]
                         for run in children["executions"]})
        feed.poll(runs)
        if description["status"] != "RUNNING":
            feed.poll(runs)
            return description
        if time.monotonic() > deadline:
            raise TimeoutError(f"{parent} still running after {timeout} s")
        time.sleep(POLL_SECONDS)
