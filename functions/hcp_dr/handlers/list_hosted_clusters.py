"""Scheduled backup, step 1: list the hosted clusters to back up."""

from __future__ import annotations

import time

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies
from hcp_dr.domain.backup_fleet import FleetSelection, backup_targets
from hcp_dr.domain.dr_locks import running_backups, running_migrations
from hcp_dr.handlers.event_parsing import parse_event
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    selection = parse_event(FleetSelection, event or {})
    locks, executions, now = (dependencies.lock_table(), dependencies.execution_status(),
                              int(time.time()))
    fleet = backup_targets(dependencies.management_clusters(), selection,
                           running_migrations(locks, executions, now),
                           running_backups(locks, executions, now))
    logger.info("backup targets listed", extra={
        "targets": len(fleet.targets), "unreachable": fleet.unreachable,
        "migrating": fleet.migrating, "backing_up": fleet.backing_up,
    })
    return fleet.model_dump(mode="json")
