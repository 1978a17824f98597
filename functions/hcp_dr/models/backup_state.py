"""The state a backup execution carries from stage to stage.

Step Functions passes the whole state to every Lambda task; each handler parses it into this
model and reads what it needs. It holds identifiers, counts and checksums only: no object
content, no key material, no URL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hcp_dr.models.backup_records import (
    QuiesceRecord,
    SnapshotRecord,
    SnapshotVerification,
    UploadRecord,
)
from hcp_dr.models.cluster import (
    BACKUP_ID_PATTERN,
    DnsLabel,
    HostedClusterRef,
    ManagementClusterId,
)

Consistency = Literal["online", "quiesced"]


class BackupRequest(BaseModel):
    """The execution input an operator, the scheduler or the fan-out gives."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    management_cluster: ManagementClusterId
    namespace: DnsLabel
    name: DnsLabel
    consistency: Consistency = "online"

    @property
    def ref(self) -> HostedClusterRef:
        return HostedClusterRef(management_cluster=self.management_cluster,
                                namespace=self.namespace, name=self.name)


class ExecutionContext(BaseModel):
    """What every task receives about the Step Functions execution running it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    execution_id: str = Field(min_length=1)
    execution_name: str = Field(min_length=1)
    started_at: datetime


class BackupRun(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    backup_id: str = Field(pattern=BACKUP_ID_PATTERN)
    started_at: datetime
    execution_id: str


class PreflightResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    ocp_minor: int
    members: list[str]
    snapshot_member: str


class BackupState(BaseModel):
    """The execution state after validation; later stages' results are filled in order."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    request: BackupRequest
    backup: BackupRun
    preflight: PreflightResult | None = None
    quiesce: QuiesceRecord | None = None
    snapshot: SnapshotRecord | None = None
    upload: UploadRecord | None = None
    verification: SnapshotVerification | None = None


class FailureInfo(BaseModel):
    """What a Catch puts in `$.error`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    Error: str
    Cause: str = ""


class BackupFailureTrail(BaseModel):
    """What the failure path left in the execution state (`$`, passed whole to the outcome
    stage): whether the writers were quiesced and brought back, and which cleanup steps
    failed (their Catch result paths). Absent and null mean the same."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    quiesce: dict | None = None  # QuiesceWriters finished
    resumed: dict | None = None  # ResumeWriters or ResumeWritersAfterFailure finished
    resume_error: FailureInfo | None = None  # ResumeWritersAfterFailure
    snapshot: SnapshotRecord | None = None
    cleanup_error: FailureInfo | None = None  # RemoveSnapshotFileAfterFailure
    lock_release_error: FailureInfo | None = None  # ReleaseLockAfterFailure
