"""Migration stage 5: store the HCP namespace's Routes in S3, then delete them."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies, migration_dependencies
from hcp_dr.domain.migration.routes import delete_source_routes
from hcp_dr.handlers.migration_task import owned_migration_state, source_api
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = owned_migration_state(event)
    result = delete_source_routes(source_api(state), dependencies.backup_bucket(),
                                  migration_dependencies.dns_zones(), state)
    logger.info("source routes deleted", extra={"routes": result.routes})
    return result.model_dump(mode="json")
