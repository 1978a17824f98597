"""The hosted cluster as its users see it: an API behind a DNS name, and nodes.

The guest API is reached by its stable hostname (`api-<hc>.<domain>`), which Route 53 points
at one management cluster's router. It answers only if that management cluster serves the
control plane: its HCP-namespace `kube-apiserver` has replicas and its etcd has quorum.
Otherwise the router has no backend and every request gets 503 (writers scaled to 0 during
a migration, Routes deleted, destination not published yet, or torn down).

The nodes' kubelets keep running whatever happens to the control plane, so nodes stay Ready,
and report to whichever control plane serves the API hostname (their Ready heartbeat, every
HEARTBEAT_SECONDS here, every 10 s on a real kubelet); while none serves, nobody hears them.
But each node's OVN-Kubernetes pod stays connected to the control plane it started with. A
node follows a new control plane (annotation `sandbox.hcp-dr/control-plane`) only once its
OVN pod is deleted and recreated (DaemonSet) while that control plane serves: the guide's
last step, and the "OVN does not reconnect" failure mode when it is skipped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sandbox.controllers.base import Controller
from sandbox.controllers.etcd_kubelet import EtcdClusters, has_quorum
from sandbox.kubeapi.errors import Conflict, Forbidden, NotFound
from sandbox.kubeapi.store import DELETED, ChangeEvent, ObjectStore
from sandbox.scenario.apply import apply_planned
from sandbox.scenario.guest_cluster import OVN_NAMESPACE, ovn_pod

CONTROL_PLANE_ANNOTATION = "sandbox.hcp-dr/control-plane"
HEARTBEAT_SECONDS = 0.5
DEPLOYMENTS = ("apps", "v1", "deployments")
NODES = ("", "v1", "nodes")


@dataclass(frozen=True)
class GuestNode:
    name: str
    ready: bool
    control_plane: str


class ServingControlPlane:
    """Which management cluster serves the hosted cluster's API right now, if any."""

    def __init__(self, hcp_namespace: str, api_hostname: str,
                 clusters: Callable[[], dict[str, ObjectStore]],
                 router_of: Callable[[str], str], etcds: EtcdClusters,
                 dns_target: Callable[[str], str | None]) -> None:
        self.hcp_namespace = hcp_namespace
        self.api_hostname = api_hostname
        self._clusters = clusters
        self._router_of = router_of
        self._etcds = etcds
        self._dns_target = dns_target

    def current(self) -> str | None:
        target = self._dns_target(self.api_hostname)
        for name, store in self._clusters().items():
            if target == self._router_of(name) and self._serves(name, store):
                return name
        return None

    def _serves(self, cluster: str, store: ObjectStore) -> bool:
        try:
            kas = store.get(DEPLOYMENTS, self.hcp_namespace, "kube-apiserver")
        except NotFound:
            return False
        etcd = self._etcds.get(cluster, self.hcp_namespace)
        replicas = int((kas.get("spec") or {}).get("replicas") or 0)
        return replicas > 0 and etcd is not None and has_quorum(etcd)

    def unavailable_reason(self) -> str | None:
        """The guest API server's availability gate."""
        if self.current() is not None:
            return None
        return (f"Application is not available: no control plane serves {self.api_hostname}"
                " (router without a ready backend)")


class OvnNodeController(Controller):
    """The OVN-Kubernetes DaemonSet of the guest, and its nodes' control-plane connection."""

    name = "guest-ovn"

    def __init__(self, store: ObjectStore, serving: ServingControlPlane) -> None:
        super().__init__(store)
        self.serving = serving

    def wants(self, event: ChangeEvent) -> bool:
        return (event.type == DELETED and event.resource_type.plural == "pods"
                and event.object["metadata"].get("namespace") == OVN_NAMESPACE)

    def reconcile(self, event: ChangeEvent) -> None:
        node = (event.object.get("spec") or {}).get("nodeName")
        if not node:
            return
        try:
            self.store.get(NODES, None, node)
        except NotFound:
            return  # the node is gone: the DaemonSet has nothing to run there
        with contextlib.suppress(Forbidden, NotFound):  # namespace terminating or gone
            apply_planned(self.store, [ovn_pod(node)])
        serving = self.serving.current()
        if serving is not None:
            self.store.patch(NODES, None, node, {"metadata": {"annotations": {
                CONTROL_PLANE_ANNOTATION: serving}}})


def guest_nodes(store: ObjectStore) -> list[GuestNode]:
    nodes = []
    for node in store.list(NODES):
        conditions = (node.get("status") or {}).get("conditions") or []
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
        annotations = node["metadata"].get("annotations") or {}
        nodes.append(GuestNode(node["metadata"]["name"], ready,
                               annotations.get(CONTROL_PLANE_ANNOTATION, "")))
    return nodes


def kubelet_heartbeats(store: ObjectStore, serving: ServingControlPlane) -> Callable[[], None]:
    """One round of every node's kubelet reporting itself to the API it reaches (its Ready
    condition's `lastHeartbeatTime`), if a control plane serves the hostname at all."""

    def beat() -> None:
        if serving.current() is None:
            return
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        for node in store.list(NODES):
            conditions = [{**c, "lastHeartbeatTime": now} if c.get("type") == "Ready" else c
                          for c in (node.get("status") or {}).get("conditions") or []]
            status = {**(node.get("status") or {}), "conditions": conditions}
            with contextlib.suppress(Conflict, NotFound):
                store.update_status(NODES, None, node["metadata"]["name"],
                                    {**node, "status": status})

    return beat
