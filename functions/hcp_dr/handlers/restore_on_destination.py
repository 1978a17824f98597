"""Migration stage 6: create the hosted cluster on the destination in the guide's order, the
HC with exactly one restoreSnapshotURL (which appears nowhere else: not in logs, not here)."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies, migration_dependencies
from hcp_dr.domain.migration.restore import restore_on_destination
from hcp_dr.handlers.migration_task import destination_api, owned_migration_state
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = owned_migration_state(event)
    result = restore_on_destination(destination_api(state), dependencies.backup_bucket(),
                                    migration_dependencies.restore_url_signer(), state,
                                    datetime.now(UTC))
    logger.info("restored on destination", extra={
        "objects_created": result.created, "objects_existing": result.existing,
        "by_kind": result.by_kind,
        "url_length": result.url_length, "signer": result.signer})
    return result.model_dump(mode="json")
