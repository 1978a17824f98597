"""`make drill ARGS="--fail-at STAGE"`: rehearse a migration that breaks, on the sandbox.

The named stage of the real Migration state machine fails once (its Lambda function raises
`DrillInjectedFailure` on its first call; later calls, such as a compensation step that uses the
same function, run the real handler). Only stages before the teardown can be chosen: those are
the ones whose failure must leave the hosted cluster running on the source. The drill then
follows the compensation, reads the failure notice from the SNS topic as an on-call engineer
would, and checks for itself that the source is exactly as it was (rollback_check).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sandbox.aws.statemachines import STATEMACHINES_DIR
from sandbox.drill_feed import follow, say
from sandbox.environment import Sandbox
from sandbox.notifications import failure_topic_queue, message_containing
from sandbox.rollback_check import check_rollback, source_state

INJECTED_ERROR = "DrillInjectedFailure"
TEARDOWN_STATE = "TeardownSource"
ROLLBACK_CHECKS = ("source_unchanged", "destination_clean", "dns_points_to_source",
                   "locks_released")
_FUNCTION_ARN = re.compile(r"^\$\{(?P<name>\w+)FunctionArn\}$")


class DrillInjectedFailure(Exception):
    """The failure the drill injects; its class name is the Lambda errorType."""


def _function_of(state: dict[str, Any]) -> str | None:
    resource = state.get("Parameters", {}).get("FunctionName") or state.get("Resource", "")
    found = _FUNCTION_ARN.match(str(resource))
    return found.group("name") if found else None


def injectable_stages() -> dict[str, str]:
    """State name -> Lambda function, for the main path's Lambda tasks before the teardown
    whose failure fails the migration (not ValidateRequest: it has no failure path, nothing
    has changed yet; not RemoveSnapshotFile: its failure is caught and the migration goes on)."""
    definition = json.loads((STATEMACHINES_DIR / "migration.asl.json").read_text())
    states, name = definition["States"], definition["StartAt"]
    stages: dict[str, str] = {}
    while name and name != TEARDOWN_STATE:
        state = states[name]
        function = _function_of(state) if state["Type"] == "Task" else None
        caught = [c["Next"] for c in state.get("Catch", [])]
        if function and caught and caught[0] != state.get("Next"):  # its failure fails
            stages[name] = function
        name = state.get("Next") or state.get("Default")
    return stages


@contextmanager
def failing_once(sandbox: Sandbox, function: str) -> Iterator[threading.Event]:
    """Serve `function` with a handler that raises on its first call only."""
    runtime = sandbox.aws.runtime
    real = runtime.handler_of(function)
    fired = threading.Event()
    lock = threading.Lock()

    def handler(event: Any, context: Any) -> Any:
        with lock:
            first = not fired.is_set()
            fired.set()
        if first:
            raise DrillInjectedFailure(f"{function} broken on purpose by the failure drill")
        return real(event, context)

    runtime.register_handler(function, handler)
    try:
        yield fired
    finally:
        runtime.register_handler(function, real)


def _notice(sandbox: Sandbox, queue_url: str, execution_arn: str) -> dict[str, str]:
    try:
        envelope = json.loads(message_containing(sandbox, queue_url, execution_arn))
    except TimeoutError:
        return {"subject": "", "message": ""}
    return {"subject": envelope.get("Subject", ""), "message": envelope.get("Message", "")}


def run_failure_drill(sandbox: Sandbox, stage: str,
                      start: Callable[[], str]) -> dict[str, Any]:
    """Break `stage` once during the migration `start()` begins; check the rollback."""
    function = injectable_stages()[stage]
    say(f"\nfailure drill: {stage} ({function}) fails once during the migration of "
        f"{sandbox.plan.namespace}/{sandbox.plan.name}")
    queue_url = failure_topic_queue(sandbox, "hcp-dr-drill-notices")
    before = source_state(sandbox)
    with failing_once(sandbox, function) as fired:
        arn = start()
        final = follow(sandbox, arn, None, "migration")
    notice = _notice(sandbox, queue_url, arn)
    result: dict[str, Any] = {
        "failed_stage": stage, "injected": fired.is_set(), "status": final["status"],
        "error": final.get("error"), **check_rollback(sandbox, before),
        "notice_subject": notice["subject"], "notice": notice["message"]}
    say(f"  migration {final['status']} with {result['error']}; hosted cluster served by "
        f"{result['served_by']}")
    for check in ROLLBACK_CHECKS:
        say(f"  {check:<26} {result[check]}")
    say(f"  notice: {notice['subject']}\n    {notice['message']}")
    return result


def failure_drill_passed(result: dict[str, Any]) -> bool:
    return (result.get("injected") is True and result.get("status") == "FAILED"
            and result.get("error") == INJECTED_ERROR
            and all(result.get(check) is True for check in ROLLBACK_CHECKS)
            and result.get("served_by") == "source"
            and "keeps running on source" in result.get("notice", ""))
