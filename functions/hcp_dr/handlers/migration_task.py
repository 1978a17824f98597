"""What every migration stage handler does first: parse the state, bind the log context (and,
for a stage that changes a cluster, check its execution still holds the locks), and reach the
management clusters it names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hcp_dr import dependencies
from hcp_dr.domain.migration.start import require_migration_locks
from hcp_dr.handlers.event_parsing import parse_event
from hcp_dr.models.migration import MigrationState
from hcp_dr.observability import bind_execution

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi


def migration_state(event: Any) -> MigrationState:
    state = parse_event(MigrationState, event)
    bind_execution(state.migration.execution_id, state.request.hosted_cluster.key)
    return state


def owned_migration_state(event: Any) -> MigrationState:
    """The state of a stage that changes a cluster, which runs only while its execution still
    holds the migration's locks (`MigrationLocksLost` otherwise)."""
    state = migration_state(event)
    require_migration_locks(dependencies.lock_table(), state)
    return state


def source_api(state: MigrationState) -> ManagementClusterApi:
    return dependencies.management_clusters().api(state.request.source)


def destination_api(state: MigrationState) -> ManagementClusterApi:
    return dependencies.management_clusters().api(state.request.destination)
