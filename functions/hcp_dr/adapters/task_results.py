"""Completing Step Functions tasks that wait for a token (`.waitForTaskToken`).

A token that is no longer waited for (already completed by a duplicate event, timed out,
execution stopped) is not an error for callers: both methods then return False.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from hcp_dr.adapters.aws_network import NETWORK_ERRORS, network_failure
from hcp_dr.errors import AwsRequestRejected, AwsServiceUnavailable

_GONE = {"TaskTimedOut", "InvalidToken", "TaskDoesNotExist", "ExecutionDoesNotExist"}
_THROTTLING = {"ThrottlingException", "ServiceUnavailable", "InternalServerError"}
MAX_CAUSE = 32768


class TaskResults:
    def __init__(self, stepfunctions: Any) -> None:
        self._client = stepfunctions

    def _send(self, what: str, operation: Any, **kwargs: Any) -> bool:
        try:
            operation(**kwargs)
        except NETWORK_ERRORS as exc:
            raise network_failure("Step Functions", exc) from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _GONE:
                return False
            if code in _THROTTLING:
                raise AwsServiceUnavailable(f"Step Functions: {code}") from None
            # Its message may quote the task token, which completes the task: the code only.
            raise AwsRequestRejected(f"Step Functions {what}: {code}") from None
        return True

    def succeed(self, task_token: str, output: dict) -> bool:
        return self._send("SendTaskSuccess", self._client.send_task_success, taskToken=task_token,
                          output=json.dumps(output, sort_keys=True))

    def fail(self, task_token: str, error: str, cause: str) -> bool:
        return self._send("SendTaskFailure", self._client.send_task_failure,
                          taskToken=task_token, error=error, cause=cause[:MAX_CAUSE])
