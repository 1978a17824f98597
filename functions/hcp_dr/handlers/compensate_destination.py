"""Compensation: stop, then delete, on the destination every object and namespace labelled with
this migration's id, and nothing else (DestinationMayStillRun when it cannot be stopped)."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies
from hcp_dr.domain.migration.compensation import compensate_destination
from hcp_dr.handlers.migration_task import destination_api, migration_state
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = migration_state(event)
    result = compensate_destination(lambda: destination_api(state),
                                    dependencies.backup_bucket(), state)
    logger.info("destination compensated", extra=result)
    return result
