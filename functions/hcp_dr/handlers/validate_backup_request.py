"""Backup stage 1: validate the execution input and resolve the management cluster."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from hcp_dr import dependencies
from hcp_dr.domain.backup_run import validate_backup_request
from hcp_dr.handlers.event_parsing import parse_event
from hcp_dr.models.backup_state import BackupRequest, ExecutionContext
from hcp_dr.observability import bind_execution, logger


class ValidateBackupEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: BackupRequest
    execution: ExecutionContext


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    if isinstance(event, dict) and isinstance(event.get("execution"), dict):
        bind_execution(str(event["execution"].get("execution_id", "")))
    parsed = parse_event(ValidateBackupEvent, event)
    bind_execution(parsed.execution.execution_id, parsed.input.ref.key)
    state = validate_backup_request(
        dependencies.kubeconfig_secrets(), parsed.input, parsed.execution
    )
    logger.info("backup request accepted", extra={"backup_id": state["backup"]["backup_id"]})
    return state
