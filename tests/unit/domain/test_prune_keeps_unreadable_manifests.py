"""Pruning deletes a set as abandoned only when it has no manifest; a manifest that is there
but unreadable (another version's schema, a damaged object) is kept and reported."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hcp_dr.domain.backup_catalog import backup_sets
from hcp_dr.domain.backup_layout import BackupLocation
from hcp_dr.domain.backup_pruning import prune_backups
from hcp_dr.domain.retention import RetentionPolicy
from hcp_dr.errors import RecordUnreadable
from tests.unit.migration.world import manifest_document

NS, NAME = "clusters", "cesar"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICY = RetentionPolicy(keep_all_hours=24, daily_days=7, weekly_weeks=4)


class PrefixBucket:
    """The BackupBucket calls pruning makes, over a dict of key -> JSON text."""

    def __init__(self) -> None:
        self.objects: dict[str, str] = {}

    def child_prefixes(self, prefix: str) -> list[str]:
        return sorted({prefix + key[len(prefix):].split("/", 1)[0] + "/"
                       for key in self.objects if key.startswith(prefix)})

    def get_json(self, key: str) -> Any | None:
        if key not in self.objects:
            return None
        try:
            return json.loads(self.objects[key])
        except ValueError:
            raise RecordUnreadable(f"{key} is not JSON") from None

    def keys_under(self, prefix: str) -> list[str]:
        return [key for key in self.objects if key.startswith(prefix)]

    def delete_keys(self, keys: list[str]) -> None:
        for key in keys:
            self.objects.pop(key, None)


def _set(bucket: PrefixBucket, age: timedelta, manifest: str | None) -> str:
    backup_id = (NOW - age).strftime("%Y%m%dT%H%M%SZ") + "-0a1b2c3d"
    location = BackupLocation(NS, NAME, backup_id)
    bucket.objects[location.snapshot_key] = "{}"
    if manifest is not None:
        bucket.objects[location.manifest_key] = manifest
    return backup_id


def _manifest(backup_id: str, **changes: Any) -> str:
    return json.dumps(manifest_document(BackupLocation(NS, NAME, backup_id),
                                        consistency="online", **changes))


def test_a_newer_versions_manifest_is_kept_and_reported_not_collected_as_abandoned():
    bucket = PrefixBucket()
    newest = _set(bucket, timedelta(days=2), None)
    bucket.objects[BackupLocation(NS, NAME, newest).manifest_key] = _manifest(
        newest, added_by_a_later_version=True)
    damaged = _set(bucket, timedelta(days=3), "{not json")

    result = prune_backups(bucket, NS, NAME, NOW, POLICY, abandoned_after=timedelta(hours=12))

    assert result.abandoned_deleted == []
    assert result.unreadable_kept == sorted([newest, damaged])
    for backup_id in (newest, damaged):
        assert BackupLocation(NS, NAME, backup_id).snapshot_key in bucket.objects
    assert not any(entry.restorable for entry in backup_sets(bucket, NS, NAME))


def test_a_set_without_a_manifest_is_collected_once_older_than_a_backup_can_run():
    bucket = PrefixBucket()
    interrupted = _set(bucket, timedelta(days=1), None)
    running = _set(bucket, timedelta(hours=1), None)
    verified = _set(bucket, timedelta(hours=2), None)
    bucket.objects[BackupLocation(NS, NAME, verified).manifest_key] = _manifest(verified)

    result = prune_backups(bucket, NS, NAME, NOW, POLICY, abandoned_after=timedelta(hours=12))

    assert result.abandoned_deleted == [interrupted]
    assert result.kept == [verified] and result.unreadable_kept == []
    assert bucket.keys_under(BackupLocation(NS, NAME, interrupted).prefix) == []
    assert bucket.keys_under(BackupLocation(NS, NAME, running).prefix) != []
