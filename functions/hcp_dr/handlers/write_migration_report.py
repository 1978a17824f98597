"""Migration stage 10: post-checks and the report (S3 and the execution output)."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies, migration_dependencies
from hcp_dr.domain.migration.report import write_migration_report
from hcp_dr.handlers.migration_task import destination_api, migration_state, source_api
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = migration_state(event)
    stages = migration_dependencies.migration_executions().stage_seconds(
        state.migration.execution_id)
    summary = write_migration_report(
        source_api(state), destination_api(state), migration_dependencies.guest_connector(),
        migration_dependencies.dns_zones(), dependencies.backup_bucket(), stages, state,
        datetime.now(UTC))
    log = logger.info if summary["passed"] else logger.error
    log("migration report written", extra={k: summary[k] for k in (
        "status", "rto_seconds", "checks", "report_key")})
    return summary
