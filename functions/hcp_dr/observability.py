"""One Logger and one Metrics for every handler, configured by the POWERTOOLS_* variables.

Log lines carry the Step Functions execution and the hosted cluster (`bind_execution`), never
kubeconfigs, keys or presigned URLs: handlers log identifiers and counts only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import EphemeralMetrics

SERVICE = "hcp-dr"
METRICS_NAMESPACE = "HcpDr"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)


def bind_execution(execution_id: str, hosted_cluster: str | None = None) -> None:
    """Add the correlation keys to every following log line of this invocation."""
    keys = {"execution": execution_id}
    if hosted_cluster:
        keys["hosted_cluster"] = hosted_cluster
    logger.append_keys(**keys)


@contextmanager
def published_metrics(**dimensions: str) -> Iterator[EphemeralMetrics]:
    """The metrics of one invocation, printed as one EMF document when the block ends.

    EphemeralMetrics keeps no state shared between instances (Metrics does, per namespace), so
    a warm container's next invocation, or invocations sharing a process, never mix sets.
    """
    batch = EphemeralMetrics(namespace=METRICS_NAMESPACE, service=SERVICE)
    for name, value in dimensions.items():
        batch.add_dimension(name=name, value=value)
    try:
        yield batch
    finally:
        batch.flush_metrics()
