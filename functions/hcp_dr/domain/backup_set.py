"""Write the parts of a backup set besides the snapshot, and finally its manifest.

Every part is written under the backup's own prefix with a deterministic key, so a retried
stage overwrites what it wrote before instead of adding to it. The manifest goes last and only
after every part it lists is confirmed in the bucket.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import ValidationError

from hcp_dr.adapters.backup_bucket import BackupBucket
from hcp_dr.domain import backup_run
from hcp_dr.domain.backup_layout import BackupLocation
from hcp_dr.domain.cluster_objects import (
    collect_cluster_objects,
    encryption_material,
    without_status,
)
from hcp_dr.errors import BackupIncomplete, EncryptionKeyMissing, RecordUnreadable
from hcp_dr.models.cluster import HostedClusterRef
from hcp_dr.models.manifest import (
    BackupManifest,
    BackupObjectEntry,
    EncryptionEntry,
    EtcdSnapshotEntry,
)
from hcp_dr.version import TOOL_VERSION

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi
    from hcp_dr.models.backup_state import BackupState

OBJECT_INDEX = "objects/index.json"
# S3 requests in flight at once when storing or reading a backup's objects (a few dozen small
# JSON documents): enough to hide their latency, few enough for one Lambda's connection pool.
PARALLEL_TRANSFERS = 8


def _store_key_secret(api: ManagementClusterApi, bucket: BackupBucket, ref: HostedClusterRef,
                      name: str | None, key: str) -> None:
    if not name:  # `aescbc.activeKey: {}`: nothing to fetch, and "" would list every secret
        raise EncryptionKeyMissing(f"HostedCluster {ref.key} names no AES key secret "
                                   "(spec.secretEncryption.aescbc.activeKey.name)")
    secret = api.get_secret(ref.namespace, name)
    if secret is None or secret.get("kind", "Secret") != "Secret" or not isinstance(
            secret.get("data"), dict):
        raise EncryptionKeyMissing(f"encryption key secret {name!r} missing in {ref.namespace}")
    secret.setdefault("apiVersion", "v1")
    secret.setdefault("kind", "Secret")
    bucket.put_json(key, without_status(secret))


def store_cluster_objects(api: ManagementClusterApi, bucket: BackupBucket,
                          ref: HostedClusterRef, location: BackupLocation,
                          hosted_cluster: dict) -> dict:
    """Store encryption material and objects; returns counts (no secret content)."""
    material = encryption_material(hosted_cluster)
    encryption = EncryptionEntry(type=material["type"], kms_key_arn=material.get("kms_key_arn"))
    if material["type"] == "aescbc":
        _store_key_secret(api, bucket, ref, material.get("secret"), location.encryption_key)
        backup_key = None
        if material.get("backup_secret"):
            backup_key = location.encryption_backup_key
            _store_key_secret(api, bucket, ref, material["backup_secret"], backup_key)
        encryption = EncryptionEntry(type="aescbc", key=location.encryption_key,
                                     backup_key=backup_key)
    objects = collect_cluster_objects(api, ref, hosted_cluster)
    keys = [location.object_key(o.kind_plural, o.namespace, o.name) for o in objects]
    # In a migration this runs while the hosted cluster is paused: the uploads go in parallel.
    with ThreadPoolExecutor(max_workers=PARALLEL_TRANSFERS) as pool:
        digests = list(pool.map(bucket.put_json, keys, [o.body for o in objects]))
    entries = [BackupObjectEntry(key=key, kind=obj.kind_plural, namespace=obj.namespace,
                                 name=obj.name, sha256=digest)
               for key, obj, digest in zip(keys, objects, digests, strict=True)]
    index = {"encryption": encryption.model_dump(), "objects": [e.model_dump() for e in entries]}
    bucket.put_json(location.prefix + OBJECT_INDEX, index)
    return {"objects": len(entries), "encryption": encryption.type}


def write_manifest(bucket: BackupBucket, ref: HostedClusterRef, location: BackupLocation, *,
                   consistency: str, ocp_minor: int, started_at: datetime,
                   finished_at: datetime, etcd: EtcdSnapshotEntry) -> BackupManifest:
    index = bucket.get_json(location.prefix + OBJECT_INDEX)
    if index is None:
        raise BackupIncomplete(f"{location.prefix}: object index missing")
    manifest = BackupManifest(
        tool_version=TOOL_VERSION, backup_id=location.backup_id,
        hosted_cluster={"namespace": ref.namespace, "name": ref.name},
        management_cluster=ref.management_cluster, consistency=consistency,
        ocp_minor=ocp_minor, started_at=started_at, finished_at=finished_at, etcd=etcd,
        encryption=EncryptionEntry.model_validate(index["encryption"]),
        objects=[BackupObjectEntry.model_validate(o) for o in index["objects"]],
    )
    written = _written_manifest(bucket, location)
    if written is not None and written.model_dump(exclude={"finished_at"}) == manifest.model_dump(
            exclude={"finished_at"}):
        return written  # a rerun (its first answer lost): the set is what it said it was
    listed = [manifest.etcd.key] + [o.key for o in manifest.objects]
    listed += [k for k in (manifest.encryption.key, manifest.encryption.backup_key) if k]
    # One listing of the backup's prefix (S3 lists are strongly consistent) instead of a HEAD
    # per part; a part stored elsewhere is looked up on its own.
    present = set(bucket.keys_under(location.prefix))
    missing = [k for k in listed if k not in present
               and (k.startswith(location.prefix) or bucket.head(k) is None)]
    if missing:
        raise BackupIncomplete(f"{location.prefix}: {len(missing)} listed parts missing")
    bucket.put_json(location.manifest_key, manifest.model_dump(mode="json"))
    return manifest


def _written_manifest(bucket: BackupBucket, location: BackupLocation) -> BackupManifest | None:
    try:
        return BackupManifest.model_validate(bucket.get_json(location.manifest_key))
    except (ValidationError, RecordUnreadable):
        return None


def backup_cluster_objects(api: ManagementClusterApi, bucket: BackupBucket,
                           state: BackupState) -> dict:
    """The backup stage storing the HC's encryption material and objects."""
    return store_cluster_objects(api, bucket, state.request.ref, backup_run.location(state),
                                 backup_run.hosted_cluster(api, state))


def write_backup_manifest(bucket: BackupBucket, state: BackupState,
                          finished_at: datetime) -> BackupManifest:
    """The backup stage completing the set: its manifest, once the snapshot is verified."""
    snapshot = backup_run.snapshot_of(state)
    if state.verification is None or not state.verification.trailer_valid:
        raise BackupIncomplete("the snapshot was not verified")
    location = backup_run.location(state)
    etcd = EtcdSnapshotEntry(
        key=location.snapshot_key, size_bytes=snapshot.size_bytes,
        sha256=snapshot.sha256, revision=snapshot.revision, total_keys=snapshot.total_keys,
        member=snapshot.pod, trailer_verified=True,
    )
    return write_manifest(bucket, state.request.ref, location,
                          consistency=state.request.consistency,
                          ocp_minor=backup_run.preflight_of(state).ocp_minor,
                          started_at=state.backup.started_at, finished_at=finished_at, etcd=etcd)


def manifest_key(state: BackupState) -> str:
    return backup_run.location(state).manifest_key
