"""Stage 7: the hosted cluster runs on the destination: HC `Available=True` and, in the hosted
cluster itself, as many Ready worker nodes as the NodePools ask for.

One invocation keeps looking (every `poll_seconds`, up to `budget_seconds`) so the migration
moves on within a poll of the cluster becoming ready: a Step Functions Retry between looks
would add its growing interval to the RTO and a state transition per look. Still not ready
when the budget is spent is `HostedClusterNotReady` (transient): the state machine retries it
within a bounded number of attempts. The guest API answering 503 while the new control plane
starts, or while ExternalDNS has not published it yet, is the same situation.

A Node's status in the restored etcd is the one of the pause: Ready, for every worker. The
node controller of the new control plane only marks silent nodes after a grace period, so
"Ready" alone would let the teardown start before any kubelet reached the destination. A
worker counts once its kubelet has been heard since the pause (its Lease renewed, or its
Ready heartbeat): nothing could write that to the paused source's etcd.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from hcp_dr.domain.migration.guest import GuestConnector, admin_kubeconfig_secret
from hcp_dr.domain.migration.preflight import desired_workers, nodepools_of
from hcp_dr.errors import HostedClusterNotFound, HostedClusterNotReady, KubernetesApiUnavailable
from hcp_dr.models.kinds import HOSTED_CLUSTERS, LEASES, NODE_LEASE_NAMESPACE, NODES
from hcp_dr.models.migration import MigrationState, ReadyResult

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

_CONTROL_PLANE_ROLES = ("node-role.kubernetes.io/master", "node-role.kubernetes.io/control-plane")


def condition_true(obj: dict, kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True"
               for c in (obj.get("status") or {}).get("conditions") or [])


def _time(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def last_heard(node: dict, lease: dict | None) -> datetime | None:
    """The kubelet's latest sign of life: its Lease renewal or its Ready heartbeat."""
    ready = next((c for c in (node.get("status") or {}).get("conditions") or []
                  if c.get("type") == "Ready"), {})
    times = [_time(ready.get("lastHeartbeatTime")),
             _time(((lease or {}).get("spec") or {}).get("renewTime"))]
    return max((t for t in times if t is not None), default=None)


def ready_workers(nodes: list[dict], leases: list[dict] | None = None,
                  heard_since: datetime | None = None) -> int:
    """Ready workers; with `heard_since`, only those whose kubelet was heard after it."""
    by_node = {(lease.get("metadata") or {}).get("name"): lease for lease in leases or []}
    workers = [n for n in nodes
               if not any(r in ((n.get("metadata") or {}).get("labels") or {})
                          for r in _CONTROL_PLANE_ROLES)]
    ready = [n for n in workers if condition_true(n, "Ready")]
    if heard_since is None:
        return len(ready)
    heard = [last_heard(n, by_node.get(n["metadata"].get("name"))) for n in ready]
    return sum(1 for t in heard if t is not None and t > heard_since)


def hosted_cluster_state(destination: ManagementClusterApi, connect: GuestConnector,
                         state: MigrationState) -> tuple[bool, int, int]:
    """(HC Available, Ready workers heard since the pause, workers wanted) on the
    destination, as of now. The workers wanted are never fewer than the source's NodePools
    asked for at preflight: NodePools not (yet) served on the destination must not make
    zero workers enough to tear the source down."""
    ref = state.request.destination_ref
    hc = destination.get_custom(HOSTED_CLUSTERS, ref.namespace, ref.name)
    if hc is None:
        raise HostedClusterNotFound(
            f"HostedCluster {ref.key} is gone from {ref.management_cluster}")
    wanted = max(desired_workers(nodepools_of(destination, ref.namespace, ref.name)),
                 state.preflight.expected_nodes if state.preflight else 0)
    if not condition_true(hc, "Available"):
        return False, 0, wanted
    try:
        guest = connect(destination, ref.namespace, admin_kubeconfig_secret(hc, ref.name))
        nodes = guest.list_objects(NODES)
        leases = guest.list_objects(LEASES, NODE_LEASE_NAMESPACE)  # [] where not served
    except KubernetesApiUnavailable:
        return True, 0, wanted
    since = (state.pause.quiesced_at or state.pause.paused_at) if state.pause else None
    return True, ready_workers(nodes, leases, since), wanted


@dataclass(frozen=True)
class ReadinessPatience:
    """How long one invocation looks before handing back to the state machine's Retry."""

    budget_seconds: float = 0.0  # 0: look once
    poll_seconds: float = 1.0
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def await_hosted_cluster_ready(destination: ManagementClusterApi, connect: GuestConnector,
                               state: MigrationState, now: datetime,
                               patience: ReadinessPatience | None = None) -> ReadyResult:
    patience = patience or ReadinessPatience()
    started = patience.monotonic()
    guest = cache(connect)  # one guest client per wait: its connection is kept between looks
    while True:
        available, ready, wanted = hosted_cluster_state(destination, guest, state)
        elapsed = patience.monotonic() - started
        if available and ready >= wanted:
            return ReadyResult(ready_nodes=ready, expected_nodes=wanted,
                               ready_at=now + timedelta(seconds=elapsed))
        if elapsed + patience.poll_seconds > patience.budget_seconds:
            break
        patience.sleep(patience.poll_seconds)
    if not available:
        raise HostedClusterNotReady(
            f"HostedCluster {state.request.hosted_cluster.key} is not Available on "
            f"{state.request.destination} yet")
    raise HostedClusterNotReady(
        f"{ready} of {wanted} worker nodes are Ready and heard from since the pause")
