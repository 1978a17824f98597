"""The sandbox's ExternalDNS on a sync loop (`--interval`, no `--events`): Route changes reach
Route 53 on its next pass only, which is what the paced benchmark profile relies on."""

from __future__ import annotations

import queue
import time
from types import SimpleNamespace

import pytest

from sandbox.controllers.external_dns import HOSTNAME_ANNOTATION, ExternalDnsController
from sandbox.environment import ROUTES, Sandbox, SandboxOptions
from sandbox.kubeapi.store import ADDED, ChangeEvent


def test_route_deletion_waits_for_the_next_sync_pass():
    # An hour-long interval: no pass happens by itself during the test.
    with Sandbox(SandboxOptions(external_dns_sync_interval_seconds=3600.0)) as sandbox:
        source = sandbox.management["source"]
        hostnames = sandbox.plan.route_hostnames()
        assert all(h in sandbox.dns_records() for h in hostnames)  # published at start-up
        store = source.cluster.store
        routes = store.list(ROUTES, sandbox.plan.hcp_namespace)
        assert routes
        for route in routes:
            store.delete(ROUTES, sandbox.plan.hcp_namespace, route["metadata"]["name"])
        time.sleep(1.0)  # far longer than the event-driven controller needs
        assert all(h in sandbox.dns_records() for h in hostnames)

        passes_before = len(source.external_dns.passes)
        sandbox.wait_for_dns(hostnames, present=False, sync=True, timeout=10.0)
        assert len(source.external_dns.passes) > passes_before


class _Route53:
    """Route 53 that refuses changes to one hostname and records the rest."""

    def __init__(self, refused: str) -> None:
        self.refused, self.changed = refused, []

    def list_resource_record_sets(self, **_):
        return {"ResourceRecordSets": []}

    def change_resource_record_sets(self, HostedZoneId, ChangeBatch):  # noqa: N803 (boto3 names)
        names = {c["ResourceRecordSet"]["Name"] for c in ChangeBatch["Changes"]}
        if self.refused in names:
            raise RuntimeError("throttled")
        self.changed += sorted(names)
        return {"ChangeInfo": {"Id": "c1", "Status": "PENDING"}}


class _Events:
    def put_events(self, Entries):  # noqa: N803 (boto3 names)
        return {"FailedEntryCount": 0}


class _Store:
    def subscribe(self):
        return queue.Queue()


def test_a_failing_route_does_not_cost_the_others_their_pass():
    route53 = _Route53(refused="api-b.example.com")
    dns = ExternalDnsController(_Store(), "source", "router.source", route53, _Events(),
                                "Z1", "example.com", sync_interval_seconds=3600.0)
    routes = SimpleNamespace(group="route.openshift.io", plural="routes")
    for host in ("api-a.example.com", "api-b.example.com", "api-c.example.com"):
        dns.reconcile(ChangeEvent(ADDED, routes, {
            "metadata": {"name": host, "annotations": {HOSTNAME_ANNOTATION: host}}}))

    with pytest.raises(RuntimeError, match="throttled"):
        dns.sync()
    assert "api-a.example.com" in route53.changed and "api-c.example.com" in route53.changed
    assert "api-b.example.com" not in route53.changed

    route53.refused = "none"
    dns.sync()  # the refused change stayed pending and goes through on the next pass
    assert "api-b.example.com" in route53.changed
