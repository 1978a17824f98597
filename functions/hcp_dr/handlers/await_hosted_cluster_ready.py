"""Migration stage 7: HC Available on the destination and its worker nodes Ready."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import migration_dependencies
from hcp_dr.domain.migration.readiness import await_hosted_cluster_ready
from hcp_dr.handlers.migration_task import destination_api, migration_state
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = migration_state(event)
    result = await_hosted_cluster_ready(destination_api(state),
                                        migration_dependencies.guest_connector(), state,
                                        datetime.now(UTC))
    logger.info("hosted cluster ready on destination", extra={
        "ready_nodes": result.ready_nodes, "expected_nodes": result.expected_nodes})
    return result.model_dump(mode="json")
