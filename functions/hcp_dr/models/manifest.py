"""The backup manifest: written last, so a backup set without one is known incomplete."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MANIFEST_SCHEMA_VERSION = 1


class EtcdSnapshotEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    size_bytes: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    revision: int = Field(ge=0)
    total_keys: int = Field(ge=0)
    member: str
    trailer_verified: bool


class BackupObjectEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    kind: str
    namespace: str
    name: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class EncryptionEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    key: str | None = None  # S3 key of the stored AES key secret
    backup_key: str | None = None  # ... and of the previous key's, during a rotation
    kms_key_arn: str | None = None


class BackupManifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = MANIFEST_SCHEMA_VERSION
    tool_version: str
    backup_id: str
    hosted_cluster: dict[str, str]  # namespace, name
    management_cluster: str
    consistency: Literal["online", "quiesced"]
    ocp_minor: int
    started_at: datetime
    finished_at: datetime
    etcd: EtcdSnapshotEntry
    encryption: EncryptionEntry
    objects: list[BackupObjectEntry]

    @property
    def verified(self) -> bool:
        return self.etcd.trailer_verified
