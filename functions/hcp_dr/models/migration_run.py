"""A migration run at its edges: the request that starts it, the identity the run gets, and
what a failed stage reports.

The console and the alarm trigger build the request; the outcome stage reads the request, the
run and the failure. None of them needs the stage-by-stage state (`models/migration.py`, which
embeds these), so they do not pay for building it at a cold start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hcp_dr.models.cluster import (
    BACKUP_ID_PATTERN,
    DnsLabel,
    HostedClusterRef,
    ManagementClusterId,
)

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


class StageFailure(BaseModel):
    """What a Catch puts in `$.error`; `Cause` may be null (a SendTaskFailure without one)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    Error: str
    Cause: str | None = None


class DestinationCleanup(BaseModel):
    """CompensateDestination's result, as far as the failure notice needs it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kept_namespaces: list[str] = []


class CompensationTrail(BaseModel):
    """What the failure path left in the execution state (`$`, passed whole to the outcome
    stage): the undo steps that failed (their Catch result paths) and whether the teardown
    began (the operator step after it wrote its result or its error). Absent and null mean
    the same."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    compensation: DestinationCleanup | None = None  # CompensateDestination
    compensation_error: StageFailure | None = None
    dns_release_error: StageFailure | None = None  # AwaitDnsReleasedByDestination
    recreate_error: StageFailure | None = None  # RecreateSourceRoutes
    resume_error: StageFailure | None = None  # ResumeSource
    teardown: dict | None = None  # TeardownSource
    operator: dict | None = None  # RestoreSourceOperator[AfterFailure]: the teardown began
    operator_error: StageFailure | None = None
    ovn_error: StageFailure | None = None  # RestartOvnAfterFailure (after a failed teardown)
    held_source_paused: bool | None = None  # HoldSourcePaused
    left_on_destination: bool | None = None  # LeaveOnDestination (approval not answered)
    lock_release_error: StageFailure | None = None  # ReleaseLocksAfterFailure
