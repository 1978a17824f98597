"""The stages of one hosted cluster's backup, each a single call for its Lambda handler.

Each stage is safe to run twice: it either writes to a deterministic place (files named after
the backup id, S3 keys under the backup's prefix) or checks before it changes anything.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from hcp_dr.adapters.backup_bucket import BackupBucket
from hcp_dr.domain.backup_catalog import restorable_backups
from hcp_dr.domain.backup_layout import BackupLocation, new_backup_id
from hcp_dr.domain.backup_pruning import PruneResult, prune_backups
from hcp_dr.domain.backup_set import store_cluster_objects, write_manifest
from hcp_dr.domain.etcd_members import pick_snapshot_member, require_all_members_ready
from hcp_dr.domain.etcd_snapshot import remove_snapshot_file as remove_in_pod
from hcp_dr.domain.etcd_snapshot import take_snapshot
from hcp_dr.domain.etcd_tooling import EtcdTooling, ocp_minor_version
from hcp_dr.domain.retention import RetentionPolicy
from hcp_dr.domain.snapshot_integrity import verify_snapshot_stream
from hcp_dr.domain.snapshot_upload import upload_from_pod
from hcp_dr.errors import BackupIncomplete, HostedClusterNotFound
from hcp_dr.models.backup_records import SnapshotRecord, SnapshotVerification, UploadRecord
from hcp_dr.models.backup_state import (
    BackupRequest,
    BackupRun,
    BackupState,
    ExecutionContext,
    PreflightResult,
)
from hcp_dr.models.kinds import HOSTED_CLUSTERS
from hcp_dr.models.manifest import BackupManifest, EtcdSnapshotEntry

if TYPE_CHECKING:
    from hcp_dr.adapters.kubeconfig_secrets import KubeconfigSecrets
    from hcp_dr.adapters.management_cluster import ManagementClusterApi


def validate_backup_request(kubeconfigs: KubeconfigSecrets, request: BackupRequest,
                            execution: ExecutionContext) -> dict:
    """Resolve the management cluster (its kubeconfig must exist and parse) and name the run."""
    kubeconfigs.load(request.management_cluster)
    run = BackupRun(backup_id=new_backup_id(execution.started_at, execution.execution_name),
                    started_at=execution.started_at, execution_id=execution.execution_id)
    return {"request": request.model_dump(), "backup": run.model_dump(mode="json")}


def _hosted_cluster(api: ManagementClusterApi, state: BackupState) -> dict:
    ref = state.request.ref
    hc = api.get_custom(HOSTED_CLUSTERS, ref.namespace, ref.name)
    if hc is None:
        raise HostedClusterNotFound(
            f"HostedCluster {ref.key} not found on {ref.management_cluster}"
        )
    return hc


def preflight(api: ManagementClusterApi, state: BackupState) -> PreflightResult:
    hc = _hosted_cluster(api, state)
    members = require_all_members_ready(api, state.request.ref.hcp_namespace)
    return PreflightResult(ocp_minor=ocp_minor_version(hc), members=[m.pod for m in members],
                           snapshot_member=pick_snapshot_member(members).pod)


def _preflight_of(state: BackupState) -> PreflightResult:
    if state.preflight is None:
        raise BackupIncomplete("stage ran before preflight")
    return state.preflight


def snapshot_etcd(api: ManagementClusterApi, state: BackupState) -> SnapshotRecord:
    checked = _preflight_of(state)
    return take_snapshot(api, state.request.ref.hcp_namespace, checked.snapshot_member,
                         EtcdTooling(checked.ocp_minor), state.backup.backup_id)


def _location(state: BackupState) -> BackupLocation:
    return BackupLocation.of(state.request.ref, state.backup.backup_id)


def _snapshot_of(state: BackupState) -> SnapshotRecord:
    if state.snapshot is None:
        raise BackupIncomplete("stage ran before the snapshot was taken")
    return state.snapshot


def upload_snapshot(api: ManagementClusterApi, bucket: BackupBucket, state: BackupState,
                    url_ttl_seconds: int) -> UploadRecord:
    return upload_from_pod(api, state.request.ref.hcp_namespace, _snapshot_of(state), bucket,
                           _location(state).snapshot_key, url_ttl_seconds)


def verify_snapshot(bucket: BackupBucket, state: BackupState) -> SnapshotVerification:
    snapshot = _snapshot_of(state)
    chunks = bucket.read_chunks(_location(state).snapshot_key)
    return verify_snapshot_stream(chunks, snapshot.sha256, snapshot.size_bytes)


def remove_snapshot_file(api: ManagementClusterApi, state: BackupState) -> dict:
    if state.preflight is None:
        return {"removed": False}
    remove_in_pod(api, state.request.ref.hcp_namespace, state.preflight.snapshot_member,
                  state.backup.backup_id)
    return {"removed": True}


def backup_cluster_objects(api: ManagementClusterApi, bucket: BackupBucket,
                           state: BackupState) -> dict:
    return store_cluster_objects(api, bucket, state.request.ref, _location(state),
                                 _hosted_cluster(api, state))


def write_backup_manifest(bucket: BackupBucket, state: BackupState,
                          finished_at: datetime) -> BackupManifest:
    snapshot = _snapshot_of(state)
    if state.verification is None or not state.verification.trailer_valid:
        raise BackupIncomplete("the snapshot was not verified")
    etcd = EtcdSnapshotEntry(
        key=_location(state).snapshot_key, size_bytes=snapshot.size_bytes,
        sha256=snapshot.sha256, revision=snapshot.revision, total_keys=snapshot.total_keys,
        member=snapshot.pod, trailer_verified=True,
    )
    return write_manifest(bucket, state.request.ref, _location(state),
                          consistency=state.request.consistency,
                          ocp_minor=_preflight_of(state).ocp_minor,
                          started_at=state.backup.started_at, finished_at=finished_at, etcd=etcd)


def prune(bucket: BackupBucket, state: BackupState, now: datetime, policy: RetentionPolicy,
          abandoned_after: timedelta) -> PruneResult:
    return prune_backups(bucket, state.request.namespace, state.request.name, now, policy,
                         abandoned_after)


def newest_backup_age_seconds(bucket: BackupBucket, namespace: str, name: str,
                              now: datetime) -> float | None:
    """Age of the newest restorable backup, the number the freshness alarm watches."""
    backups = restorable_backups(bucket, namespace, name)
    if not backups:
        return None
    return max(0.0, (now - backups[0].taken_at).total_seconds())


def manifest_key(state: BackupState) -> str:
    return _location(state).manifest_key
