"""Backup stage: take the etcd snapshot inside one healthy etcd pod."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr.domain import snapshot_stages
from hcp_dr.handlers.backup_task import cluster_api, owned_backup_state
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = owned_backup_state(event)
    record = snapshot_stages.snapshot_etcd(cluster_api(state), state)
    logger.info("etcd snapshot taken", extra={
        "pod": record.pod, "revision": record.revision, "size_bytes": record.size_bytes,
    })
    return record.model_dump(mode="json")
