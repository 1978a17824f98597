"""Compensation: recreate the source Routes from their stored bodies, where absent."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies
from hcp_dr.domain.migration.routes import recreate_source_routes
from hcp_dr.handlers.migration_task import migration_state, source_api
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = migration_state(event)
    result = recreate_source_routes(source_api(state), dependencies.backup_bucket(), state)
    logger.info("source routes recreated", extra=result)
    return result
