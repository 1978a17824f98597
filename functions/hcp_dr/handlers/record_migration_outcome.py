"""Last migration stage, success or failure: MigrationSucceeded/MigrationFailed and, on
success, MigrationRtoSeconds (pause -> HC available on the destination with nodes Ready)."""

from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from hcp_dr.handlers.event_parsing import parse_event
from hcp_dr.models.migration_run import MigrationRequest, MigrationRun, StageFailure
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


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    parsed = parse_event(MigrationOutcomeEvent, event)
    key = parsed.request.hosted_cluster.key
    bind_execution(parsed.migration.execution_id, key)
    succeeded = parsed.outcome == "SUCCEEDED"
    rto = parsed.report.rto_seconds if succeeded and parsed.report else None
    with published_metrics(HostedCluster=key) as metrics:
        metrics.add_metric(name="MigrationSucceeded", unit=MetricUnit.Count,
                           value=int(succeeded))
        metrics.add_metric(name="MigrationFailed", unit=MetricUnit.Count,
                           value=int(not succeeded))
        if rto is not None:
            metrics.add_metric(name="MigrationRtoSeconds", unit=MetricUnit.Seconds, value=rto)
    result = {"outcome": parsed.outcome, "rto_seconds": rto,
              "error": parsed.error.Error if parsed.error else None}
    log = logger.info if succeeded else logger.error
    log("migration finished", extra={**result, "migration_id": parsed.migration.migration_id,
                                     "source": parsed.request.source,
                                     "destination": parsed.request.destination})
    return result
