"""Backup stage (also on failure): delete the snapshot file from the etcd volume."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr.domain import snapshot_stages
from hcp_dr.handlers.backup_task import backup_state, cluster_api
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = backup_state(event)
    result = snapshot_stages.remove_snapshot_file(cluster_api(state), state)
    logger.info("snapshot file removed from pod", extra=result)
    return result
