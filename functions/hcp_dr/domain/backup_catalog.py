"""The backups of a hosted cluster, newest first, read from their manifests.

Only sets with a valid manifest are listed: a set without one was interrupted or failed and
is never offered for restore. A manifest that exists but cannot be read (not JSON, or written
by another version of this tool with another schema) is told apart from a missing one: such a
set is not offered for restore either, but it is not incomplete, and pruning keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from hcp_dr.adapters.backup_bucket import BackupBucket
from hcp_dr.domain.backup_layout import BackupLocation, backup_time, cluster_prefix
from hcp_dr.errors import RecordUnreadable
from hcp_dr.models.manifest import BackupManifest


@dataclass(frozen=True)
class CatalogEntry:
    location: BackupLocation
    taken_at: datetime
    manifest: BackupManifest | None  # None: incomplete (no or unreadable manifest)
    manifest_unreadable: bool = False  # a manifest is there, but not one this version reads

    @property
    def restorable(self) -> bool:
        return self.manifest is not None and self.manifest.verified


def _read_manifest(bucket: BackupBucket,
                   location: BackupLocation) -> tuple[BackupManifest | None, bool]:
    """(the set's manifest or None, whether one exists that could not be read). One bad
    object must not stop the catalog, pruning or the freshness metric."""
    try:
        raw = bucket.get_json(location.manifest_key)
    except RecordUnreadable:
        return None, True
    if raw is None:
        return None, False
    try:
        return BackupManifest.model_validate(raw), False
    except ValidationError:
        return None, True


def backup_sets(bucket: BackupBucket, namespace: str, name: str) -> list[CatalogEntry]:
    """Every backup set of the cluster, complete or not, newest first."""
    entries = []
    for prefix in bucket.child_prefixes(cluster_prefix(namespace, name)):
        backup_id = prefix.rstrip("/").rsplit("/", 1)[-1]
        try:
            taken_at = backup_time(backup_id)
        except ValueError:
            continue  # not ours
        location = BackupLocation(namespace, name, backup_id)
        manifest, unreadable = _read_manifest(bucket, location)
        entries.append(CatalogEntry(location, taken_at, manifest, unreadable))
    return sorted(entries, key=lambda e: e.location.backup_id, reverse=True)


def restorable_backups(bucket: BackupBucket, namespace: str, name: str) -> list[CatalogEntry]:
    return [e for e in backup_sets(bucket, namespace, name) if e.restorable]


def newest_backup_age_seconds(bucket: BackupBucket, namespace: str, name: str,
                              now: datetime) -> float | None:
    """Age of the newest restorable backup, the number the freshness alarm watches."""
    backups = restorable_backups(bucket, namespace, name)
    if not backups:
        return None
    return max(0.0, (now - backups[0].taken_at).total_seconds())
