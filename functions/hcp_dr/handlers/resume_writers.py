"""Quiesced backups (and their failure path): restore writer replicas and reconciliation."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from hcp_dr import dependencies
from hcp_dr.domain.dr_locks import holds_backup_lock
from hcp_dr.domain.reconciliation import resume_reconciliation
from hcp_dr.handlers.backup_task import backup_state, cluster_api
from hcp_dr.observability import logger


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    state = backup_state(event)
    # The counts this run carries are a fallback for an annotation that went missing; a run
    # that lost its lock (redriven after its recovery) has nothing left to restore: the
    # annotation, if any, is the only authority then.
    fallback = state.quiesce if holds_backup_lock(dependencies.lock_table(), state) else None
    record = resume_reconciliation(cluster_api(state), state.request.ref, state.backup.backup_id,
                                   fallback)
    restored = record.replicas if record else {}
    logger.info("etcd writers restored", extra={"replicas": restored})
    return {"restored_replicas": restored}
