"""Last backup stage, success or failure: publish the backup's metrics.

BackupSucceeded/BackupFailed, BackupDurationSeconds and BackupSizeBytes per hosted cluster, and
NewestBackupAgeSeconds, which the freshness alarm watches: it is measured from the catalog,
so a failed backup shows the age of the last good one, not zero. On failure it also writes the
notification (`domain/backup_standing.py`): above all, whether a quiesced cluster's API may
have been left down.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from hcp_dr import dependencies
from hcp_dr.domain.backup_catalog import newest_backup_age_seconds
from hcp_dr.domain.backup_standing import backup_failure_notice
from hcp_dr.handlers.event_parsing import parse_event
from hcp_dr.models.backup_state import (
    BackupFailureTrail,
    BackupRequest,
    BackupRun,
    FailureInfo,
)
from hcp_dr.observability import bind_execution, logger, published_metrics


class ManifestSummary(BaseModel):
    model_config = ConfigDict(extra="ignore")

    backup_id: str
    bytes: int


class BackupWarnings(BaseModel):
    """Cleanup steps of a successful backup that failed (their error names)."""

    model_config = ConfigDict(extra="ignore")

    snapshot_file_left: dict | None = None  # the file stays on etcd's volume until next time
    lock_not_released: dict | None = None  # held until the next backup takes it over

    def names(self) -> list[str]:
        return [name for name, value in (("snapshot_file_left", self.snapshot_file_left),
                                         ("lock_not_released", self.lock_not_released)) if value]


class BackupOutcomeEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    outcome: Literal["SUCCEEDED", "FAILED"]
    request: BackupRequest
    backup: BackupRun
    manifest: ManifestSummary | None = None
    error: FailureInfo | None = None
    trail: BackupFailureTrail | None = None  # the failure path's whole state
    warnings: BackupWarnings = BackupWarnings()


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    parsed = parse_event(BackupOutcomeEvent, event)
    ref = parsed.request.ref
    bind_execution(parsed.backup.execution_id, ref.key)
    now = datetime.now(UTC)
    succeeded = parsed.outcome == "SUCCEEDED"
    duration = (now - parsed.backup.started_at).total_seconds()
    age = newest_backup_age_seconds(dependencies.backup_bucket(), ref.namespace, ref.name, now)
    with published_metrics(HostedCluster=ref.key) as metrics:
        metrics.add_metric(name="BackupSucceeded", unit=MetricUnit.Count, value=int(succeeded))
        metrics.add_metric(name="BackupFailed", unit=MetricUnit.Count, value=int(not succeeded))
        metrics.add_metric(name="BackupDurationSeconds", unit=MetricUnit.Seconds, value=duration)
        if succeeded and parsed.manifest:
            metrics.add_metric(name="BackupSizeBytes", unit=MetricUnit.Bytes,
                               value=parsed.manifest.bytes)
        if age is not None:
            metrics.add_metric(name="NewestBackupAgeSeconds", unit=MetricUnit.Seconds,
                               value=age)
        if succeeded:
            metrics.add_metric(name="BackupWarnings", unit=MetricUnit.Count,
                               value=len(parsed.warnings.names()))
    result: dict = {"outcome": parsed.outcome, "duration_seconds": round(duration, 3),
                    "newest_backup_age_seconds": age,
                    "error": parsed.error.Error if parsed.error else None}
    if parsed.warnings.names():
        result["warnings"] = parsed.warnings.names()
    if not succeeded:
        notice = backup_failure_notice(
            parsed.request, parsed.backup.backup_id, parsed.error or FailureInfo(Error="Unknown"),
            parsed.trail or BackupFailureTrail())
        result |= {"api_may_be_down": notice.api_may_be_down,
                   "manual_actions": list(notice.manual_actions),
                   "summary": notice.summary, "subject": notice.subject}
    log = logger.error if not succeeded else logger.warning if result.get("warnings") else (
        logger.info)
    log("backup finished", extra=result)
    return result
