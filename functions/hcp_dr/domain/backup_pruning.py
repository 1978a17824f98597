"""Delete the backup sets the retention policy no longer keeps.

A set's manifest is deleted first: if pruning stops half-way, what is left is an incomplete set
that is never offered for restore (and is collected later), never a manifest that lists parts
which are gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hcp_dr.adapters.backup_bucket import BackupBucket
from hcp_dr.domain.backup_catalog import CatalogEntry, backup_sets
from hcp_dr.domain.retention import RetainedBackup, RetentionPolicy, backups_to_keep


@dataclass(frozen=True)
class PruneResult:
    kept: list[str]
    deleted: list[str]
    abandoned_deleted: list[str]
    # Sets whose manifest exists but this version cannot read: never deleted here, never
    # offered for restore; a person (or the version that wrote them) decides.
    unreadable_kept: list[str]

    def as_dict(self) -> dict:
        return {"kept": len(self.kept), "deleted": self.deleted,
                "abandoned_deleted": self.abandoned_deleted,
                "unreadable_kept": self.unreadable_kept}


def _delete_set(bucket: BackupBucket, entry: CatalogEntry) -> None:
    bucket.delete_keys([entry.location.manifest_key])
    bucket.delete_keys(bucket.keys_under(entry.location.prefix))


def prune_backups(bucket: BackupBucket, namespace: str, name: str, now: datetime,
                  policy: RetentionPolicy, abandoned_after: timedelta) -> PruneResult:
    """Apply `policy`; sets with no manifest older than `abandoned_after` are removed too.

    `abandoned_after` must exceed the longest a backup can run (the lock TTL), so a backup in
    progress, which has no manifest yet, is never mistaken for an abandoned one.
    """
    entries = backup_sets(bucket, namespace, name)
    complete = [e for e in entries if e.manifest is not None]
    keep = backups_to_keep(
        [RetainedBackup(e.location.backup_id, e.taken_at, e.restorable) for e in complete],
        now, policy,
    )
    deleted, abandoned = [], []
    for entry in complete:
        if entry.location.backup_id not in keep:
            _delete_set(bucket, entry)
            deleted.append(entry.location.backup_id)
    for entry in entries:
        if (entry.manifest is None and not entry.manifest_unreadable
                and now - entry.taken_at > abandoned_after):
            _delete_set(bucket, entry)
            abandoned.append(entry.location.backup_id)
    unreadable = sorted(e.location.backup_id for e in entries if e.manifest_unreadable)
    return PruneResult(sorted(keep), deleted, abandoned, unreadable)
