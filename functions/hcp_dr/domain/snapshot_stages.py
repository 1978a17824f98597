"""The backup stages that work in an etcd pod: check the members, take the snapshot there,
upload it from there to S3, and remove the pod's copy.

Each is safe to run twice: the snapshot file is named after the backup id and the S3 key lies
under the backup's prefix, so a retry overwrites its own work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hcp_dr.domain.backup_run import hosted_cluster, location, preflight_of, snapshot_of
from hcp_dr.domain.etcd_members import pick_snapshot_member, require_all_members_ready
from hcp_dr.domain.etcd_snapshot import remove_snapshot_file as remove_in_pod
from hcp_dr.domain.etcd_snapshot import take_snapshot
from hcp_dr.domain.etcd_tooling import EtcdTooling, ocp_minor_version
from hcp_dr.domain.snapshot_upload import upload_from_pod
from hcp_dr.models.backup_state import BackupState, PreflightResult

if TYPE_CHECKING:
    from hcp_dr.adapters.backup_bucket import BackupBucket
    from hcp_dr.adapters.management_cluster import ManagementClusterApi
    from hcp_dr.models.backup_records import SnapshotRecord, UploadRecord


def preflight(api: ManagementClusterApi, state: BackupState) -> PreflightResult:
    hc = hosted_cluster(api, state)
    members = require_all_members_ready(api, state.request.ref.hcp_namespace)
    return PreflightResult(ocp_minor=ocp_minor_version(hc), members=[m.pod for m in members],
                           snapshot_member=pick_snapshot_member(members).pod)


def snapshot_etcd(api: ManagementClusterApi, state: BackupState) -> SnapshotRecord:
    checked = preflight_of(state)
    return take_snapshot(api, state.request.ref.hcp_namespace, checked.snapshot_member,
                         EtcdTooling(checked.ocp_minor), state.backup.backup_id)


def upload_snapshot(api: ManagementClusterApi, bucket: BackupBucket, state: BackupState,
                    url_ttl_seconds: int) -> UploadRecord:
    return upload_from_pod(api, state.request.ref.hcp_namespace, snapshot_of(state), bucket,
                           location(state).snapshot_key, url_ttl_seconds)


def remove_snapshot_file(api: ManagementClusterApi, state: BackupState) -> dict:
    if state.preflight is None:
        return {"removed": False}
    remove_in_pod(api, state.request.ref.hcp_namespace, state.preflight.snapshot_member,
                  state.backup.backup_id)
    return {"removed": True}
