"""The DR lock: at most one backup or migration per hosted cluster at a time.

A DynamoDB item per lock, written with a condition so two executions can never both hold it.
The owner is the Step Functions execution; re-acquiring one's own lock succeeds (a retried
stage), and an expired lock (a crashed execution) can be taken over.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from hcp_dr.errors import AwsServiceUnavailable, ClusterLocked

_SORT_KEY = "lock"
_THROTTLED = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException",
                        "InternalServerError", "RequestLimitExceeded"})


class LockTable:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._client = dynamodb
        self._table = table

    def acquire(self, lock_id: str, owner: str, now: int, ttl_seconds: int,
                purpose: str) -> None:
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"lock#{lock_id}"}, "sk": {"S": _SORT_KEY},
                    "owner": {"S": owner}, "purpose": {"S": purpose},
                    "acquired_at": {"N": str(now)}, "expires_at": {"N": str(now + ttl_seconds)},
                },
                ConditionExpression="attribute_not_exists(pk) OR #o = :me OR expires_at < :now",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":me": {"S": owner}, ":now": {"N": str(now)}},
            )
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code == "ConditionalCheckFailedException":
                purpose, holder = self._holder(lock_id)
                raise ClusterLocked(f"{lock_id} is locked by {purpose} execution {holder}",
                                    holder_purpose=purpose) from None
            if code in _THROTTLED:
                raise AwsServiceUnavailable(f"DynamoDB: {code}") from None
            raise

    def held_for(self, purpose: str, now: int) -> dict[str, str]:
        """Every unexpired lock taken for `purpose` ("backup", "migration"): lock id -> the
        holding execution's ARN. One Scan: the table holds a few items per running
        execution, not per hosted cluster."""
        found: dict[str, str] = {}
        try:
            for page in self._client.get_paginator("scan").paginate(
                TableName=self._table,
                FilterExpression="begins_with(pk, :lock) AND #p = :purpose AND expires_at > :now",
                ExpressionAttributeNames={"#p": "purpose", "#o": "owner"},
                ExpressionAttributeValues={":lock": {"S": "lock#"}, ":purpose": {"S": purpose},
                                           ":now": {"N": str(now)}},
                ProjectionExpression="pk, #o",
            ):
                for item in page.get("Items", []):
                    found[item["pk"]["S"].removeprefix("lock#")] = \
                        item.get("owner", {}).get("S", "unknown")
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code in _THROTTLED:
                raise AwsServiceUnavailable(f"DynamoDB: {code}") from None
            raise
        return found

    def _holder(self, lock_id: str) -> tuple[str, str]:
        """(purpose, execution name) of whoever holds the lock now."""
        item = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": f"lock#{lock_id}"}, "sk": {"S": _SORT_KEY}}
        ).get("Item", {})
        holder = item.get("owner", {}).get("S", "unknown")
        return item.get("purpose", {}).get("S", "unknown"), holder.rsplit(":", 1)[-1]

    def release(self, lock_id: str, owner: str) -> bool:
        """Release if we hold it (or nobody does); False, not an error, if someone else does."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key={"pk": {"S": f"lock#{lock_id}"}, "sk": {"S": _SORT_KEY}},
                ConditionExpression="attribute_not_exists(pk) OR #o = :me",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":me": {"S": owner}},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
