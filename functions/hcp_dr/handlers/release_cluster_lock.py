"""Last backup stage (also on failure): release the DR lock if this execution holds it."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies
from hcp_dr.domain.dr_locks import release_backup_lock
from hcp_dr.handlers.backup_task import backup_state
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = backup_state(event)
    result = release_backup_lock(dependencies.lock_table(), state)
    logger.info("lock released", extra=result)
    return result
