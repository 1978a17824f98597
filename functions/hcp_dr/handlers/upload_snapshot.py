"""Backup stage: upload the snapshot from the pod to S3 through a presigned PUT."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies
from hcp_dr.domain import snapshot_stages
from hcp_dr.handlers.backup_task import backup_state, cluster_api
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = backup_state(event)
    record = snapshot_stages.upload_snapshot(
        cluster_api(state), dependencies.backup_bucket(), state,
        dependencies.settings().upload_url_ttl_seconds,
    )
    logger.info("snapshot uploaded", extra={"key": record.key, "size_bytes": record.size_bytes})
    return record.model_dump(mode="json")
