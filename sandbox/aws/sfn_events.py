"""Step Functions' `Execution Status Change` events, which moto does not send.

AWS puts one on the account's default bus whenever a standard execution changes status; the
stack routes the Backup machine's ABORTED and TIMED_OUT ones to RecoverEndedBackup, the
Migration machine's to RecoverStoppedMigration. Here every
execution that ends sends its event (the RUNNING one is left out: nothing of ours listens),
shaped as AWS documents it: epoch-millisecond dates, input and output as JSON strings.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from sandbox.aws.patching import PatchSet

log = logging.getLogger("sandbox.aws")
DETAIL_TYPE = "Step Functions Execution Status Change"


def _millis(moment: Any) -> int | None:
    return int(moment.timestamp() * 1000) if moment is not None else None


def status_change(execution: Any) -> dict[str, Any]:
    """The `put_events` entry for an execution that has just ended."""
    detail = {
        "executionArn": execution.exec_arn, "stateMachineArn": execution.state_machine_arn,
        "name": execution.name, "status": execution.exec_status.value,
        "startDate": _millis(execution.start_date), "stopDate": _millis(execution.stop_date),
        "input": execution.execution_input,
        "output": json.dumps(execution.output) if execution.output is not None else None,
        "error": execution.error, "cause": execution.cause,
    }
    return {"Source": "aws.states", "DetailType": DETAIL_TYPE,
            "Resources": [execution.exec_arn], "Detail": json.dumps(detail),
            "EventBusName": "default"}


def install(patches: PatchSet, put_event: Callable[[dict[str, Any]], None]) -> None:
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication

    terminated = BaseExecutionWorkerCommunication.terminated

    def _terminated(self: Any) -> None:
        terminated(self)
        try:
            put_event(status_change(self.execution))
        except Exception as exc:  # an event lost is what AWS's best effort allows, no more
            log.warning("execution status event not sent: %s", exc)

    patches.replace(BaseExecutionWorkerCommunication, "terminated", _terminated)
