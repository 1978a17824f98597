"""Quiesced backups (and their failure path): restore writer replicas and reconciliation."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr.domain.reconciliation import resume_reconciliation
from hcp_dr.handlers.backup_task import backup_state, cluster_api
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = backup_state(event)
    record = resume_reconciliation(cluster_api(state), state.request.ref, state.backup.backup_id,
                                   state.quiesce)
    restored = record.replicas if record else {}
    logger.info("etcd writers restored", extra={"replicas": restored})
    return {"restored_replicas": restored}
