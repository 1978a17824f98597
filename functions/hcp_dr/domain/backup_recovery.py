"""A Backup execution that was stopped or timed out: undo what its failure path would have.

Step Functions runs no Catch when an execution is stopped (StopExecution, or a parent's stop)
or when it exceeds its TimeoutSeconds: a quiesced backup would leave the hosted cluster's etcd
writers at 0 (its API down) and its lock held until the TTL. EventBridge reports the end
(`Step Functions Execution Status Change`); this brings the writers back to the counts the
backup recorded on the HostedCluster, if that backup recorded them, and releases its lock.
Safe to run twice, and a no-op for a backup that never got as far.

It acts after a grace period and keeps trying for a while (`recovery_patience`): a
QuiesceWriters still running could scale the writers down again behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from hcp_dr.domain.backup_layout import new_backup_id
from hcp_dr.domain.dr_locks import hosted_cluster_lock_id
from hcp_dr.domain.reconciliation import resume_reconciliation
from hcp_dr.domain.recovery_patience import RecoveryPatience, after_grace
from hcp_dr.models.backup_state import BackupRequest

if TYPE_CHECKING:
    from hcp_dr.adapters.lock_table import LockTable
    from hcp_dr.adapters.management_cluster import ManagementClusterApi


@dataclass(frozen=True)
class EndedBackup:
    """An ended Backup execution, from its status-change event."""

    execution_arn: str
    execution_name: str
    status: str  # ABORTED | TIMED_OUT
    started_at: datetime
    request: BackupRequest

    @property
    def backup_id(self) -> str:
        return new_backup_id(self.started_at, self.execution_name)


def recover_ended_backup_patiently(api: Callable[[], ManagementClusterApi], locks: LockTable,
                                   ended: EndedBackup, stopped_at: float,
                                   patience: RecoveryPatience) -> dict:
    """`recover_ended_backup` once the grace after `stopped_at` is over, patiently."""
    return after_grace(lambda: recover_ended_backup(api(), locks, ended), stopped_at, patience)


def recover_ended_backup(api: ManagementClusterApi, locks: LockTable,
                         ended: EndedBackup) -> dict:
    """Writers back (only from this backup's own record), then the lock released (only if
    this execution still holds it)."""
    record = resume_reconciliation(api, ended.request.ref, ended.backup_id)
    released = locks.release(hosted_cluster_lock_id(ended.request.namespace,
                                                    ended.request.name), ended.execution_arn)
    return {"backup_id": ended.backup_id, "status": ended.status,
            "restored_replicas": record.replicas if record else {}, "lock_released": released}
