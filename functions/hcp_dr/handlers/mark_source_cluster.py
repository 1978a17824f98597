"""Migration stage 2: ConfigMap `default/mgmt-parent-cluster` in the hosted cluster itself."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import migration_dependencies
from hcp_dr.domain.migration.marking import mark_source_cluster
from hcp_dr.handlers.migration_task import migration_state, source_api
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = migration_state(event)
    result = mark_source_cluster(source_api(state), migration_dependencies.guest_connector(),
                                 state)
    logger.info("source marked in the hosted cluster", extra=result)
    return result
