"""Quiesced backups: pause reconciliation and scale the etcd writers to zero."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr.domain.reconciliation import pause_reconciliation
from hcp_dr.handlers.backup_task import cluster_api, owned_backup_state
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = owned_backup_state(event)
    record = pause_reconciliation(cluster_api(state), state.request.ref, state.backup.backup_id)
    logger.info("etcd writers scaled to zero", extra={"previous_replicas": record.replicas})
    return record.model_dump(mode="json")
