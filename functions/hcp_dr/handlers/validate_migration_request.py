"""Migration stage 1: validate the execution input and resolve both management clusters."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from hcp_dr import dependencies
from hcp_dr.domain.migration.start import validate_migration_request
from hcp_dr.handlers.event_parsing import parse_event
from hcp_dr.models.backup_state import ExecutionContext
from hcp_dr.models.migration_run import MigrationRequest
from hcp_dr.observability import bind_execution, logger


class ValidateMigrationEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: MigrationRequest
    execution: ExecutionContext


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    if isinstance(event, dict) and isinstance(event.get("execution"), dict):
        bind_execution(str(event["execution"].get("execution_id", "")))
    parsed = parse_event(ValidateMigrationEvent, event)
    bind_execution(parsed.execution.execution_id, parsed.input.hosted_cluster.key)
    state = validate_migration_request(dependencies.kubeconfig_secrets(), parsed.input,
                                       parsed.execution)
    logger.info("migration request accepted", extra={
        "migration_id": state["migration"]["migration_id"], "source": parsed.input.source,
        "destination": parsed.input.destination, "approval": parsed.input.approval})
    return state
