"""Pending DNS waits of migration executions, in the lock table.

One item per waiting task: pk `dns-wait#<execution ARN>`, sk the wait's purpose, with the task
token, zones, hostnames and deadline, and a TTL (`expires_at`) as a backstop. A re-registration
(the task was retried with a new token) keeps the first deadline. Items are deleted on the
condition that they still hold the token that was completed, so a newer wait is never lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from hcp_dr.adapters.aws_network import NETWORK_ERRORS, network_failure
from hcp_dr.errors import AwsRequestRejected, AwsServiceUnavailable

PK_PREFIX = "dns-wait#"
_THROTTLING = {"ProvisionedThroughputExceededException", "ThrottlingException",
               "InternalServerError", "RequestLimitExceeded"}
# Items outlive their deadline by this much before DynamoDB's TTL may remove them.
_TTL_AFTER_DEADLINE = 24 * 3600


@dataclass(frozen=True)
class DnsWait:
    execution_id: str
    purpose: str
    task_token: str
    zone_ids: tuple[str, ...]
    hostnames: tuple[str, ...]
    deadline: int  # epoch seconds

    def __repr__(self) -> str:  # the token lets anyone complete the task: keep it out of logs
        return f"DnsWait({self.execution_id.rsplit(':', 1)[-1]}, {self.purpose})"


def _translate(exc: ClientError) -> Exception:
    code = exc.response.get("Error", {}).get("Code", "")
    if code in _THROTTLING:
        return AwsServiceUnavailable(f"DynamoDB: {code}")
    return AwsRequestRejected(f"DynamoDB: {code}")


def _wait_of(item: dict[str, Any]) -> DnsWait:
    return DnsWait(
        execution_id=item["pk"]["S"][len(PK_PREFIX):], purpose=item["sk"]["S"],
        task_token=item["task_token"]["S"],
        zone_ids=tuple(v["S"] for v in item["zone_ids"]["L"]),
        hostnames=tuple(v["S"] for v in item["hostnames"]["L"]),
        deadline=int(item["deadline"]["N"]),
    )


class DnsWaits:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._client = dynamodb
        self._table = table

    def register(self, execution_id: str, purpose: str, task_token: str, zone_ids: list[str],
                 hostnames: list[str], deadline: int) -> DnsWait:
        """Store (or refresh the token of) a wait; returns it with the effective deadline."""
        try:
            item = self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": PK_PREFIX + execution_id}, "sk": {"S": purpose}},
                UpdateExpression=(
                    "SET task_token = :t, zone_ids = :z, hostnames = :h, "
                    "deadline = if_not_exists(deadline, :d), expires_at = :e"),
                ExpressionAttributeValues={
                    ":t": {"S": task_token},
                    ":z": {"L": [{"S": z} for z in zone_ids]},
                    ":h": {"L": [{"S": h} for h in hostnames]},
                    ":d": {"N": str(deadline)},
                    ":e": {"N": str(deadline + _TTL_AFTER_DEADLINE)},
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except NETWORK_ERRORS as exc:
            raise network_failure("DynamoDB", exc) from None
        except ClientError as exc:
            raise _translate(exc) from None
        return _wait_of(item)

    def pending(self) -> list[DnsWait]:
        """Every registered wait (the table holds locks and a handful of waits: a scan)."""
        waits: list[DnsWait] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table, "FilterExpression": "begins_with(pk, :p)",
            "ExpressionAttributeValues": {":p": {"S": PK_PREFIX}}, "ConsistentRead": True,
        }
        try:
            while True:
                page = self._client.scan(**kwargs)
                waits += [_wait_of(item) for item in page.get("Items", [])]
                if "LastEvaluatedKey" not in page:
                    return waits
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except NETWORK_ERRORS as exc:
            raise network_failure("DynamoDB", exc) from None
        except ClientError as exc:
            raise _translate(exc) from None

    def forget(self, wait: DnsWait) -> bool:
        """Delete the wait if it still holds this token; False if it changed or is gone."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key={"pk": {"S": PK_PREFIX + wait.execution_id}, "sk": {"S": wait.purpose}},
                ConditionExpression="task_token = :t",
                ExpressionAttributeValues={":t": {"S": wait.task_token}},
            )
        except NETWORK_ERRORS as exc:
            raise network_failure("DynamoDB", exc) from None
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise _translate(exc) from None
        return True
