"""The state a migration carries from stage to stage: its request and run
(`models/migration_run.py`), the backup it takes, and each stage's result.

Like the backup state, the migration state holds identifiers, counts and checksums only:
object bodies live in S3 under the backup and migration prefixes, the objects this execution
created on the destination are found by label, and the restoreSnapshotURL (a credential) is
never part of it.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from hcp_dr.models.backup_state import BackupState
from hcp_dr.models.migration_run import MigrationRequest, MigrationRun, StageFailure


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
    # When no writer pod was left (after the pause's last pod check): nothing the source
    # control plane wrote, a kubelet's Lease renewal included, is newer.
    quiesced_at: datetime | None = None


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


class OvnRestarted(BaseModel):
    """RestartOvn's result: absent when it failed (its error is in `ovn_error`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    deleted_pods: int
    kept_pods: int


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
    ovn: OvnRestarted | None = None
    error: StageFailure | None = None

    @property
    def migration_id(self) -> str:
        return self.migration.migration_id
