"""CloudWatch alarm -> the migration its policy names, at most one per hosted cluster."""

from __future__ import annotations

import time

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies, migration_dependencies
from hcp_dr.domain.migration.alarm_trigger import AlarmStateChange, start_migration_from_alarm
from hcp_dr.errors import MigrationNotConfigured
from hcp_dr.handlers.event_parsing import parse_event
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    alarm = parse_event(AlarmStateChange, event)
    logger.append_keys(alarm=alarm.detail.alarmName, event_id=alarm.id)
    config = dependencies.settings()
    if not config.migration_state_machine_arn:
        raise MigrationNotConfigured("HCP_DR_MIGRATION_STATE_MACHINE_ARN is not set")
    result = start_migration_from_alarm(
        alarm, migration_dependencies.migration_policies(),
        migration_dependencies.trigger_marks(), migration_dependencies.migration_executions(),
        int(time.time()), config.migration_trigger_dedupe_seconds)
    logger.info("alarm handled", extra=result)
    return result
