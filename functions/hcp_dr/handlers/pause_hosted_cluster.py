"""Migration stage 3: pause HC and NodePools, scale writers and CPO to 0 (counts recorded)."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr.domain.migration.pause import pause_hosted_cluster
from hcp_dr.handlers.migration_task import owned_migration_state, source_api
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = owned_migration_state(event)
    result = pause_hosted_cluster(source_api(state), state, datetime.now(UTC),
                                  lambda: datetime.now(UTC))
    logger.info("hosted cluster paused", extra={"previous_replicas": result.replicas,
                                                "nodepools": result.nodepools})
    return result.model_dump(mode="json")
