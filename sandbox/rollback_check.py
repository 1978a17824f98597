"""Independent checks of a migration that failed before the teardown (`make drill` with
`--fail-at`): the hosted cluster must be back on the source exactly as it was.

Like migration_check, this looks at the sandbox's own view of the world, not at what the state
machine reports: the source's HC, NodePools, control-plane deployments, operator and Routes as
before; DNS published again by the source's ExternalDNS; nothing labelled on the destination;
no lock left.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sandbox.environment import Sandbox
from sandbox.migration_check import DEPLOYMENTS, HC, NAMESPACES, NODEPOOLS
from sandbox.scenario.management_cluster import OPERATOR_NAMESPACE, router_hostname

ROUTES = ("route.openshift.io", "v1", "routes")
MIGRATION_LABEL = "hcp-dr.openshift.io/migration-id"


def source_state(sandbox: Sandbox) -> dict[str, Any]:
    """What a rolled-back migration must leave as it found it on the source."""
    store, plan = sandbox.management["source"].cluster.store, sandbox.plan
    hc = store.get(HC, plan.namespace, plan.name)
    return {
        "paused": hc["spec"].get("pausedUntil"),
        "annotations": sorted((hc["metadata"].get("annotations") or {}).keys()),
        "replicas": {d["metadata"]["name"]: d["spec"]["replicas"]
                     for d in store.list(DEPLOYMENTS, plan.hcp_namespace)},
        "operator": store.get(DEPLOYMENTS, OPERATOR_NAMESPACE, "operator")["spec"]["replicas"],
        "nodepools": {n["metadata"]["name"]: n["spec"].get("pausedUntil")
                      for n in store.list(NODEPOOLS, plan.namespace)},
        "routes": sorted(r["metadata"]["name"] for r in store.list(ROUTES, plan.hcp_namespace)),
    }


def _destination_clean(sandbox: Sandbox) -> bool:
    store, plan = sandbox.management["destination"].cluster.store, sandbox.plan
    names = {n["metadata"]["name"] for n in store.list(NAMESPACES)}
    labelled = [n for n in store.list(NAMESPACES)
                if MIGRATION_LABEL in (n["metadata"].get("labels") or {})]
    return not names & {plan.namespace, plan.hcp_namespace} and not labelled and not any(
        h["metadata"]["name"] == plan.name for h in store.list(HC))


def _held_locks(sandbox: Sandbox) -> list[str]:
    assert sandbox.backup_env is not None
    items = sandbox.aws.client("dynamodb").scan(
        TableName=sandbox.backup_env.lock_table)["Items"]
    return sorted(i["pk"]["S"] for i in items if i["pk"]["S"].startswith("lock#"))


def _eventually(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _dns_points_to_source(sandbox: Sandbox) -> bool:
    source_router = router_hostname("source")
    records = sandbox.dns_records()
    return all(records.get(h) == source_router for h in sandbox.plan.route_hostnames())


def check_rollback(sandbox: Sandbox, before: dict[str, Any],
                   settle_seconds: float = 30.0) -> dict[str, Any]:
    """The source's ExternalDNS republishes the recreated Routes, and the guest's clients go
    back to the source's control plane, on their own pace: those two are waited for."""
    after = source_state(sandbox)
    dns = _eventually(lambda: _dns_points_to_source(sandbox), settle_seconds)
    _eventually(lambda: sandbox.serving_control_plane() == "source", settle_seconds)
    return {
        "source_unchanged": after == before,
        "source_differences": sorted(k for k in before if after.get(k) != before[k]),
        "destination_clean": _destination_clean(sandbox),
        "dns_points_to_source": dns,
        "served_by": sandbox.serving_control_plane(),
        "locks_released": _held_locks(sandbox) == [],
    }
