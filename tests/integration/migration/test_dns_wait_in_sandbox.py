"""The DNS-cleanup wait with real Step Functions task tokens, Route 53, EventBridge rules and
ExternalDNS: the event path, a lost event (fallback poll), duplicated and out-of-order events,
the named timeout and the TimeoutSecondsPath backstop.

A one-state machine runs the same task as the Migration machine (`AwaitDnsCleanup` through
`lambda:invoke.waitForTaskToken`), so each case costs seconds, not a migration.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.aws.statemachines import deploy_state_machine
from sandbox.environment import Sandbox, SandboxOptions
from tests.integration.backup_driver import wait_until
from tests.integration.migration.migration_driver import ROUTES, store

_OPTIONS = {f.name for f in dataclasses.fields(SandboxOptions)}
pytestmark = pytest.mark.skipif(
    not {"dns_fallback_poll_seconds", "deliver_route53_events"} <= _OPTIONS
    or not hasattr(Sandbox, "fire_dns_fallback_poll"),
    reason="needs the sandbox's migration EventBridge rules and fallback poll (issue 4)")
# No clock on the fallback rule: each test fires it (or not) itself.
SANDBOX_OPTIONS = (SandboxOptions(dns_fallback_poll_seconds=None)  # type: ignore[call-arg]
                   if "dns_fallback_poll_seconds" in _OPTIONS else SandboxOptions())

WAIT_ASL = {
    "StartAt": "AwaitDnsCleanup",
    "States": {"AwaitDnsCleanup": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "${AwaitDnsCleanupFunctionArn}", "Payload": {
            "task_token.$": "$$.Task.Token", "execution_id.$": "$$.Execution.Id",
            "purpose": "source-routes-removed", "zone_ids.$": "$.zone_ids",
            "hostnames.$": "$.hostnames", "timeout_seconds.$": "$.timeout_seconds"}},
        "TimeoutSecondsPath": "$.backstop_seconds", "End": True}},
}


@pytest.fixture(scope="module")
def wait_machine(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = Path(tmp_path_factory.mktemp("asl")) / "dns_wait.asl.json"
    path.write_text(json.dumps(WAIT_ASL))
    return deploy_state_machine(sandbox.aws, "DnsWaitProbe", path, {},
                                functions=["AwaitDnsCleanup"])


@pytest.fixture
def routes_restored(sandbox: Sandbox) -> Iterator[None]:
    """Put the source's Routes back (and their records) after a test deleted them."""
    src = store(sandbox, "source")
    saved = src.list(ROUTES, sandbox.plan.hcp_namespace)
    yield
    sandbox.set_route53_event_delivery(True)
    for route in saved:
        meta = {k: v for k, v in route["metadata"].items()
                if k in ("name", "namespace", "labels", "annotations")}
        if not any(r["metadata"]["name"] == meta["name"]
                   for r in src.list(ROUTES, sandbox.plan.hcp_namespace)):
            src.create(ROUTES, sandbox.plan.hcp_namespace, {**route, "metadata": meta})
    sandbox.wait_for_dns(sandbox.plan.route_hostnames(), present=True, timeout=30)


def _start(sandbox: Sandbox, machine: str, timeout: int = 120, backstop: int = 300) -> str:
    return sandbox.aws.start_execution(machine, {
        "zone_ids": [sandbox.zone_id], "hostnames": sandbox.plan.route_hostnames(),
        "timeout_seconds": timeout, "backstop_seconds": backstop})


def _status(sandbox: Sandbox, arn: str) -> dict:
    return sandbox.aws.client("stepfunctions").describe_execution(executionArn=arn)


def _delete_routes(sandbox: Sandbox, names: list[str] | None = None) -> None:
    src = store(sandbox, "source")
    for route in src.list(ROUTES, sandbox.plan.hcp_namespace):
        if names is None or route["metadata"]["name"] in names:
            src.delete(ROUTES, sandbox.plan.hcp_namespace, route["metadata"]["name"])


