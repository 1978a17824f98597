"""Backup stage 3: the hosted cluster exists and every etcd member is Ready."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr.domain import snapshot_stages
from hcp_dr.handlers.backup_task import backup_state, cluster_api
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = backup_state(event)
    result = snapshot_stages.preflight(cluster_api(state), state)
    logger.info("preflight passed", extra=result.model_dump())
    return result.model_dump(mode="json")
