"""Workers count as Ready on the destination only once their kubelet was heard since the
pause: the restored etcd says Ready for every node, as of the pause, and the new node
controller marks silent nodes only after its grace period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hcp_dr.domain.migration.readiness import await_hosted_cluster_ready, ready_workers
from hcp_dr.errors import HostedClusterNotReady
from hcp_dr.models.kinds import HOSTED_CLUSTERS, LEASES, NODE_LEASE_NAMESPACE, NODE_POOLS, NODES
from hcp_dr.models.migration import PauseResult
from tests.unit.migration.fakes import FakeKube
from tests.unit.migration.world import (
    NS,
    destination_cluster,
    hosted_cluster,
    nodepool,
    preflighted,
)

PAUSED_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
BEFORE, AFTER = PAUSED_AT - timedelta(minutes=1), PAUSED_AT + timedelta(minutes=9)


def _rfc3339(moment: datetime, micro: bool = False) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ")


def _node(name: str, heartbeat: datetime, ready: bool = True, role: str | None = None) -> dict:
    labels = {role: ""} if role else {}
    return {"metadata": {"name": name, "labels": labels}, "status": {"conditions": [
        {"type": "Ready", "status": "True" if ready else "False",
         "lastHeartbeatTime": _rfc3339(heartbeat)}]}}


def _lease(name: str, renewed: datetime) -> dict:
    return {"metadata": {"name": name, "namespace": NODE_LEASE_NAMESPACE},
            "spec": {"holderIdentity": name, "renewTime": _rfc3339(renewed, micro=True)}}


def test_ready_as_of_the_pause_is_not_ready_on_the_destination():
    nodes = [_node("a", BEFORE), _node("b", BEFORE)]
    assert ready_workers(nodes) == 2  # what the restored status says
    assert ready_workers(nodes, [], PAUSED_AT) == 0


def test_a_lease_renewed_or_a_heartbeat_since_the_pause_counts():
    master = "node-role.kubernetes.io/master"
    nodes = [_node("a", BEFORE), _node("b", AFTER), _node("c", BEFORE),
             _node("d", AFTER, ready=False), _node("m", AFTER, role=master)]
    leases = [_lease("a", AFTER), _lease("c", BEFORE)]
    assert ready_workers(nodes, leases, PAUSED_AT) == 2  # a (lease) and b (heartbeat)


def _world(heartbeat: datetime) -> tuple[FakeKube, FakeKube]:
    destination = destination_cluster()
    destination.put(HOSTED_CLUSTERS, NS, hosted_cluster())
    destination.put(NODE_POOLS, NS, nodepool(replicas=2))
    guest = FakeKube("guest")
    for name in ("n0", "n1"):
        guest.put(NODES, None, _node(name, heartbeat))
    return destination, guest


def _paused_state():
    return preflighted(pause=PauseResult(replicas={}, paused_until_before=None, nodepools=[],
                                         paused_at=PAUSED_AT).model_dump())


def test_the_wait_goes_on_until_the_kubelets_reach_the_destination():
    destination, guest = _world(BEFORE)
    with pytest.raises(HostedClusterNotReady, match=r"0 of 2 .* heard from since the pause"):
        await_hosted_cluster_ready(destination, lambda *a: guest, _paused_state(), AFTER)

    for name in ("n0", "n1"):
        guest.put(LEASES, NODE_LEASE_NAMESPACE, _lease(name, AFTER))
    result = await_hosted_cluster_ready(destination, lambda *a: guest, _paused_state(), AFTER)
    assert (result.ready_nodes, result.expected_nodes) == (2, 2)


def test_a_renewal_a_terminating_apiserver_accepted_during_the_pause_does_not_count():
    """The pause ends when no writer pod is left; until then a kube-apiserver in its graceful
    shutdown could still take Lease renewals, which the snapshot then holds."""
    quiesced_at = PAUSED_AT + timedelta(seconds=40)
    destination, guest = _world(BEFORE)
    for name in ("n0", "n1"):
        guest.put(LEASES, NODE_LEASE_NAMESPACE, _lease(name, PAUSED_AT + timedelta(seconds=5)))
    state = preflighted(pause=PauseResult(replicas={}, paused_until_before=None, nodepools=[],
                                          paused_at=PAUSED_AT,
                                          quiesced_at=quiesced_at).model_dump())
    with pytest.raises(HostedClusterNotReady, match=r"0 of 2"):
        await_hosted_cluster_ready(destination, lambda *a: guest, state, AFTER)
    guest.put(LEASES, NODE_LEASE_NAMESPACE, _lease("n0", AFTER))
    guest.put(LEASES, NODE_LEASE_NAMESPACE, _lease("n1", AFTER))
    assert await_hosted_cluster_ready(destination, lambda *a: guest, state, AFTER).ready_nodes == 2
