"""A Migration execution that was stopped: put the source back, if nothing reached the
destination.

Step Functions runs no Catch for a stopped execution (StopExecution from the console, say on a
run that seemed stuck), so none of the compensation runs: the hosted cluster would stay paused
on the source with its etcd writers at 0 (its API down), its Routes deleted and its locks
held. EventBridge reports the end (`Step Functions Execution Status Change`, ABORTED); this
reads where the execution was from its history and, when it never began the restore on the
destination (state `RestoreBegins` not entered, and no record that the HostedCluster was
requested there), undoes what the failure path would have: Routes recreated from their stored
bodies, writers, control-plane operator and NodePools back from this migration's own records
(if it got as far as changing the source), locks released. Each step is the failure path's
own, safe to run twice and a no-op for what the run never did. (A snapshot file it left in an
etcd pod's volume is removed by the next snapshot of that cluster.)

A stopped Standard execution can be redriven from the console: one that runs again is left to
itself, and one redriven after this recovery released its locks fails at its next stage that
would change a cluster (`MigrationLocksLost`, `start.require_migration_locks`).

Once the restore began, a control plane may run on the destination: resuming the source could
make two, and what the destination accepted may matter. That decision stays with a person; the
alarm `MigrationExecutionsAborted` pages with what to check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import ValidationError

from hcp_dr.domain.migration.identity import location_of
from hcp_dr.domain.migration.pause import resume_source
from hcp_dr.domain.migration.routes import recreate_source_routes
from hcp_dr.domain.migration.start import release_migration_locks
from hcp_dr.errors import TransientError
from hcp_dr.models.migration import MigrationState

if TYPE_CHECKING:
    from hcp_dr.adapters.backup_bucket import BackupBucket
    from hcp_dr.adapters.lock_table import LockTable
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

RESTORE_BEGUN = "RestoreBegins"
# The states from which on the source itself was changed (paused, its Routes deleted).
SOURCE_CHANGED = frozenset({"PauseHostedCluster", "DeleteSourceRoutes"})


@dataclass(frozen=True)
class StoppedMigration:
    """Where a stopped execution was: the states it entered and the state it last carried."""

    execution_arn: str
    entered: frozenset[str]
    last_state_input: str | None

    def state(self) -> MigrationState | None:
        """None when it stopped before its request was validated (nothing was done yet)."""
        try:
            return MigrationState.model_validate_json(self.last_state_input or "null")
        except ValidationError:
            return None


def _left_alone_because(stopped: StoppedMigration, bucket: BackupBucket,
                        state: MigrationState) -> str | None:
    """Why the source must not be put back, or None. The restore's record is written just
    before the HC is created on the destination; a throttled read of it is retried (the
    TransientError propagates), one refused for good is no proof the HC is absent."""
    if RESTORE_BEGUN in stopped.entered:
        return "restore-began"
    try:
        if bucket.head(location_of(state).destination_hc_requested_key) is not None:
            return "restore-began"
    except TransientError:
        raise
    except Exception:  # any permanent failure: cannot tell, so leave it
        return "destination-record-unreadable"
    return None


def recover_stopped_migration(connect: Callable[[str], ManagementClusterApi],
                              bucket: BackupBucket, locks: LockTable,
                              is_running: Callable[[str], bool],
                              stopped: StoppedMigration) -> dict:
    """`connect(cluster_id)` reaches a management cluster (only the source is reached, and
    only when the run changed it); `is_running(arn)` tells a redriven execution."""
    state = stopped.state()
    if state is None:
        return {"recovered": False, "reason": "stopped-before-validation"}
    summary = {"migration_id": state.migration_id, "source": state.request.source,
               "destination": state.request.destination}
    if is_running(stopped.execution_arn):  # redriven meanwhile: it holds its own course
        return {"recovered": False, "reason": "running-again", **summary}
    reason = _left_alone_because(stopped, bucket, state)
    if reason is not None:
        return {"recovered": False, "reason": reason, **summary}
    routes, resumed = {"recreated": 0, "present": 0}, {"restored_replicas": {}, "nodepools": []}
    if stopped.entered & SOURCE_CHANGED:
        source = connect(state.request.source)
        routes = recreate_source_routes(source, bucket, state)
        resumed = resume_source(source, state)
    released = release_migration_locks(locks, state)
    return {"recovered": True, **summary, "routes": routes, "resumed": resumed,
            "locks": released}
