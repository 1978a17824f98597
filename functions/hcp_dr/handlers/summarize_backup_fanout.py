"""Scheduled backup, last step: one line per hosted cluster, and the totals."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from hcp_dr.handlers.event_parsing import parse_event
from hcp_dr.observability import logger, published_metrics


class ClusterBackupResult(BaseModel):
    model_config = ConfigDict(extra="ignore")

    management_cluster: str
    namespace: str
    name: str
    status: str
    backup_id: str | None = None
    error: str | None = None


class FanoutEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    results: list[ClusterBackupResult]
    unreachable: list[dict[str, str]] = []
    ambiguous: list[dict[str, object]] = []
    migrating: list[dict[str, object]] = []  # skipped: a migration holds them (not a failure)
    backing_up: list[dict[str, object]] = []  # skipped: an earlier backup still runs


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    parsed = parse_event(FanoutEvent, event)
    succeeded = [r for r in parsed.results if r.status == "SUCCEEDED"]
    failed = [r for r in parsed.results if r.status != "SUCCEEDED"]
    with published_metrics() as metrics:
        metrics.add_metric(name="ScheduledBackupFailures", unit=MetricUnit.Count,
                           value=len(failed) + len(parsed.unreachable) + len(parsed.ambiguous))
    summary = {
        "succeeded": len(succeeded), "failed": len(failed),
        "unreachable_management_clusters": parsed.unreachable,
        "same_name_on_several_management_clusters": parsed.ambiguous,
        "skipped_migrating": parsed.migrating,
        "skipped_backup_running": parsed.backing_up,
        "clusters": [r.model_dump() for r in parsed.results],
    }
    log = logger.info if not (failed or parsed.unreachable or parsed.ambiguous) else logger.error
    log("scheduled backup finished", extra={k: v for k, v in summary.items() if k != "clusters"})
    return summary
