"""A Backup execution that was stopped or timed out: undo what its failure path would have.

Step Functions runs no Catch when an execution is stopped (StopExecution, or a parent's stop)
or when it exceeds its TimeoutSeconds: a quiesced backup would leave the hosted cluster's etcd
writers at 0 (its API down) and its lock held until the TTL. EventBridge reports the end
(`Step Functions Execution Status Change`); this brings the writers back to the counts the
backup recorded on the HostedCluster, if that backup recorded them, and releases its lock.
Safe to run twice, and a no-op for a backup that never got as far.

It waits a grace period after the stop first (a task Lambda already running, say a
QuiesceWriters, is not stopped with its execution and could scale the writers down again behind
the recovery), and keeps trying through a management cluster that does not answer for a while
(a likely reason the backup was stopped) rather than give up after Lambda's two retries.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from hcp_dr.domain.backup_layout import new_backup_id
from hcp_dr.domain.dr_locks import hosted_cluster_lock_id
from hcp_dr.domain.reconciliation import resume_reconciliation
from hcp_dr.errors import TransientError
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


@dataclass(frozen=True)
class RecoveryPatience:
    """When to act and how long to keep trying, within one invocation."""

    grace_seconds: float = 75.0  # after the stop
    budget_seconds: float = 720.0  # of retries on transient errors
    retry_seconds: float = 30.0
    wall_clock: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = field(default=time.sleep)


def recover_ended_backup_patiently(api: Callable[[], ManagementClusterApi], locks: LockTable,
                                   ended: EndedBackup, stopped_at: float,
                                   patience: RecoveryPatience) -> dict:
    """`recover_ended_backup` once the grace period after `stopped_at` (epoch seconds) is
    over, tried again on transient errors until the budget is spent (then the last error)."""
    patience.sleep(max(0.0, stopped_at + patience.grace_seconds - patience.wall_clock()))
    deadline = patience.monotonic() + patience.budget_seconds
    while True:
        try:
            return recover_ended_backup(api(), locks, ended)
        except TransientError:
            if patience.monotonic() + patience.retry_seconds > deadline:
                raise
            patience.sleep(patience.retry_seconds)


def recover_ended_backup(api: ManagementClusterApi, locks: LockTable,
                         ended: EndedBackup) -> dict:
    """Writers back (only from this backup's own record), then the lock released (only if
    this execution still holds it)."""
    record = resume_reconciliation(api, ended.request.ref, ended.backup_id)
    released = locks.release(hosted_cluster_lock_id(ended.request.namespace,
                                                    ended.request.name), ended.execution_arn)
    return {"backup_id": ended.backup_id, "status": ended.status,
            "restored_replicas": record.replicas if record else {}, "lock_released": released}
