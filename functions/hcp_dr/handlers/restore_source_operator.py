"""Migration stage 9 (also on failure): the source operator back to its recorded count."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr.domain.migration.teardown import restore_source_operator
from hcp_dr.handlers.migration_task import migration_state, source_api
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = migration_state(event)
    replicas = restore_source_operator(source_api(state))
    logger.info("source operator restored", extra={"replicas": replicas})
    return {"replicas": replicas}
