"""Dedupe of alarm-started migrations: one item per hosted cluster in the lock table.

`trigger#<ns>/<name>` is claimed with a condition (absent, expired, or already claimed for the
same execution name: a retried invocation of the same event), and expires by TTL, so a flapping
alarm starts one migration and a later, separate incident can start another.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from hcp_dr.adapters.aws_network import NETWORK_ERRORS, network_failure
from hcp_dr.errors import AwsRequestRejected, AwsServiceUnavailable

_SORT_KEY = "trigger"
_THROTTLING = {"ProvisionedThroughputExceededException", "ThrottlingException",
               "InternalServerError", "RequestLimitExceeded"}


class TriggerMarks:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._client = dynamodb
        self._table = table

    def claim(self, hosted_cluster_key: str, execution_name: str, alarm_name: str, now: int,
              ttl_seconds: int) -> bool:
        """True if this execution name now holds the claim for the hosted cluster."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item={"pk": {"S": f"trigger#{hosted_cluster_key}"}, "sk": {"S": _SORT_KEY},
                      "execution_name": {"S": execution_name}, "alarm_name": {"S": alarm_name},
                      "claimed_at": {"N": str(now)}, "expires_at": {"N": str(now + ttl_seconds)}},
                ConditionExpression=("attribute_not_exists(pk) OR expires_at < :now "
                                     "OR execution_name = :me"),
                ExpressionAttributeValues={":now": {"N": str(now)}, ":me": {"S": execution_name}},
            )
        except NETWORK_ERRORS as exc:
            raise network_failure("DynamoDB", exc) from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                return False
            if code in _THROTTLING:
                raise AwsServiceUnavailable(f"DynamoDB: {code}") from None
            raise AwsRequestRejected(f"DynamoDB: {code}") from None
        return True

    def release(self, hosted_cluster_key: str, execution_name: str) -> None:
        """Give the claim up if `execution_name` still holds it (its start failed), so the
        next ALARM is not refused as a duplicate of a migration that never began."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key={"pk": {"S": f"trigger#{hosted_cluster_key}"}, "sk": {"S": _SORT_KEY}},
                ConditionExpression="execution_name = :me",
                ExpressionAttributeValues={":me": {"S": execution_name}},
            )
        except NETWORK_ERRORS as exc:
            raise network_failure("DynamoDB", exc) from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                return
            if code in _THROTTLING:
                raise AwsServiceUnavailable(f"DynamoDB: {code}") from None
            raise AwsRequestRejected(f"DynamoDB: {code}") from None