def _route53_event(sandbox: Sandbox) -> None:
    """A CloudTrail `ChangeResourceRecordSets` event, as AWS would deliver it (again)."""
    detail = {"eventSource": "route53.amazonaws.com", "eventName": "ChangeResourceRecordSets",
              "requestParameters": {"hostedZoneId": sandbox.zone_id}}
    sandbox.aws.client("events").put_events(Entries=[{
        "Source": "aws.route53", "DetailType": "AWS API Call via CloudTrail",
        "Detail": json.dumps(detail), "EventBusName": "default"}])


def _watch_errors(sandbox: Sandbox) -> list[str]:
    return [i.error_type for i in sandbox.aws.invocations
            if i.function_name == "WatchDnsCleanup" and i.error_type]


def test_route53_event_completes_the_wait(sandbox, wait_machine, routes_restored):
    arn = _start(sandbox, wait_machine)
    time.sleep(0.5)
    assert _status(sandbox, arn)["status"] == "RUNNING"
    _delete_routes(sandbox)
    description = sandbox.aws.wait_for_execution(arn, timeout=30)
    assert description["status"] == "SUCCEEDED"
    assert json.loads(description["output"])["hostnames"] == 4
    assert sandbox.dns_records() == {}


def test_lost_event_is_made_up_for_by_the_fallback_poll(sandbox, wait_machine, routes_restored):
    sandbox.set_route53_event_delivery(False)
    arn = _start(sandbox, wait_machine)
    _delete_routes(sandbox)
    sandbox.wait_for_dns(sandbox.plan.route_hostnames(), present=False, timeout=30)
    time.sleep(1.0)
    assert _status(sandbox, arn)["status"] == "RUNNING"  # nobody told the wait
    sandbox.fire_dns_fallback_poll()
    assert sandbox.aws.wait_for_execution(arn, timeout=30)["status"] == "SUCCEEDED"


def test_duplicated_and_out_of_order_events_are_harmless(sandbox, wait_machine,
                                                         routes_restored):
    arn = _start(sandbox, wait_machine)
    names = [r["metadata"]["name"] for r in store(sandbox, "source").list(
        ROUTES, sandbox.plan.hcp_namespace)]
    _delete_routes(sandbox, names[:1])  # its event arrives while other records remain
    wait_until(lambda: len(sandbox.dns_records()) == 3, timeout=30)
    sandbox.aws.wait_for_deliveries()
    assert _status(sandbox, arn)["status"] == "RUNNING"
    sandbox.set_route53_event_delivery(False)
    _delete_routes(sandbox)
    sandbox.wait_for_dns(sandbox.plan.route_hostnames(), present=False, timeout=30)
    _route53_event(sandbox)  # the first change's event, delivered late
    assert sandbox.aws.wait_for_execution(arn, timeout=30)["status"] == "SUCCEEDED"
    for _ in range(3):  # and duplicated
        _route53_event(sandbox)
    sandbox.aws.wait_for_deliveries()
    assert _status(sandbox, arn)["status"] == "SUCCEEDED"
    assert _watch_errors(sandbox) == []


def test_records_that_stay_end_the_wait_with_dns_cleanup_timeout(sandbox, wait_machine):
    arn = _start(sandbox, wait_machine, timeout=1)
    time.sleep(1.5)
    sandbox.fire_dns_fallback_poll()
    description = sandbox.aws.wait_for_execution(arn, timeout=30)
    assert (description["status"], description.get("error")) == ("FAILED", "DnsCleanupTimeout")
    # (moto drops SendTaskFailure's cause; the unit tests check the watcher's message)
    assert len(sandbox.dns_records()) == 4


def test_the_backstop_ends_a_wait_nobody_completes(sandbox, wait_machine):
    arn = _start(sandbox, wait_machine, timeout=600, backstop=2)
    description = sandbox.aws.wait_for_execution(arn, timeout=30)
    assert (description["status"], description.get("error")) == ("FAILED", "States.Timeout")
