"""The sandbox's ExternalDNS on a sync loop (`--interval`, no `--events`): Route changes reach
Route 53 on its next pass only, which is what the paced benchmark profile relies on."""

from __future__ import annotations

import time

from sandbox.environment import ROUTES, Sandbox, SandboxOptions


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
