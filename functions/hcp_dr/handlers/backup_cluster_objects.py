"""Backup stage: store the encryption material and the objects that rebuild the cluster."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies
from hcp_dr.domain import backup_set
from hcp_dr.handlers.backup_task import backup_state, cluster_api
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = backup_state(event)
    result = backup_set.backup_cluster_objects(cluster_api(state),
                                               dependencies.backup_bucket(), state)
    logger.info("cluster objects stored", extra=result)
    return result
