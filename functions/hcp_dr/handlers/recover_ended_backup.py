"""EventBridge target: a Backup execution ended ABORTED or TIMED_OUT (no Catch ran).

The event's `input` is the execution input an operator, the scheduler or the fan-out gave; one
that does not validate never got past ValidateRequest, so there is nothing to undo.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from hcp_dr import dependencies
from hcp_dr.domain.backup_recovery import EndedBackup, recover_ended_backup_patiently
from hcp_dr.domain.recovery_patience import RecoveryPatience
from hcp_dr.handlers.event_parsing import parse_event
from hcp_dr.models.backup_state import BackupRequest
from hcp_dr.models.execution_events import ExecutionStatusChange
from hcp_dr.observability import bind_execution, logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    detail = parse_event(ExecutionStatusChange, event).detail
    try:
        request = BackupRequest.model_validate(json.loads(detail.input or "null"))
    except (ValueError, ValidationError):
        logger.info("ended backup had no valid input: nothing to undo")
        return {"recovered": False, "reason": "invalid-input"}
    bind_execution(detail.executionArn, request.ref.key)
    ended = EndedBackup(detail.executionArn, detail.name, detail.status,
                        datetime.fromtimestamp(detail.startDate / 1000, UTC), request)
    patience = RecoveryPatience(grace_seconds=dependencies.settings().ended_backup_grace_seconds)
    result = recover_ended_backup_patiently(
        lambda: dependencies.management_clusters().api(request.management_cluster),
        dependencies.lock_table(), ended, detail.stopped_at, patience)
    logger.warning("ended backup recovered", extra=result)
    return {"recovered": True, **result}
