"""The DR locks: one per hosted cluster, one per management cluster's HyperShift operator.

A backup and a migration of the same hosted cluster share its lock, so neither runs while the
other is half done; a migration also holds its source operator's lock, because scaling that
operator to 0 affects every hosted cluster of that management cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hcp_dr.errors import (
    AwsRequestRejected,
    AwsServiceUnavailable,
    BackupLockLost,
    ClusterLocked,
)

if TYPE_CHECKING:
    from hcp_dr.adapters.execution_status import ExecutionStatus
    from hcp_dr.adapters.lock_table import LockTable
    from hcp_dr.models.backup_state import BackupState


def hosted_cluster_lock_id(namespace: str, name: str) -> str:
    return f"hosted-cluster/{namespace}/{name}"


def operator_lock_id(management_cluster: str) -> str:
    return f"operator/{management_cluster}"


def left_behind(holder_purpose: str | None, holder_status: str | None) -> bool:
    """Whether a lock's holder can no longer need it, so the next run may take it over rather
    than be refused until its TTL ends: a backup that no longer runs (stopped by hand, timed
    out: it never ran its release), or a migration that SUCCEEDED (it migrated, but its
    release failed). A migration that failed or was stopped keeps its locks: what it left
    may need a person (its notice says), and RecoverStoppedMigration releases what it can."""
    if holder_purpose == "backup":
        return holder_status != "RUNNING"
    return holder_purpose == "migration" and holder_status == "SUCCEEDED"


def holder_left_it(refusal: ClusterLocked, owner: str,
                   holder_status: Callable[[str], str | None]) -> bool:
    """`left_behind` for the holder a refusal names. Step Functions throttling propagates
    (`AwsServiceUnavailable`: the stage retries and asks again); a migration holder whose
    description is refused keeps its lock (the refusal stands), a backup's refusal
    propagates as ever."""
    if refusal.holder in (None, owner) or refusal.holder_purpose not in ("backup", "migration"):
        return False
    try:
        status = holder_status(refusal.holder)
    except AwsRequestRejected:
        if refusal.holder_purpose == "migration":
            return False
        raise
    return left_behind(refusal.holder_purpose, status)


def acquire_backup_lock(locks: LockTable, state: BackupState, now: int, ttl_seconds: int,
                        holder_status: Callable[[str], str | None]) -> dict:
    """The hosted cluster's lock, or `ClusterLocked`. A lock `left_behind` by its holder is
    taken over at once (from that holder only) rather than failing every backup until its
    TTL ends."""
    lock = hosted_cluster_lock_id(state.request.namespace, state.request.name)
    owner = state.backup.execution_id
    try:
        locks.acquire(lock, owner, now, ttl_seconds, "backup")
    except ClusterLocked as exc:
        if not holder_left_it(exc, owner, holder_status):
            raise
        locks.take_over(lock, exc.holder, owner, now, ttl_seconds, "backup")
        return {"lock_id": lock, "taken_over_from": exc.holder.rsplit(":", 1)[-1]}
    return {"lock_id": lock}


def locks_lost(locks: LockTable, lock_ids: list[str], owner: str) -> str | None:
    """Which of `lock_ids` the execution `owner` no longer holds, said for its error; None
    when it holds them all. A stopped run, recovered (locks released) and then redriven from
    the console, must change nothing more: the stages that change a cluster ask this first."""
    lost = [lock for lock in lock_ids if locks.owner(lock) != owner]
    if not lost:
        return None
    return (f"execution {owner.rsplit(':', 1)[-1]} no longer holds {', '.join(lost)} (stopped "
            "and recovered, then redriven?): nothing more is changed by this run")


def holds_backup_lock(locks: LockTable, state: BackupState) -> bool:
    """Whether this run (a backup, or a migration's backup stages) holds the HC's lock."""
    lock = hosted_cluster_lock_id(state.request.namespace, state.request.name)
    return locks_lost(locks, [lock], state.backup.execution_id) is None


def require_backup_lock(locks: LockTable, state: BackupState) -> None:
    """Before a stage that quiesces, snapshots, completes or prunes: `BackupLockLost`."""
    if not holds_backup_lock(locks, state):
        raise BackupLockLost(
            f"execution {state.backup.execution_id.rsplit(':', 1)[-1]} no longer holds the "
            f"lock of {state.request.ref.key} (stopped and recovered, then redriven?): "
            "nothing more is changed by this run")


def release_backup_lock(locks: LockTable, state: BackupState) -> dict:
    lock = hosted_cluster_lock_id(state.request.namespace, state.request.name)
    return {"released": locks.release(lock, state.backup.execution_id)}


def running_migrations(locks: LockTable, executions: ExecutionStatus,
                       now: int) -> dict[str, str]:
    """The DR locks held by a migration that still runs: lock id -> its execution name. A
    migration stopped by hand or timed out never ran its release: its lock stays until it
    expires, and must not pass for a migration in progress (the backups it blocks fail, and
    say so)."""
    return _still_running(locks, executions, now, "migration")


def running_backups(locks: LockTable, executions: ExecutionStatus,
                    now: int) -> dict[str, str]:
    """The DR locks held by a backup that still runs (an earlier scheduled tick whose fleet
    outlasts the interval, or one started by hand): lock id -> its execution name."""
    return _still_running(locks, executions, now, "backup")


def _still_running(locks: LockTable, executions: ExecutionStatus, now: int,
                   purpose: str) -> dict[str, str]:
    """Each lock is judged on its own: one whose holder cannot be described counts as
    running when Step Functions is throttling (that cluster waits a tick), as not running
    when the call is refused (its backup then meets the lock, loudly), and never stops the
    listing of the others."""
    running = {}
    for lock, owner in locks.held_for(purpose, now).items():
        try:
            alive = executions.is_running(owner)
        except AwsServiceUnavailable:
            alive = True
        except AwsRequestRejected:
            alive = False
        if alive:
            running[lock] = owner.rsplit(":", 1)[-1]
    return running
