"""Migration stage 1: refuse what cannot succeed, before any change."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import migration_dependencies
from hcp_dr.domain.migration.preflight import preflight_migration
from hcp_dr.handlers.migration_task import destination_api, migration_state, source_api
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = migration_state(event)
    result = preflight_migration(source_api(state), destination_api(state),
                                 migration_dependencies.dns_zones(), state)
    logger.info("migration preflight passed", extra={
        "ocp_minor": result.ocp_minor, "hostnames": len(result.hostnames),
        "nodepools": len(result.nodepools), "expected_nodes": result.expected_nodes})
    return result.model_dump(mode="json")
