"""Backup stage: apply the retention policy to the hosted cluster's backups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies
from hcp_dr.domain.backup_pruning import prune_backups
from hcp_dr.domain.retention import RetentionPolicy
from hcp_dr.handlers.backup_task import owned_backup_state
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = owned_backup_state(event)
    config = dependencies.settings()
    policy = RetentionPolicy(keep_all_hours=config.retention_keep_all_hours,
                             daily_days=config.retention_daily_days,
                             weekly_weeks=config.retention_weekly_weeks)
    result = prune_backups(dependencies.backup_bucket(), state.request.namespace,
                           state.request.name, datetime.now(UTC), policy,
                           timedelta(seconds=2 * config.lock_ttl_seconds))
    logger.info("retention applied", extra=result.as_dict())
    return result.as_dict()
