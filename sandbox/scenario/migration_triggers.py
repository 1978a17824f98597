"""The migration's AWS wiring, as the stack defines it (docs/migration-design.md, Triggers).

- Rule `hcp-dr-route53-changes`: Route 53 `ChangeResourceRecordSets` CloudTrail events ->
  `WatchDnsCleanup`; rule `hcp-dr-dns-fallback-poll` (`rate(1 minute)` on AWS; the sandbox
  fires it more often, see SandboxOptions) -> `WatchDnsCleanup`, because CloudTrail delivery
  is best effort.
- Rule `hcp-dr-alarm-migrations`: `CloudWatch Alarm State Change` with state ALARM ->
  `StartMigrationFromAlarm`, which reads the policies from SSM `/hcp-dr/migration-policies`.
- CloudWatch puts an alarm's state change on the default bus itself; moto does not, so
  `alarm_state_change` builds that event as AWS shapes it.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

ROUTE53_RULE = "hcp-dr-route53-changes"
DNS_FALLBACK_RULE = "hcp-dr-dns-fallback-poll"
DNS_FALLBACK_SCHEDULE = "rate(1 minute)"
ALARM_RULE = "hcp-dr-alarm-migrations"
WATCH_DNS_FUNCTION = "WatchDnsCleanup"
START_FROM_ALARM_FUNCTION = "StartMigrationFromAlarm"
POLICIES_PARAMETER = "/hcp-dr/migration-policies"
SOURCE_ALARM = "hcp-dr-source-unhealthy"

ROUTE53_PATTERN = {
    "source": ["aws.route53"],
    "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {"eventSource": ["route53.amazonaws.com"],
               "eventName": ["ChangeResourceRecordSets"]},
}
ALARM_PATTERN = {
    "source": ["aws.cloudwatch"],
    "detail-type": ["CloudWatch Alarm State Change"],
    "detail": {"state": {"value": ["ALARM"], "actionsSuppressedBy": [{"exists": False}]}},
}


def install_migration_rules(events: Any, function_arn: Callable[[str], str]) -> None:
    """Create the three rules and their Lambda targets on the default bus."""
    rules = (
        (ROUTE53_RULE, {"EventPattern": json.dumps(ROUTE53_PATTERN)}, WATCH_DNS_FUNCTION,
         "hcp-dr: Route 53 record changes wake the DNS-cleanup wait of a migration"),
        (DNS_FALLBACK_RULE, {"ScheduleExpression": DNS_FALLBACK_SCHEDULE}, WATCH_DNS_FUNCTION,
         "hcp-dr: fallback check of pending DNS-cleanup waits (CloudTrail is best effort)"),
        (ALARM_RULE, {"EventPattern": json.dumps(ALARM_PATTERN)}, START_FROM_ALARM_FUNCTION,
         "hcp-dr: an alarm in ALARM starts the migration its policy names"),
    )
    for name, trigger, function, description in rules:
        events.put_rule(Name=name, Description=description, State="ENABLED", **trigger)
        events.put_targets(Rule=name, Targets=[{"Id": function, "Arn": function_arn(function)}])


def migration_policies(namespace: str, name: str, source: str, destination: str,
                       policy: str = "auto", alarm_name: str = SOURCE_ALARM) -> list[dict]:
    """The SSM parameter's value: one policy per hosted cluster (contract format)."""
    return [{"alarm_name": alarm_name,
             "hosted_cluster": {"namespace": namespace, "name": name},
             "source": source, "destination": destination, "policy": policy}]


def put_migration_policies(ssm: Any, policies: list[dict],
                           parameter: str = POLICIES_PARAMETER) -> None:
    ssm.put_parameter(Name=parameter, Type="String", Value=json.dumps(policies), Overwrite=True,
                      Description="hcp-dr: which alarm migrates which hosted cluster, and how")


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def alarm_state_change(alarm: dict[str, Any], previous: dict[str, Any], state: str,
                       reason: str) -> dict[str, Any]:
    """The `put_events` entry of CloudWatch's own state-change event for a metric alarm."""
    now = dt.datetime.now(dt.UTC)
    metric = {"namespace": alarm.get("Namespace"), "name": alarm.get("MetricName"),
              "dimensions": {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}}
    detail = {
        "alarmName": alarm["AlarmName"],
        "state": {"value": state, "reason": reason, "timestamp": _iso(now),
                  "reasonData": json.dumps({"version": "1.0", "queryDate": _iso(now)})},
        "previousState": {"value": previous["value"], "reason": previous.get("reason", ""),
                          "timestamp": previous.get("timestamp", _iso(now))},
        "configuration": {"description": alarm.get("AlarmDescription", ""), "metrics": [{
            "id": str(uuid.uuid4()), "returnData": True,
            "metricStat": {"metric": metric, "period": alarm.get("Period"),
                           "stat": alarm.get("Statistic")}}]},
    }
    return {"Source": "aws.cloudwatch", "DetailType": "CloudWatch Alarm State Change",
            "Resources": [alarm["AlarmArn"]], "Detail": json.dumps(detail),
            "EventBusName": "default"}


class CloudTrailFeed:
    """The events client ExternalDNS announces its Route 53 changes through.

    AWS delivers CloudTrail events to EventBridge on a best-effort basis; with `deliver`
    off they are lost here (and counted), so a test can prove the fallback poll suffices.
    """

    def __init__(self, events: Any, deliver: bool = True) -> None:
        self._events = events
        self._lock = threading.Lock()
        self.deliver = deliver
        self.delivered = 0
        self.dropped = 0

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803 (boto3)
        with self._lock:
            deliver = self.deliver
            if deliver:
                self.delivered += len(Entries)
            else:
                self.dropped += len(Entries)
        if deliver:
            return self._events.put_events(Entries=Entries)
        return {"FailedEntryCount": 0,
                "Entries": [{"EventId": str(uuid.uuid4())} for _ in Entries]}
