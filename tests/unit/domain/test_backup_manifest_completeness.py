"""The manifest is written only when every part it lists is in the bucket (moto S3)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from hcp_dr.adapters.backup_bucket import BackupBucket
from hcp_dr.domain.backup_layout import BackupLocation
from hcp_dr.domain.backup_set import OBJECT_INDEX, write_manifest
from hcp_dr.errors import BackupIncomplete
from hcp_dr.models.cluster import HostedClusterRef
from hcp_dr.models.manifest import EtcdSnapshotEntry

REF = HostedClusterRef(management_cluster="source", namespace="clusters", name="cesar")
T0 = datetime(2026, 11, 29, 1, tzinfo=UTC)


@pytest.fixture
def bucket():
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(Bucket="backups",
                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        kms = boto3.client("kms", region_name="eu-west-1").create_key()["KeyMetadata"]["KeyId"]
        yield BackupBucket(s3, "backups", kms)


def _backup_set(bucket: BackupBucket, location: BackupLocation, objects: int) -> EtcdSnapshotEntry:
    snapshot = b"snapshot bytes"
    bucket._s3.put_object(Bucket="backups", Key=location.snapshot_key, Body=snapshot)
    entries = []
    for index in range(objects):
        key = location.object_key("secrets", "clusters", f"s{index}")
        entries.append({"key": key, "kind": "secrets", "namespace": "clusters",
                        "name": f"s{index}", "sha256": bucket.put_json(key, {"i": index})})
    bucket.put_json(location.prefix + OBJECT_INDEX,
                    {"encryption": {"type": "kms", "kms_key_arn": "arn:aws:kms:eu-west-1:1:key/k"},
                     "objects": entries})
    return EtcdSnapshotEntry(key=location.snapshot_key, size_bytes=len(snapshot),
                             sha256=hashlib.sha256(snapshot).hexdigest(), revision=7,
                             total_keys=3, member="etcd-0", trailer_verified=True)


def _write(bucket: BackupBucket, location: BackupLocation, etcd: EtcdSnapshotEntry):
    return write_manifest(bucket, REF, location, consistency="online", ocp_minor=13,
                          started_at=T0, finished_at=T0, etcd=etcd)


def test_complete_set_gets_its_manifest(bucket):
    location = BackupLocation.of(REF, "20261129T010000Z")
    manifest = _write(bucket, location, _backup_set(bucket, location, 3))
    assert len(manifest.objects) == 3
    assert bucket.get_json(location.manifest_key)["backup_id"] == "20261129T010000Z"


@pytest.mark.parametrize("lost", ["snapshot", "object"])
def test_a_missing_part_leaves_the_backup_without_manifest(bucket, lost):
    location = BackupLocation.of(REF, "20261129T020000Z")
    etcd = _backup_set(bucket, location, 3)
    gone = etcd.key if lost == "snapshot" else location.object_key("secrets", "clusters", "s1")
    bucket.delete_keys([gone])
    with pytest.raises(BackupIncomplete, match="1 listed parts missing"):
        _write(bucket, location, etcd)
    assert bucket.get_json(location.manifest_key) is None


def test_a_rerun_after_a_lost_answer_keeps_the_manifest_as_first_written(bucket):
    """WriteManifest retried after its put succeeded (the answer lost): the manifest already
    there says the same set, so it stands, with its own finish time, and no second version."""
    bucket._s3.put_bucket_versioning(Bucket="backups",
                                     VersioningConfiguration={"Status": "Enabled"})
    location = BackupLocation.of(REF, "20261129T010000Z")
    etcd = _backup_set(bucket, location, 2)
    first = _write(bucket, location, etcd)
    again = write_manifest(bucket, REF, location, consistency="online", ocp_minor=13,
                           started_at=T0, finished_at=datetime(2026, 11, 29, 2, tzinfo=UTC),
                           etcd=etcd)
    assert again == first and again.finished_at == T0
    versions = bucket._s3.list_object_versions(Bucket="backups", Prefix=location.manifest_key)
    assert len(versions.get("Versions", [])) == 1
