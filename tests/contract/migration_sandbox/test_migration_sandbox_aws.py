"""The migration's AWS wiring in the sandbox: rules, fallback clock, alarm events, SSM policies,
and the destination API outage knob. Handlers are test doubles that record their events, so
these tests prove delivery, not the product's reaction to it."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from sandbox.environment import Sandbox, SandboxOptions
from sandbox.scenario.migration_triggers import (
    ALARM_RULE,
    DNS_FALLBACK_RULE,
    POLICIES_PARAMETER,
    ROUTE53_RULE,
    SOURCE_ALARM,
    START_FROM_ALARM_FUNCTION,
    WATCH_DNS_FUNCTION,
)
from tests.contract.migration_sandbox.world import ROUTES, kube, wait_until

SANDBOX_OPTIONS = SandboxOptions(dns_fallback_poll_seconds=0.5)


class Recorder:
    """A Lambda handler standing in for a product function: keeps every event it gets."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self._lock = threading.Lock()

    def __call__(self, event: dict, _context: object) -> dict:
        with self._lock:
            self.events.append(event)
        return {"ok": True}

    def of(self, detail_type: str) -> list[dict]:
        with self._lock:
            return [e for e in self.events if e.get("detail-type") == detail_type]


@pytest.fixture(scope="module")
def watch_dns(sandbox: Sandbox) -> Recorder:
    recorder = Recorder()
    sandbox.aws.register_handler(WATCH_DNS_FUNCTION, recorder)
    return recorder


@pytest.fixture(scope="module")
def start_from_alarm(sandbox: Sandbox) -> Recorder:
    recorder = Recorder()
    sandbox.aws.register_handler(START_FROM_ALARM_FUNCTION, recorder)
    return recorder


@pytest.fixture
def route53_events_lost(sandbox: Sandbox) -> Iterator[None]:
    sandbox.set_route53_event_delivery(False)
    yield
    sandbox.set_route53_event_delivery(True)


def _delete_one_source_route(sandbox: Sandbox) -> str:
    store = sandbox.management["source"].cluster.store
    route = store.list(ROUTES, sandbox.plan.hcp_namespace)[0]
    with kube(sandbox.management["source"].cluster) as api:
        client.CustomObjectsApi(api).delete_namespaced_custom_object(
            "route.openshift.io", "v1", sandbox.plan.hcp_namespace, "routes",
            route["metadata"]["name"])
    host = route["spec"]["host"]
    sandbox.wait_for_dns([host], present=False)
    return host


def test_rules_policies_and_environment_are_as_the_stack_defines_them(sandbox: Sandbox):
    events = sandbox.aws.client("events")
    route53 = events.describe_rule(Name=ROUTE53_RULE)
    assert json.loads(route53["EventPattern"]) == {
        "source": ["aws.route53"], "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": ["route53.amazonaws.com"],
                   "eventName": ["ChangeResourceRecordSets"]}}
    assert events.describe_rule(Name=DNS_FALLBACK_RULE)["ScheduleExpression"] == "rate(1 minute)"
    alarm = json.loads(events.describe_rule(Name=ALARM_RULE)["EventPattern"])
    assert alarm["detail"] == {"state": {"value": ["ALARM"],
                                         "actionsSuppressedBy": [{"exists": False}]}}
    for rule, function in ((ROUTE53_RULE, WATCH_DNS_FUNCTION),
                           (DNS_FALLBACK_RULE, WATCH_DNS_FUNCTION),
                           (ALARM_RULE, START_FROM_ALARM_FUNCTION)):
        targets = events.list_targets_by_rule(Rule=rule)["Targets"]
        assert [t["Arn"] for t in targets] == [sandbox.aws.function_arn(function)]
    policies = json.loads(sandbox.aws.client("ssm").get_parameter(
        Name=POLICIES_PARAMETER)["Parameter"]["Value"])
    assert policies == [{"alarm_name": SOURCE_ALARM,
                         "hosted_cluster": {"namespace": sandbox.plan.namespace,
                                            "name": sandbox.plan.name},
                         "source": "source", "destination": "destination", "policy": "auto"}]
    assert os.environ["HCP_DR_MIGRATION_POLICIES_PARAMETER"] == POLICIES_PARAMETER
    if "Migration" in sandbox.state_machines:
        assert os.environ["HCP_DR_MIGRATION_STATE_MACHINE_ARN"] == sandbox.state_machines[
            "Migration"]


