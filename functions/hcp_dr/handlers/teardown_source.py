"""Migration stage 9: scale the source operator to 0 (count recorded), tear the HC down."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr.domain.migration.teardown import teardown_source
from hcp_dr.handlers.migration_task import owned_migration_state, source_api
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = owned_migration_state(event)
    result = teardown_source(source_api(state), state)
    logger.info("source torn down", extra=result)
    return result
