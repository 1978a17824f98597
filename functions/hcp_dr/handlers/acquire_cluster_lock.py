"""Backup stage 2: take the hosted cluster's DR lock for this execution."""

from __future__ import annotations

import time

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies
from hcp_dr.domain.dr_locks import acquire_backup_lock
from hcp_dr.handlers.backup_task import backup_state
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = backup_state(event)
    result = acquire_backup_lock(dependencies.lock_table(), state, int(time.time()),
                                 dependencies.settings().lock_ttl_seconds,
                                 dependencies.execution_status().status)
    logger.info("lock acquired", extra=result)
    return result
