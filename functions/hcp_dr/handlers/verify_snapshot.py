"""Backup stage: stream the stored snapshot and check both of its SHA-256 checksums."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies
from hcp_dr.domain.snapshot_integrity import verify_snapshot
from hcp_dr.handlers.backup_task import backup_state
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = backup_state(event)
    result = verify_snapshot(dependencies.backup_bucket(), state)
    logger.info("snapshot verified", extra={"size_bytes": result.size_bytes})
    return result.model_dump(mode="json")
