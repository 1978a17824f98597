"""Where the parts of one backup set live in the bucket.

`backups/<hc-namespace>/<hc-name>/<backup-id>/` holds the snapshot, the encryption material,
the objects and, written last, `manifest.json`. The backup id starts with the UTC start time,
so ids sort in time order.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from hcp_dr.models.cluster import BACKUP_ID_PATTERN, HostedClusterRef

_BACKUP_ID = re.compile(BACKUP_ID_PATTERN)
ROOT = "backups"


def new_backup_id(started_at: datetime, execution_name: str) -> str:
    """Deterministic per execution, so every retried stage agrees on where it writes."""
    stamp = started_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = hashlib.sha256(execution_name.encode()).hexdigest()[:8]
    return f"{stamp}-{suffix}"


def backup_time(backup_id: str) -> datetime:
    if not _BACKUP_ID.match(backup_id):
        raise ValueError(f"not a backup id: {backup_id!r}")
    return datetime.strptime(backup_id[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def cluster_prefix(namespace: str, name: str) -> str:
    return f"{ROOT}/{namespace}/{name}/"


@dataclass(frozen=True)
class BackupLocation:
    namespace: str
    name: str
    backup_id: str

    @classmethod
    def of(cls, ref: HostedClusterRef, backup_id: str) -> BackupLocation:
        return cls(ref.namespace, ref.name, backup_id)

    @property
    def prefix(self) -> str:
        return f"{cluster_prefix(self.namespace, self.name)}{self.backup_id}/"

    @property
    def snapshot_key(self) -> str:
        return f"{self.prefix}etcd/snapshot.db"

    @property
    def manifest_key(self) -> str:
        return f"{self.prefix}manifest.json"

    @property
    def encryption_key(self) -> str:
        return f"{self.prefix}encryption/secret-encryption.json"

    @property
    def encryption_backup_key(self) -> str:
        """The previous AES key, while a rotation is under way (`aescbc.backupKey`)."""
        return f"{self.prefix}encryption/secret-encryption-backup.json"

    def object_key(self, kind: str, namespace: str, name: str) -> str:
        return f"{self.prefix}objects/{kind.lower()}/{namespace}/{name}.json"
