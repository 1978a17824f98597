"""The DR locks: one per hosted cluster, one per management cluster's HyperShift operator.

A backup and a migration of the same hosted cluster share its lock, so neither runs while the
other is half done; a migration also holds its source operator's lock, because scaling that
operator to 0 affects every hosted cluster of that management cluster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hcp_dr.adapters.lock_table import LockTable
    from hcp_dr.models.backup_state import BackupState


def hosted_cluster_lock_id(namespace: str, name: str) -> str:
    return f"hosted-cluster/{namespace}/{name}"


def operator_lock_id(management_cluster: str) -> str:
    return f"operator/{management_cluster}"


def acquire_backup_lock(locks: LockTable, state: BackupState, now: int,
                        ttl_seconds: int) -> dict:
    lock = hosted_cluster_lock_id(state.request.namespace, state.request.name)
    locks.acquire(lock, state.backup.execution_id, now, ttl_seconds, "backup")
    return {"lock_id": lock}


def release_backup_lock(locks: LockTable, state: BackupState) -> dict:
    lock = hosted_cluster_lock_id(state.request.namespace, state.request.name)
    return {"released": locks.release(lock, state.backup.execution_id)}
