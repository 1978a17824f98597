"""Last migration stage, success or failure: MigrationSucceeded/MigrationFailed and, on
success, MigrationRtoSeconds (pause -> HC available on the destination with nodes Ready). On
failure it also says where the hosted cluster stands and what is left to do by hand
(`domain/migration/standing.py`), for the notification and the execution history, and counts
MigrationManualActionRequired."""

from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from hcp_dr.domain.migration.standing import migration_standing
from hcp_dr.handlers.event_parsing import parse_event
from hcp_dr.models.migration_run import (
    CompensationTrail,
    MigrationRequest,
    MigrationRun,
    StageFailure,
)
from hcp_dr.observability import bind_execution, logger, published_metrics


class ReportSummary(BaseModel):
    model_config = ConfigDict(extra="ignore")

    rto_seconds: float | None = None


class MigrationOutcomeEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    outcome: Literal["SUCCEEDED", "FAILED"]
    request: MigrationRequest
    migration: MigrationRun
    report: ReportSummary | None = None
    error: StageFailure | None = None
    trail: CompensationTrail | None = None  # the failure path's whole state


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    parsed = parse_event(MigrationOutcomeEvent, event)
    key = parsed.request.hosted_cluster.key
    bind_execution(parsed.migration.execution_id, key)
    succeeded = parsed.outcome == "SUCCEEDED"
    rto = parsed.report.rto_seconds if succeeded and parsed.report else None
    standing = None
    if not succeeded:
        standing = migration_standing(
            parsed.request, parsed.migration.migration_id,
            parsed.error or StageFailure(Error="Unknown"), parsed.trail or CompensationTrail())
    with published_metrics(HostedCluster=key) as metrics:
        metrics.add_metric(name="MigrationSucceeded", unit=MetricUnit.Count,
                           value=int(succeeded))
        metrics.add_metric(name="MigrationFailed", unit=MetricUnit.Count,
                           value=int(not succeeded))
        if rto is not None:
            metrics.add_metric(name="MigrationRtoSeconds", unit=MetricUnit.Seconds, value=rto)
        if standing is not None:
            metrics.add_metric(name="MigrationManualActionRequired", unit=MetricUnit.Count,
                               value=int(bool(standing.manual_actions)))
    result: dict = {"outcome": parsed.outcome, "rto_seconds": rto,
                    "error": parsed.error.Error if parsed.error else None}
    if standing is not None:
        result |= {"runs_on": standing.runs_on, "manual_actions": list(standing.manual_actions),
                   "summary": standing.summary, "subject": standing.subject}
    log = logger.info if succeeded else logger.error
    log("migration finished", extra={**result, "migration_id": parsed.migration.migration_id,
                                     "source": parsed.request.source,
                                     "destination": parsed.request.destination})
    return result
