"""Migration stage 7: HC Available on the destination and its worker nodes Ready."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import migration_dependencies
from hcp_dr.domain.migration.readiness import ReadinessPatience, await_hosted_cluster_ready
from hcp_dr.handlers.migration_task import destination_api, migration_state
from hcp_dr.observability import logger

# Look every second for up to 45 s per invocation, and stop 15 s short of the function's
# timeout whatever it is; the state machine's Retry starts the next invocation.
WAIT_SECONDS = 45.0
POLL_SECONDS = 1.0
TIMEOUT_MARGIN_SECONDS = 15.0


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = migration_state(event)
    remaining = context.get_remaining_time_in_millis() / 1000.0 - TIMEOUT_MARGIN_SECONDS
    patience = ReadinessPatience(max(0.0, min(WAIT_SECONDS, remaining)), POLL_SECONDS)
    result = await_hosted_cluster_ready(destination_api(state),
                                        migration_dependencies.guest_connector(), state,
                                        datetime.now(UTC), patience)
    logger.info("hosted cluster ready on destination", extra={
        "ready_nodes": result.ready_nodes, "expected_nodes": result.expected_nodes})
    return result.model_dump(mode="json")
