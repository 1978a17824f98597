"""Last migration stage (also on failure): release the locks this execution holds."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies
from hcp_dr.domain.migration.start import release_migration_locks
from hcp_dr.handlers.migration_task import migration_state
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = migration_state(event)
    result = release_migration_locks(dependencies.lock_table(), state)
    logger.info("migration locks released", extra=result)
    return result
