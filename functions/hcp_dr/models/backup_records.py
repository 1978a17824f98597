"""What the backup stages record of their work, carried in the backup (and migration) state.

Pure data: the domain modules that do the work (`reconciliation`, `etcd_snapshot`,
`snapshot_upload`, `snapshot_integrity`) build these, and the state models embed them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class QuiesceRecord(BaseModel):
    """What `pause_reconciliation` changed, enough to put it back exactly."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    paused_until_before: str | None
    replicas: dict[str, int]
    # The backup or migration id that wrote it: a record of another run (one that never
    # finished resuming) is not ours to act on.
    owner: str | None = None


class SnapshotRecord(BaseModel):
    """A snapshot file in an etcd pod, with what the pod measured of it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    pod: str
    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(gt=0)
    revision: int = Field(ge=0)
    total_keys: int = Field(ge=0)
    etcd_hash: int
    # Leftover hcp-dr snapshot files of earlier runs deleted first.
    stale_removed: int = Field(0, ge=0)


class UploadRecord(BaseModel):
    """The snapshot as S3 stored it: where, how big, its SHA-256 and its encryption."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    bucket: str
    key: str
    size_bytes: int
    sha256: str
    server_side_encryption: str


class SnapshotVerification(BaseModel):
    """The stored snapshot's size and SHA-256, and whether its etcd trailer checked out."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    size_bytes: int
    sha256: str
    trailer_valid: bool
