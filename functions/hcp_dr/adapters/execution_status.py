"""Whether a Step Functions execution still runs, or how it ended.

A DR lock names the execution that holds it. One stopped by hand or timed out never ran its
release, so its lock outlives it: whoever meets a lock asks this before treating the holder
as busy (a scheduled tick for a migration's lock, a migration for a backup's).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from hcp_dr.adapters.aws_network import NETWORK_ERRORS, network_failure
from hcp_dr.errors import AwsRequestRejected, AwsServiceUnavailable

_THROTTLING = {"ThrottlingException", "ServiceUnavailable", "InternalServerError"}


class ExecutionStatus:
    def __init__(self, stepfunctions: Any) -> None:
        self._client = stepfunctions

    def is_running(self, execution_arn: str) -> bool:
        """False for an execution that ended (stopped, timed out, failed) or is unknown."""
        return self.status(execution_arn) == "RUNNING"

    def status(self, execution_arn: str) -> str | None:
        """RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED...; None for an unknown execution."""
        try:
            described = self._client.describe_execution(executionArn=execution_arn)
        except NETWORK_ERRORS as exc:
            raise network_failure("Step Functions", exc) from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"ExecutionDoesNotExist", "InvalidArn"}:
                return None
            if code in _THROTTLING:
                raise AwsServiceUnavailable(f"Step Functions: {code}") from None
            raise AwsRequestRejected(f"Step Functions DescribeExecution: {code}") from None
        status = described.get("status")
        return status if isinstance(status, str) else None
