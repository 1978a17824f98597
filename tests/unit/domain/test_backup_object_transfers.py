"""A backup's objects go to and come from S3 in parallel (during a migration the hosted
cluster is paused meanwhile), and their order and digests come out as if one by one."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from hcp_dr.adapters.backup_bucket import json_sha256
from hcp_dr.domain import backup_set
from hcp_dr.domain.backup_layout import BackupLocation
from hcp_dr.domain.cluster_objects import ClusterObject
from hcp_dr.domain.migration.restore import backed_up_objects
from hcp_dr.errors import BackupIncomplete, BackupObjectCorrupted
from hcp_dr.models.cluster import HostedClusterRef
from hcp_dr.models.manifest import BackupManifest

REF = HostedClusterRef(management_cluster="source", namespace="clusters", name="cesar")
LOCATION = BackupLocation.of(REF, "20261129T010000Z")
COUNT = 12


class MeetingBucket:
    """Its first two requests wait for each other: done one after the other, they never
    meet and the barrier breaks."""

    def __init__(self) -> None:
        self.documents: dict[str, Any] = {}
        self._barrier = threading.Barrier(2, timeout=5)
        self._lock = threading.Lock()
        self._requests = 0

    def _meet(self) -> None:
        with self._lock:
            self._requests += 1
            first_two = self._requests <= 2
        if first_two:
            self._barrier.wait()

    def put_json(self, key: str, document: Any) -> str:
        self._meet()
        self.documents[key] = document
        return json_sha256(document)

    def get_json(self, key: str) -> Any | None:
        self._meet()
        return self.documents.get(key)


def _objects() -> list[ClusterObject]:
    return [ClusterObject("secrets", {"metadata": {"name": f"s{i:02}", "namespace": "clusters"}})
            for i in range(COUNT)]


def test_objects_are_stored_in_parallel_and_listed_in_order(monkeypatch) -> None:
    monkeypatch.setattr(backup_set, "collect_cluster_objects", lambda *_: _objects())
    bucket = MeetingBucket()
    result = backup_set.store_cluster_objects(
        None, bucket, REF, LOCATION, {"spec": {"secretEncryption": {"type": "kms"}}})
    assert result == {"objects": COUNT, "encryption": "kms"}
    index = bucket.documents[LOCATION.prefix + backup_set.OBJECT_INDEX]
    assert [(o["name"], o["sha256"]) for o in index["objects"]] == [
        (o.name, json_sha256(o.body)) for o in _objects()]


def _manifest(bucket: MeetingBucket) -> BackupManifest:
    entries = []
    for obj in _objects():
        key = LOCATION.object_key(obj.kind_plural, obj.namespace, obj.name)
        bucket.documents[key] = obj.body
        entries.append({"key": key, "kind": obj.kind_plural, "namespace": obj.namespace,
                        "name": obj.name, "sha256": json_sha256(obj.body)})
    return BackupManifest.model_validate({
        "schema_version": 1, "tool_version": "t", "backup_id": LOCATION.backup_id,
        "hosted_cluster": {"namespace": REF.namespace, "name": REF.name},
        "management_cluster": REF.management_cluster, "consistency": "quiesced",
        "ocp_minor": 13, "started_at": "2026-11-29T01:00:00Z",
        "finished_at": "2026-11-29T01:05:00Z",
        "etcd": {"key": LOCATION.snapshot_key, "size_bytes": 1, "sha256": "a" * 64,
                 "revision": 7, "total_keys": 9, "member": "etcd-0", "trailer_verified": True},
        "encryption": {"type": "kms", "kms_key_arn": "arn:aws:kms:eu-west-1:1:key/k"},
        "objects": entries})


def test_objects_are_read_back_in_parallel_and_in_manifest_order() -> None:
    bucket = MeetingBucket()
    manifest = _manifest(bucket)
    objects = backed_up_objects(bucket, manifest)  # type: ignore[arg-type]
    assert [body["metadata"]["name"] for _, body in objects] == [
        f"s{i:02}" for i in range(COUNT)]


def test_a_listed_object_missing_from_the_bucket_stops_the_read() -> None:
    bucket = MeetingBucket()
    manifest = _manifest(bucket)
    del bucket.documents[manifest.objects[5].key]
    with pytest.raises(BackupIncomplete, match=manifest.objects[5].key):
        backed_up_objects(bucket, manifest)  # type: ignore[arg-type]


def test_an_object_changed_since_the_backup_stops_the_read() -> None:
    """Its SHA-256 no longer matches the manifest's: restoring it would put on the destination
    something the backup never saw."""
    bucket = MeetingBucket()
    manifest = _manifest(bucket)
    bucket.documents[manifest.objects[3].key] = {
        "metadata": {"name": "s03", "namespace": "clusters"}, "data": {"injected": "eA=="}}
    with pytest.raises(BackupObjectCorrupted, match=manifest.objects[3].key):
        backed_up_objects(bucket, manifest)  # type: ignore[arg-type]
