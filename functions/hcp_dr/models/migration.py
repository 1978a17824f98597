"""The execution input of a migration and the state it carries from stage to stage.

Like the backup state, the migration state holds identifiers, counts and checksums only:
object bodies live in S3 under the backup and migration prefixes, the objects this execution
created on the destination are found by label, and the restoreSnapshotURL (a credential) is
never part of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hcp_dr.domain.backup_layout import BACKUP_ID_PATTERN
from hcp_dr.models.backup_state import BackupState
from hcp_dr.models.cluster import DnsLabel, HostedClusterRef, ManagementClusterId

Approval = Literal["skip", "required"]
MAX_PRESIGNED_SECONDS = 7 * 24 * 3600  # SigV4 query-string signatures live at most 7 days


class HostedClusterName(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    namespace: DnsLabel
    name: DnsLabel

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


class MigrationRequest(BaseModel):
    """The documented console input (README); the alarm trigger builds the same."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hosted_cluster: HostedClusterName
    source: ManagementClusterId
    destination: ManagementClusterId
    approval: Approval = "skip"
    dns_timeout_seconds: int = Field(900, ge=30, le=24 * 3600)
    # The etcd pods download the snapshot when the destination builds the control plane; the
    # URL must outlive the operator's reconcile, not only our call.
    restore_url_ttl_seconds: int = Field(3600, ge=900, le=MAX_PRESIGNED_SECONDS)

    @model_validator(mode="after")
    def _different_clusters(self) -> MigrationRequest:
        if self.source == self.destination:
            raise ValueError("source and destination must be different management clusters")
        return self

    @property
    def source_ref(self) -> HostedClusterRef:
        return HostedClusterRef(management_cluster=self.source,
                                namespace=self.hosted_cluster.namespace,
                                name=self.hosted_cluster.name)

    @property
    def destination_ref(self) -> HostedClusterRef:
        return HostedClusterRef(management_cluster=self.destination,
                                namespace=self.hosted_cluster.namespace,
                                name=self.hosted_cluster.name)


class MigrationRun(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    migration_id: str = Field(pattern=BACKUP_ID_PATTERN)
    execution_id: str = Field(min_length=1)
    started_at: datetime
    # TimeoutSecondsPath of the DNS wait: the requested limit plus a margin, so the watcher's
    # named DnsCleanupTimeout normally wins and States.Timeout is only a backstop.
    dns_backstop_seconds: int


class MigrationPreflight(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    ocp_minor: int
    hostnames: list[str]
    zone_ids: list[str]
    nodepools: list[str]
    expected_nodes: int
    encryption: str
    # Destination namespaces that existed (free) at preflight: used as they are, never labelled
    # or deleted by this migration.
    destination_namespaces: list[str] = []


class PauseResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    replicas: dict[str, int]
    paused_until_before: str | None
    nodepools: list[str]
    paused_at: datetime


class RoutesRemoved(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    routes: int
    hostnames: list[str]


class ReadyResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    ready_nodes: int
    expected_nodes: int
    ready_at: datetime


class RestoreResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    created: int
    existing: int
    by_kind: dict[str, int]
    url_length: int | None = None
    url_expires_at: datetime | None = None
    signer: str | None = None


class OperatorRestored(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    replicas: int | None


class StageFailure(BaseModel):
    """What a Catch puts in `$.error`; `Cause` may be null (a SendTaskFailure without one)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    Error: str
    Cause: str | None = None


class MigrationState(BaseModel):
    """The execution state after validation; later stages' results are filled in order."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    request: MigrationRequest
    migration: MigrationRun
    backup_state: BackupState
    preflight: MigrationPreflight | None = None
    pause: PauseResult | None = None
    routes: RoutesRemoved | None = None
    restore: RestoreResult | None = None
    ready: ReadyResult | None = None
    operator: OperatorRestored | None = None
    error: StageFailure | None = None

    @property
    def migration_id(self) -> str:
        return self.migration.migration_id
