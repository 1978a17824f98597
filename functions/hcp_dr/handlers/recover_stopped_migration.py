"""EventBridge target: a Migration execution ended ABORTED (stopped by hand; no Catch ran).

Where it was comes from its history, not from the event: the event's `input` is only what it
was started with.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies, migration_dependencies
from hcp_dr.domain.migration.stopped import StoppedMigration, recover_stopped_migration
from hcp_dr.domain.recovery_patience import RecoveryPatience, after_grace
from hcp_dr.handlers.event_parsing import parse_event
from hcp_dr.models.execution_events import ExecutionStatusChange
from hcp_dr.observability import bind_execution, logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    detail = parse_event(ExecutionStatusChange, event).detail
    bind_execution(detail.executionArn)
    patience = RecoveryPatience(
        grace_seconds=dependencies.settings().stopped_migration_grace_seconds)

    traces: list = []  # an ended execution's history does not change: read it once

    def recover() -> dict:
        if not traces:
            traces.append(migration_dependencies.migration_executions().trace(
                detail.executionArn))
        trace = traces[0]
        stopped = StoppedMigration(detail.executionArn, trace.entered, trace.last_state_input)
        return recover_stopped_migration(dependencies.management_clusters().api,
                                         dependencies.backup_bucket(),
                                         dependencies.lock_table(),
                                         dependencies.execution_status().is_running, stopped)

    result = after_grace(recover, detail.stopped_at, patience)
    log = logger.warning if result["recovered"] else logger.error
    log("stopped migration " + ("recovered: the source runs again" if result["recovered"]
                                else "left for a person"), extra=result)
    return result
