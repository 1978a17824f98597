"""Backup stage: write the manifest that makes the backup set complete and restorable."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies
from hcp_dr.domain import backup_set
from hcp_dr.handlers.backup_task import owned_backup_state
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = owned_backup_state(event)
    manifest = backup_set.write_backup_manifest(dependencies.backup_bucket(), state,
                                                datetime.now(UTC))
    summary = {
        "backup_id": manifest.backup_id, "etcd_revision": manifest.etcd.revision,
        "etcd_keys": manifest.etcd.total_keys, "bytes": manifest.etcd.size_bytes,
        "objects": len(manifest.objects), "verified": manifest.verified,
        "manifest_key": backup_set.manifest_key(state),
    }
    logger.info("manifest written", extra=summary)
    return summary
