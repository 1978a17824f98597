"""What every backup stage handler does first: parse the state and bind the log context (and,
for a stage that quiesces, snapshots, completes or prunes, check its run holds the lock)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hcp_dr import dependencies
from hcp_dr.domain.dr_locks import require_backup_lock
from hcp_dr.handlers.event_parsing import parse_event
from hcp_dr.models.backup_state import BackupState
from hcp_dr.observability import bind_execution

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi


def backup_state(event: Any) -> BackupState:
    state = parse_event(BackupState, event)
    bind_execution(state.backup.execution_id, state.request.ref.key)
    return state


def owned_backup_state(event: Any) -> BackupState:
    state = backup_state(event)
    require_backup_lock(dependencies.lock_table(), state)
    return state


def cluster_api(state: BackupState) -> ManagementClusterApi:
    return dependencies.management_clusters().api(state.request.management_cluster)
