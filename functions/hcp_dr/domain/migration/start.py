"""Stage 1 bookkeeping: name the run, shape the backup state, take and release the locks.

The migration id is derived from the execution (start time + a hash of its name), like a backup
id, so every retried stage agrees on it; the snapshot and objects land in the backup set of the
same id, which is an ordinary quiesced backup afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hcp_dr.adapters.lock_table import LockTable
from hcp_dr.domain.backup_layout import new_backup_id
from hcp_dr.domain.dr_locks import (
    holder_left_it,
    hosted_cluster_lock_id,
    locks_lost,
    operator_lock_id,
)
from hcp_dr.errors import BackupInProgress, ClusterLocked, MigrationLocksLost
from hcp_dr.models.backup_state import BackupRequest, BackupRun, BackupState, ExecutionContext
from hcp_dr.models.migration import MigrationState
from hcp_dr.models.migration_run import MigrationRequest, MigrationRun

if TYPE_CHECKING:
    # Only the request's validation reads kubeconfigs (through the adapter it is given); the
    # lock stages must not import the parser (yaml) with it.
    from hcp_dr.adapters.kubeconfig_secrets import KubeconfigSecrets

# The DNS wait's States.Timeout backstop fires this long after the requested limit, so the
# watcher's named DnsCleanupTimeout (checked every minute at least) normally comes first.
DNS_BACKSTOP_MARGIN_SECONDS = 180


def validate_migration_request(kubeconfigs: KubeconfigSecrets, request: MigrationRequest,
                               execution: ExecutionContext) -> dict:
    """Both management clusters must be registered; returns the initial execution state."""
    for cluster in (request.source, request.destination):
        kubeconfigs.load(cluster)
    migration_id = new_backup_id(execution.started_at, execution.execution_name)
    run = MigrationRun(migration_id=migration_id, execution_id=execution.execution_id,
                       started_at=execution.started_at,
                       dns_backstop_seconds=request.dns_timeout_seconds
                       + DNS_BACKSTOP_MARGIN_SECONDS)
    backup = BackupState(
        request=BackupRequest(management_cluster=request.source,
                              namespace=request.hosted_cluster.namespace,
                              name=request.hosted_cluster.name, consistency="quiesced"),
        backup=BackupRun(backup_id=migration_id, started_at=execution.started_at,
                         execution_id=execution.execution_id),
    )
    return {"request": request.model_dump(mode="json"),
            "migration": run.model_dump(mode="json"),
            "backup_state": backup.model_dump(mode="json", exclude_none=True)}


def lock_ids(state: MigrationState) -> list[str]:
    """The hosted cluster's DR lock (shared with backups) and the source operator's lock."""
    hc = state.request.hosted_cluster
    return [hosted_cluster_lock_id(hc.namespace, hc.name), operator_lock_id(state.request.source)]


def acquire_migration_locks(locks: LockTable, state: MigrationState, now: int,
                            ttl_seconds: int, holder_status: Callable[[str], str | None]) -> dict:
    """Both locks, or a named refusal. A backup holding the hosted cluster's lock (a
    scheduled tick that listed it before this migration began) ends within minutes: that is
    `BackupInProgress`, which the machine waits out. A lock `left_behind` by its holder (a
    backup that no longer runs, a migration that succeeded but could not release it) is
    taken over at once. Anything else is `ClusterLocked`."""
    owner = state.migration.execution_id
    taken_over = {}
    for lock in lock_ids(state):
        try:
            locks.acquire(lock, owner, now, ttl_seconds, "migration")
        except ClusterLocked as exc:
            if holder_left_it(exc, owner, holder_status):
                locks.take_over(lock, exc.holder, owner, now, ttl_seconds, "migration")
                taken_over[lock] = exc.holder.rsplit(":", 1)[-1]
            elif exc.holder_purpose == "backup" and exc.holder not in (None, owner):
                raise BackupInProgress(str(exc)) from None
            else:
                raise
    result: dict = {"lock_ids": lock_ids(state)}
    if taken_over:
        result["taken_over_from"] = taken_over
    return result


def require_migration_locks(locks: LockTable, state: MigrationState) -> None:
    """Before a stage changes a cluster: this execution still holds both locks. An execution
    stopped, recovered (source resumed, locks released) and then redriven from the console
    would otherwise carry on against a live source: `MigrationLocksLost` sends it down its
    failure path instead, whose steps only touch what carries this migration's id."""
    lost = locks_lost(locks, lock_ids(state), state.migration.execution_id)
    if lost:
        raise MigrationLocksLost(lost)


def release_migration_locks(locks: LockTable, state: MigrationState) -> dict:
    released = [lock for lock in lock_ids(state)
                if locks.release(lock, state.migration.execution_id)]
    return {"released": released}
