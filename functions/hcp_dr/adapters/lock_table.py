"""The DR lock: at most one backup or migration per hosted cluster at a time.

A DynamoDB item per lock, written with a condition so two executions can never both hold it.
The owner is the Step Functions execution; re-acquiring one's own lock succeeds (a retried
stage), and an expired lock (a crashed execution) can be taken over.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from hcp_dr.adapters.aws_network import NETWORK_ERRORS, network_failure
from hcp_dr.errors import (
    AwsRequestRejected,
    AwsServiceUnavailable,
    ClusterLocked,
    LockChangingHands,
)

_SORT_KEY = "lock"
_CONDITION_FAILED = "ConditionalCheckFailedException"
_THROTTLED = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException",
                        "InternalServerError", "RequestLimitExceeded"})


@contextmanager
def _dynamodb_errors_named() -> Iterator[None]:
    """DynamoDB throttling, an internal error or the network once botocore's own retries are
    spent: the stage's Retry (AwsServiceUnavailable) tries again. A failed condition passes
    through to the caller, for whom it is an answer; anything else is AwsRequestRejected,
    by its code (the message may quote the item)."""
    try:
        yield
    except NETWORK_ERRORS as exc:
        raise network_failure("DynamoDB", exc) from None
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        if code in _THROTTLED:
            raise AwsServiceUnavailable(f"DynamoDB: {code}") from None
        if code == _CONDITION_FAILED:  # the caller's answer, not a failure
            raise
        raise AwsRequestRejected(f"DynamoDB: {code}") from None


class LockTable:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._client = dynamodb
        self._table = table

    def acquire(self, lock_id: str, owner: str, now: int, ttl_seconds: int,
                purpose: str) -> None:
        """Take the lock, or raise `ClusterLocked` naming its holder. A holder that released
        it between our write and our look costs one more try, not a refusal."""
        for _ in range(2):
            if self._put(lock_id, owner, now, ttl_seconds, purpose,
                         "attribute_not_exists(pk) OR #o = :me OR expires_at < :now",
                         {":me": {"S": owner}, ":now": {"N": str(now)}}):
                return
            holder = self._holder(lock_id)
            if holder is not None:
                purpose_held, owner_held = holder
                raise ClusterLocked(
                    f"{lock_id} is locked by {purpose_held} execution "
                    f"{owner_held.rsplit(':', 1)[-1]}",
                    holder_purpose=purpose_held, holder=owner_held)
        raise LockChangingHands(f"{lock_id} is changing hands; try again")

    def take_over(self, lock_id: str, stale_owner: str, owner: str, now: int,
                  ttl_seconds: int, purpose: str) -> None:
        """Take a lock whose holder is known to have ended, only if that holder still has it."""
        if not self._put(lock_id, owner, now, ttl_seconds, purpose, "#o = :stale",
                         {":stale": {"S": stale_owner}}):
            raise LockChangingHands(f"{lock_id} changed hands while being taken over")

    def _put(self, lock_id: str, owner: str, now: int, ttl_seconds: int, purpose: str,
             condition: str, values: dict[str, Any]) -> bool:
        """Write the lock item under `condition`; False when the condition does not hold."""
        try:
            with _dynamodb_errors_named():
                self._client.put_item(
                    TableName=self._table,
                    Item={
                        "pk": {"S": f"lock#{lock_id}"}, "sk": {"S": _SORT_KEY},
                        "owner": {"S": owner}, "purpose": {"S": purpose},
                        "acquired_at": {"N": str(now)}, "expires_at": {"N": str(now + ttl_seconds)},
                    },
                    ConditionExpression=condition,
                    ExpressionAttributeNames={"#o": "owner"},
                    ExpressionAttributeValues=values,
                )
        except ClientError:  # the guard lets only a failed condition through
            return False
        return True

    def held_for(self, purpose: str, now: int) -> dict[str, str]:
        """Every unexpired lock taken for `purpose` ("backup", "migration"): lock id -> the
        holding execution's ARN. One Scan: the table holds a few items per running
        execution, not per hosted cluster."""
        found: dict[str, str] = {}
        with _dynamodb_errors_named():
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
        return found

    def owner(self, lock_id: str) -> str | None:
        """The execution that holds the lock now (expired or not); None when nobody does."""
        holder = self._holder(lock_id)
        return holder[1] if holder else None

    def _holder(self, lock_id: str) -> tuple[str, str] | None:
        """(purpose, owner ARN) of whoever holds the lock now; None when nobody does."""
        with _dynamodb_errors_named():
            item = self._client.get_item(
                TableName=self._table,
                Key={"pk": {"S": f"lock#{lock_id}"}, "sk": {"S": _SORT_KEY}},
                ConsistentRead=True,
            ).get("Item")
        if item is None:
            return None
        return (item.get("purpose", {}).get("S", "unknown"),
                item.get("owner", {}).get("S", "unknown"))

    def release(self, lock_id: str, owner: str) -> bool:
        """Release if we hold it (or nobody does); False, not an error, if someone else does."""
        try:
            with _dynamodb_errors_named():
                self._client.delete_item(
                    TableName=self._table,
                    Key={"pk": {"S": f"lock#{lock_id}"}, "sk": {"S": _SORT_KEY}},
                    ConditionExpression="attribute_not_exists(pk) OR #o = :me",
                    ExpressionAttributeNames={"#o": "owner"},
                    ExpressionAttributeValues={":me": {"S": owner}},
                )
        except ClientError:  # the guard lets only a failed condition through
            return False
        return True
