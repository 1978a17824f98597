"""Compensation: writers and CPO back to their recorded counts, HC and NodePools unpaused."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr.domain.migration.pause import resume_source
from hcp_dr.handlers.migration_task import migration_state, source_api
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = migration_state(event)
    result = resume_source(source_api(state), state)
    logger.info("source hosted cluster resumed", extra=result)
    return result
