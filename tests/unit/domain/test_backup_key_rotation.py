"""A backup taken while the AES key is being rotated (`aescbc.backupKey` set) keeps both keys:
part of etcd is still encrypted with the previous one, and a restore without it could not
read those secrets. Both are listed in the manifest and both come back at the restore."""

from __future__ import annotations

from typing import Any

import pytest

from hcp_dr.domain import backup_set
from hcp_dr.domain.backup_layout import BackupLocation
from hcp_dr.domain.migration.restore import backed_up_objects
from hcp_dr.errors import EncryptionKeyMissing
from hcp_dr.models.cluster import HostedClusterRef
from hcp_dr.models.manifest import BackupManifest
from tests.unit.migration.world import manifest_document

REF = HostedClusterRef(management_cluster="source", namespace="clusters", name="cesar")
LOCATION = BackupLocation.of(REF, "20261129T010000Z")
ROTATING = {"spec": {"secretEncryption": {"type": "aescbc", "aescbc": {
    "activeKey": {"name": "key-2026"}, "backupKey": {"name": "key-2025"}}}}}


class Bucket:
    def __init__(self) -> None:
        self.documents: dict[str, Any] = {}

    def put_json(self, key: str, document: Any) -> str:
        self.documents[key] = document
        return "0" * 64

    def get_json(self, key: str) -> Any | None:
        return self.documents.get(key)


class Secrets:
    def __init__(self, *names: str) -> None:
        self.names = names

    def get_secret(self, namespace: str, name: str) -> dict | None:
        if name not in self.names:
            return None
        return {"metadata": {"name": name, "namespace": namespace}, "data": {"key": "x"}}


def test_both_keys_are_stored_and_indexed(monkeypatch):
    monkeypatch.setattr(backup_set, "collect_cluster_objects", lambda *_: [])
    bucket = Bucket()
    backup_set.store_cluster_objects(Secrets("key-2026", "key-2025"), bucket, REF, LOCATION,
                                     ROTATING)
    index = bucket.documents[LOCATION.prefix + backup_set.OBJECT_INDEX]
    assert index["encryption"] == {"type": "aescbc", "key": LOCATION.encryption_key,
                                   "backup_key": LOCATION.encryption_backup_key,
                                   "kms_key_arn": None}
    assert bucket.documents[LOCATION.encryption_backup_key]["metadata"]["name"] == "key-2025"


def test_a_previous_key_that_is_gone_refuses_the_backup(monkeypatch):
    monkeypatch.setattr(backup_set, "collect_cluster_objects", lambda *_: [])
    with pytest.raises(EncryptionKeyMissing, match="key-2025"):
        backup_set.store_cluster_objects(Secrets("key-2026"), Bucket(), REF, LOCATION,
                                         ROTATING)


def test_the_restore_brings_back_both_keys():
    bucket = Bucket()
    for key, name in ((LOCATION.encryption_key, "key-2026"),
                      (LOCATION.encryption_backup_key, "key-2025")):
        bucket.documents[key] = Secrets(name).get_secret("clusters", name)
    manifest = BackupManifest.model_validate(manifest_document(LOCATION, encryption={
        "type": "aescbc", "key": LOCATION.encryption_key,
        "backup_key": LOCATION.encryption_backup_key}))
    restored = backed_up_objects(bucket, manifest)  # type: ignore[arg-type]
    assert sorted(body["metadata"]["name"] for _, body in restored) == ["key-2025", "key-2026"]


@pytest.mark.parametrize("active_key", [{}, {"name": ""}, None])
def test_an_unnamed_active_key_refuses_the_backup_before_any_read_or_write(
        monkeypatch, active_key: dict | None):
    """`activeKey: {}` once made the backup read `secrets/` (a SecretList, stored as the key)
    and report SUCCEEDED with no key to restore with."""
    monkeypatch.setattr(backup_set, "collect_cluster_objects", lambda *_: [])
    asked: list[str] = []

    class Watching(Secrets):
        def get_secret(self, namespace: str, name: str) -> dict | None:
            asked.append(name)
            return {"kind": "SecretList", "items": []}

    bucket = Bucket()
    hosted_cluster = {"spec": {"secretEncryption": {"type": "aescbc",
                                                    "aescbc": {"activeKey": active_key}}}}
    with pytest.raises(EncryptionKeyMissing, match="names no AES key secret"):
        backup_set.store_cluster_objects(Watching(), bucket, REF, LOCATION, hosted_cluster)
    assert asked == [] and bucket.documents == {}


def test_what_is_not_a_secret_is_not_stored_as_the_key(monkeypatch):
    monkeypatch.setattr(backup_set, "collect_cluster_objects", lambda *_: [])

    class Listing(Secrets):
        def get_secret(self, namespace: str, name: str) -> dict | None:
            return {"kind": "SecretList", "items": [], "metadata": {}}

    bucket = Bucket()
    with pytest.raises(EncryptionKeyMissing, match="key-2026"):
        backup_set.store_cluster_objects(Listing(), bucket, REF, LOCATION, ROTATING)
    assert bucket.documents == {}
