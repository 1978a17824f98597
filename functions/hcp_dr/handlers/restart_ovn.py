"""Migration stage 10: delete the hosted cluster's OVN pods so they reconnect."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import migration_dependencies
from hcp_dr.domain.migration.ovn import restart_ovn
from hcp_dr.handlers.migration_task import destination_api, migration_state
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = migration_state(event)
    result = restart_ovn(destination_api(state), migration_dependencies.guest_connector(), state)
    logger.info("OVN pods restarted", extra=result)
    return result
