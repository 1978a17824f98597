"""Migration stage 1: take the hosted cluster's DR lock and the source operator's lock."""

from __future__ import annotations

import time

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies
from hcp_dr.domain.migration.start import acquire_migration_locks
from hcp_dr.handlers.migration_task import migration_state
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = migration_state(event)
    result = acquire_migration_locks(
        dependencies.lock_table(), state, int(time.time()),
        dependencies.settings().migration_lock_ttl_seconds,
        dependencies.execution_status().status)
    logger.info("migration locks acquired", extra=result)
    return result