def test_route53_change_reaches_the_dns_watch(sandbox: Sandbox, watch_dns: Recorder):
    before = len(watch_dns.of("AWS API Call via CloudTrail"))
    host = _delete_one_source_route(sandbox)
    received = wait_until(lambda: watch_dns.of("AWS API Call via CloudTrail")[before:],
                          what="CloudTrail event delivered")
    detail = received[-1]["detail"]
    assert detail["eventName"] == "ChangeResourceRecordSets"
    names = {c["resourceRecordSet"]["name"]
             for c in detail["requestParameters"]["changeBatch"]["changes"]}
    assert host in names
    assert {c["resourceRecordSet"]["type"] for c in
            detail["requestParameters"]["changeBatch"]["changes"]} == {"CNAME", "TXT"}
    origins = {d.origin for d in sandbox.aws.events.deliveries
               if d.target_arn.endswith(f":{WATCH_DNS_FUNCTION}")}
    assert f"rule/default/{ROUTE53_RULE}" in origins


def test_lost_route53_events_still_leave_the_fallback_tick(sandbox: Sandbox, watch_dns: Recorder,
                                                          route53_events_lost: None):
    cloudtrail = sandbox.cloudtrail
    assert cloudtrail is not None
    dropped, seen = cloudtrail.dropped, len(watch_dns.of("AWS API Call via CloudTrail"))
    _delete_one_source_route(sandbox)
    ticks = len(watch_dns.of("Scheduled Event"))
    wait_until(lambda: len(watch_dns.of("Scheduled Event")) > ticks, what="fallback tick")
    assert cloudtrail.dropped > dropped
    assert len(watch_dns.of("AWS API Call via CloudTrail")) == seen  # none got through
    tick = watch_dns.of("Scheduled Event")[-1]
    assert tick["source"] == "aws.events"
    assert tick["resources"] == [sandbox.aws.client("events").describe_rule(
        Name=DNS_FALLBACK_RULE)["Arn"]]


def test_alarm_state_change_reaches_the_migration_trigger(sandbox: Sandbox,
                                                         start_from_alarm: Recorder):
    assert sandbox.trigger_alarm() is True
    event = wait_until(lambda: start_from_alarm.of("CloudWatch Alarm State Change"),
                       what="alarm event delivered")[-1]
    assert event["source"] == "aws.cloudwatch"
    assert event["detail"]["alarmName"] == SOURCE_ALARM
    assert event["detail"]["state"]["value"] == "ALARM"
    assert event["detail"]["previousState"]["value"] == "INSUFFICIENT_DATA"
    assert event["resources"][0].endswith(f":alarm:{SOURCE_ALARM}")
    alarm = sandbox.aws.client("cloudwatch").describe_alarms(
        AlarmNames=[SOURCE_ALARM])["MetricAlarms"][0]
    assert alarm["StateValue"] == "ALARM"


def test_alarm_events_follow_state_changes_only(sandbox: Sandbox, start_from_alarm: Recorder):
    """As CloudWatch: no event without a change; back to OK is an event the rule ignores."""
    before = len(start_from_alarm.events)
    assert sandbox.trigger_alarm(state="ALARM") is False  # already in ALARM
    assert sandbox.trigger_alarm(state="OK") is True
    sandbox.aws.wait_for_deliveries()
    assert len(start_from_alarm.events) == before
    assert sandbox.trigger_alarm(state="ALARM") is True  # flapping: a second ALARM event
    wait_until(lambda: len(start_from_alarm.events) == before + 1, what="second alarm event")
    assert sandbox.trigger_alarm(state="ALARM", force_event=True) is True  # a duplicate
    wait_until(lambda: len(start_from_alarm.events) == before + 2, what="duplicated event")
    assert start_from_alarm.events[-1]["detail"]["previousState"]["value"] == "ALARM"


def test_destination_api_can_be_taken_down(sandbox: Sandbox):
    destination = sandbox.management["destination"].cluster
    sandbox.set_api_available("destination", False)
    try:
        with kube(destination) as api, pytest.raises(ApiException) as refused:
            client.CoreV1Api(api).list_namespace()
        assert refused.value.status == 503
        with kube(sandbox.management["source"].cluster) as api:
            client.CoreV1Api(api).list_namespace()  # the source is unaffected
    finally:
        sandbox.set_api_available("destination", True)
    with kube(destination) as api:
        assert client.CoreV1Api(api).list_namespace().items
