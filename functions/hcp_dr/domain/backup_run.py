"""A backup run as its stages see it: the run named at validation, and what earlier stages
must have left in the execution state before a later one can work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hcp_dr.domain.backup_layout import BackupLocation, new_backup_id
from hcp_dr.errors import BackupIncomplete, HostedClusterNotFound
from hcp_dr.models.backup_state import (
    BackupRequest,
    BackupRun,
    BackupState,
    ExecutionContext,
    PreflightResult,
)
from hcp_dr.models.kinds import HOSTED_CLUSTERS

if TYPE_CHECKING:
    from hcp_dr.adapters.kubeconfig_secrets import KubeconfigSecrets
    from hcp_dr.adapters.management_cluster import ManagementClusterApi
    from hcp_dr.models.backup_records import SnapshotRecord


def validate_backup_request(kubeconfigs: KubeconfigSecrets, request: BackupRequest,
                            execution: ExecutionContext) -> dict:
    """Resolve the management cluster (its kubeconfig must exist and parse) and name the run."""
    kubeconfigs.load(request.management_cluster)
    run = BackupRun(backup_id=new_backup_id(execution.started_at, execution.execution_name),
                    started_at=execution.started_at, execution_id=execution.execution_id)
    return {"request": request.model_dump(), "backup": run.model_dump(mode="json")}


def hosted_cluster(api: ManagementClusterApi, state: BackupState) -> dict:
    ref = state.request.ref
    hc = api.get_custom(HOSTED_CLUSTERS, ref.namespace, ref.name)
    if hc is None:
        raise HostedClusterNotFound(
            f"HostedCluster {ref.key} not found on {ref.management_cluster}"
        )
    return hc


def preflight_of(state: BackupState) -> PreflightResult:
    if state.preflight is None:
        raise BackupIncomplete("stage ran before preflight")
    return state.preflight


def snapshot_of(state: BackupState) -> SnapshotRecord:
    if state.snapshot is None:
        raise BackupIncomplete("stage ran before the snapshot was taken")
    return state.snapshot


def location(state: BackupState) -> BackupLocation:
    return BackupLocation.of(state.request.ref, state.backup.backup_id)
