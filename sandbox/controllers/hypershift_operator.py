"""The HyperShift operator of one management cluster, reduced to what migration depends on.

It runs only while deployment `hypershift/operator` has replicas > 0 (scaling it to 0 is how
the guide stops it; scaling it back resyncs everything it missed) and while it is not
"crash-looping" (a failure knob: events are dropped, as by a pod in CrashLoopBackOff, until
it is "restarted"). Like the real one it reconciles asynchronously, after the API write:

- HostedClusters, NodePools and HostedControlPlanes get `hypershift.openshift.io/finalizer`;
  paused ones (`spec.pausedUntil: "true"`) are left alone; deleting ones are cleaned up
  (NodePools and the HCP namespace) before their finalizer goes;
- an unpaused HostedCluster's managed etcd spec and `pausedUntil` are copied onto its existing
  HostedControlPlane, as upstream does on every reconcile; an update the HCP CRD refuses (on
  HyperShift main, a restoreSnapshotURL added to an HCP created without one) stops the
  reconcile there: the HC reports the refusal and never becomes Available;
- a HostedCluster with `spec.etcd.managed.storage.restoreSnapshotURL` whose HCP namespace has
  no control plane gets one: the HostedControlPlane if the migration did not restore it, the
  control-plane deployments (counts per `controllerAvailabilityPolicy`), the etcd StatefulSet
  whose pods carry the restore init container (the etcd kubelet runs them), a Route per
  Route-published service (ExternalDNS publishes them), the admin kubeconfig if missing;
- for the control planes it built, HC, HCP and NodePool status follow the etcd pods and
  kube-apiserver: `Available=True` only once every etcd member is Ready.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from sandbox.controllers.base import Controller
from sandbox.kubeapi.errors import AlreadyExists, Conflict, Invalid, NotFound
from sandbox.kubeapi.store import DELETED, ChangeEvent, ObjectStore
from sandbox.scenario.apply import apply_planned
from sandbox.scenario.hosted_cluster import PlannedObject, _secret
from sandbox.scenario.management_cluster import OPERATOR_NAMESPACE
from sandbox.scenario.operator_built import (
    BUILT_BY,
    FINALIZER,
    control_plane_deployments,
    control_plane_spec_from,
    etcd_members_of,
    etcd_statefulset,
    hcp_namespace_of,
    hosted_cluster_status,
    hosted_control_plane,
    hosted_control_plane_status,
    is_paused,
    nodepool_status,
    restore_url_of,
    route,
    route_published_services,
)

HC = ("hypershift.openshift.io", "v1beta1", "hostedclusters")
NODEPOOLS = ("hypershift.openshift.io", "v1beta1", "nodepools")
HCP = ("hypershift.openshift.io", "v1beta1", "hostedcontrolplanes")
DEPLOYMENTS = ("apps", "v1", "deployments")
STATEFULSETS = ("apps", "v1", "statefulsets")
NAMESPACES = ("", "v1", "namespaces")
PODS = ("", "v1", "pods")
SECRETS = ("", "v1", "secrets")
OPERATOR_DEPLOYMENT = "operator"
_HC_KIND, _NODEPOOL_KIND, _HCP_KIND = ((g, p) for g, _, p in (HC, NODEPOOLS, HCP))
# Returns the guest kubeconfig of a hosted cluster (namespace, name) when the sandbox runs it.
GuestKubeconfig = Callable[[str, str], str | None]
_RESYNC = object()
_WRITE_ATTEMPTS = 5


class HyperShiftOperator(Controller):
    name = "hypershift-operator"

    def __init__(self, store: ObjectStore, cluster_name: str,
                 guest_kubeconfig: GuestKubeconfig | None = None) -> None:
        super().__init__(store)
        self.cluster_name = cluster_name
        self.name = f"hypershift-operator-{cluster_name}"
        self._guest_kubeconfig = guest_kubeconfig
        self._active = False
        self._crashlooping = False
        self._lock = threading.Lock()
        self.reconciled = 0  # how many objects it acted on: tests prove it stayed idle
        self._queue.put_nowait(_RESYNC)  # first sync: whatever exists before it started

    # -- knobs -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        with self._lock:
            return self._active and not self._crashlooping

    @property
    def crashlooping(self) -> bool:
        return self._crashlooping

    @crashlooping.setter
    def crashlooping(self, value: bool) -> None:
        """While True every event is dropped; back to False is a pod restart: full resync."""
        with self._lock:
            self._crashlooping = value
        if not value:
            self._queue.put_nowait(_RESYNC)

    # -- event routing ---------------------------------------------------------------------
    def wants(self, event: ChangeEvent) -> bool:
        if event is _RESYNC:
            return True
        kind = (event.resource_type.group, event.resource_type.plural)
        meta = event.object.get("metadata", {})
        if kind in {_HC_KIND, _NODEPOOL_KIND, _HCP_KIND}:
            return True
        if kind == ("apps", "deployments"):
            return (meta.get("namespace"), meta.get("name")) == (
                OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT) or meta.get("name") == "kube-apiserver"
        return kind == ("", "pods") and (meta.get("labels") or {}).get("app") == "etcd"

    def reconcile(self, event: ChangeEvent) -> None:
        if event is _RESYNC:
            operator = self._get(DEPLOYMENTS, OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT) or {}
            with self._lock:
                self._active = int((operator.get("spec") or {}).get("replicas") or 0) > 0
            if self.running:
                self._resync()
            return
        kind = (event.resource_type.group, event.resource_type.plural)
        meta = event.object["metadata"]
        namespace, name = meta.get("namespace", ""), meta["name"]
        if kind == ("apps", "deployments") and namespace == OPERATOR_NAMESPACE:
            self._operator_scaled(event)
            return
        if not self.running:
            return
        if kind == _HC_KIND:
            self._reconcile_hosted_cluster(namespace, name)
        elif kind == _NODEPOOL_KIND:
            self._reconcile_nodepool(namespace, name)
        elif kind == _HCP_KIND:
            self._reconcile_hosted_control_plane(namespace, name)
        else:  # an etcd pod or kube-apiserver changed: the owning HC's status may change
            hc = self._hosted_cluster_of(namespace)
            if hc is not None:
                self._reconcile_hosted_cluster(hc["metadata"]["namespace"], hc["metadata"]["name"])

    def _operator_scaled(self, event: ChangeEvent) -> None:
        replicas = 0 if event.type == DELETED else int(
            (event.object.get("spec") or {}).get("replicas") or 0)
        with self._lock:
            was, self._active = self._active, replicas > 0
        if self._active and not was and self.running:
            self._resync()

    def _resync(self) -> None:
        for ref, reconcile in ((HCP, self._reconcile_hosted_control_plane),
                               (NODEPOOLS, self._reconcile_nodepool),
                               (HC, self._reconcile_hosted_cluster)):
            for obj in self.store.list(ref):
                reconcile(obj["metadata"]["namespace"], obj["metadata"]["name"])

    # -- HostedCluster ---------------------------------------------------------------------
    def _reconcile_hosted_cluster(self, namespace: str, name: str) -> None:
        hc = self._get(HC, namespace, name)
        if hc is None or is_paused(hc):
            return
        self.reconciled += 1
        if hc["metadata"].get("deletionTimestamp"):
            self._delete_hosted_cluster(hc)
            return
        hc = self._ensure_finalizer(HC, hc)
        if hc is None:
            return
        refusal = self._copy_spec_to_control_plane(hc)
        if refusal is not None:
            self._write_status(HC, hc, lambda current: hosted_cluster_status(
                current, available=False, reason="ReconciliationError", message=refusal,
                kubeconfig_secret=None))
            return
        hcp_namespace = hcp_namespace_of(hc)
        url = restore_url_of(hc)
        if url and self._get(STATEFULSETS, hcp_namespace, "etcd") is None:
            self._build_control_plane(hc, url)
        etcd = self._get(STATEFULSETS, hcp_namespace, "etcd")
        if etcd is not None and BUILT_BY in (etcd["metadata"].get("annotations") or {}):
            self._report(hc)

    def _copy_spec_to_control_plane(self, hc: dict[str, Any]) -> str | None:
        """Copy the HC's etcd spec and pause onto its HCP; the API server's refusal, if any."""
        namespace, name = hcp_namespace_of(hc), hc["metadata"]["name"]
        for _ in range(_WRITE_ATTEMPTS):
            hcp = self._get(HCP, namespace, name)
            updated = control_plane_spec_from(hc, hcp) if hcp is not None else None
            if updated is None:
                return None
            try:
                self.store.replace(HCP, namespace, name, updated)
                return None
            except Invalid as refused:
                return str(refused)
            except (Conflict, NotFound):
                continue
        return None

    def _build_control_plane(self, hc: dict[str, Any], url: str) -> None:
        """What the operator and the control-plane operator create for a restored HC."""
        namespace = hcp_namespace_of(hc)
        if self._get(NAMESPACES, None, namespace) is None:
            self._create(PlannedObject("", "v1", "namespaces", None, {
                "apiVersion": "v1", "kind": "Namespace", "metadata": {
                    "name": namespace,
                    "labels": {"hypershift.openshift.io/hosted-control-plane": "true"}}}))
        if self._get(HCP, namespace, hc["metadata"]["name"]) is None:
            self._create(hosted_control_plane(hc))
        members = etcd_members_of(hc)
        for deployment in control_plane_deployments(namespace, members):
            self._create(deployment)
        for service, hostname in route_published_services(hc).items():
            self._create(route(namespace, service, hostname))
        self._ensure_admin_kubeconfig(hc)
        self._create(etcd_statefulset(namespace, members, url))

    def _ensure_admin_kubeconfig(self, hc: dict[str, Any]) -> None:
        meta = hc["metadata"]
        secret = f"{meta['name']}-admin-kubeconfig"
        if self._guest_kubeconfig is None or self._get(SECRETS, meta["namespace"], secret):
            return
        kubeconfig = self._guest_kubeconfig(meta["namespace"], meta["name"])
        if kubeconfig:
            self._create(_secret(secret, meta["namespace"], {"kubeconfig": kubeconfig.encode()}))

    def _report(self, hc: dict[str, Any]) -> None:
        """HC, HCP and NodePool status from what actually runs."""
        namespace = hcp_namespace_of(hc)
        members = etcd_members_of(hc)
        pods = self.store.list(PODS, namespace, label_selector="app=etcd")
        ready = [p for p in pods if _condition(p, "Ready").get("status") == "True"]
        problems = [f"{p['metadata']['name']}: {_condition(p, 'Ready').get('message')}"
                    for p in pods if p not in ready and _condition(p, "Ready").get("message")]
        kas = self._get(DEPLOYMENTS, namespace, "kube-apiserver") or {}
        kas_ready = int((kas.get("status") or {}).get("readyReplicas") or 0)
        available = len(ready) >= members and kas_ready > 0
        if available:
            reason, message = "AsExpected", "The hosted control plane is available"
        elif len(ready) < members:
            reason = "EtcdUnavailable" if problems else "WaitingForEtcd"
            message = "; ".join(problems) or f"{len(ready)} of {members} etcd members Ready"
        else:
            reason, message = "KubeAPIServerUnavailable", "kube-apiserver has no ready replica"
        meta = hc["metadata"]
        secret = f"{meta['name']}-admin-kubeconfig"
        has_secret = self._get(SECRETS, meta["namespace"], secret) is not None
        self._write_status(HC, hc, lambda current: hosted_cluster_status(
            current, available=available, reason=reason, message=message,
            kubeconfig_secret=secret if has_secret else None))
        api_host = route_published_services(hc).get("APIServer")
        hcp = self._get(HCP, namespace, meta["name"])
        if hcp is not None and not is_paused(hcp):
            self._write_status(HCP, hcp, lambda current: hosted_control_plane_status(
                current, available=available, reason=reason, message=message,
                api_host=api_host))
        for nodepool in self.store.list(NODEPOOLS, meta["namespace"]):
            if (nodepool.get("spec") or {}).get("clusterName") == meta["name"] and not (
                    is_paused(nodepool) or nodepool["metadata"].get("deletionTimestamp")):
                self._write_status(NODEPOOLS, nodepool, lambda current: nodepool_status(
                    current, ready=available, message=message))

    def _delete_hosted_cluster(self, hc: dict[str, Any]) -> None:
        """HyperShift's cleanup: NodePools and the control plane go before the HC may."""
        meta = hc["metadata"]
        if FINALIZER not in (meta.get("finalizers") or []):
            return
        for nodepool in self.store.list(NODEPOOLS, meta["namespace"]):
            if (nodepool.get("spec") or {}).get("clusterName") == meta["name"]:
                with contextlib.suppress(NotFound):
                    self.store.delete(NODEPOOLS, meta["namespace"], nodepool["metadata"]["name"])
        with contextlib.suppress(NotFound):
            self.store.delete(NAMESPACES, None, hcp_namespace_of(hc))
        self._remove_finalizer(HC, hc)

    # -- NodePool and HostedControlPlane ---------------------------------------------------
    def _reconcile_nodepool(self, namespace: str, name: str) -> None:
        nodepool = self._get(NODEPOOLS, namespace, name)
        if nodepool is None or is_paused(nodepool):
            return
        self.reconciled += 1
        if nodepool["metadata"].get("deletionTimestamp"):
            self._remove_finalizer(NODEPOOLS, nodepool)
            return
        if self._ensure_finalizer(NODEPOOLS, nodepool) is None:
            return
        cluster = (nodepool.get("spec") or {}).get("clusterName")
        if cluster:
            hc = self._get(HC, namespace, cluster)
            etcd = hc and self._get(STATEFULSETS, hcp_namespace_of(hc), "etcd")
            if hc and etcd and BUILT_BY in (etcd["metadata"].get("annotations") or {}) and not (
                    is_paused(hc) or hc["metadata"].get("deletionTimestamp")):
                self._report(hc)

    def _reconcile_hosted_control_plane(self, namespace: str, name: str) -> None:
        hcp = self._get(HCP, namespace, name)
        if hcp is None or is_paused(hcp):
            return
        self.reconciled += 1
        if hcp["metadata"].get("deletionTimestamp"):
            self._remove_finalizer(HCP, hcp)
            return
        self._ensure_finalizer(HCP, hcp)

    def _hosted_cluster_of(self, hcp_namespace: str) -> dict[str, Any] | None:
        for hc in self.store.list(HC):
            if hcp_namespace_of(hc) == hcp_namespace:
                return hc
        return None

    # -- writes, with optimistic concurrency as a real controller does ----------------------
    def _get(self, ref: tuple[str, str, str], namespace: str | None,
             name: str) -> dict[str, Any] | None:
        try:
            return self.store.get(ref, namespace, name)
        except NotFound:
            return None

    def _create(self, planned: PlannedObject) -> None:
        with contextlib.suppress(AlreadyExists):
            apply_planned(self.store, [planned])

    def _ensure_finalizer(self, ref: tuple[str, str, str],
                          obj: dict[str, Any]) -> dict[str, Any] | None:
        def add(current: dict[str, Any]) -> dict[str, Any] | None:
            finalizers = current["metadata"].get("finalizers") or []
            if FINALIZER in finalizers or current["metadata"].get("deletionTimestamp"):
                return None
            current["metadata"]["finalizers"] = [*finalizers, FINALIZER]
            return current

        return self._update(ref, obj, add)

    def _remove_finalizer(self, ref: tuple[str, str, str], obj: dict[str, Any]) -> None:
        def remove(current: dict[str, Any]) -> dict[str, Any] | None:
            finalizers = current["metadata"].get("finalizers") or []
            if FINALIZER not in finalizers:
                return None
            current["metadata"]["finalizers"] = [f for f in finalizers if f != FINALIZER]
            return current

        self._update(ref, obj, remove)

    def _update(self, ref: tuple[str, str, str], obj: dict[str, Any],
                change: Callable[[dict[str, Any]], dict[str, Any] | None]
                ) -> dict[str, Any] | None:
        """Apply `change` with the object's resourceVersion; on a conflict read and retry.
        Returns the object as stored, None if it is gone."""
        meta = obj["metadata"]
        current: dict[str, Any] | None = obj
        for _ in range(_WRITE_ATTEMPTS):
            if current is None:
                return None
            changed = change(current)
            if changed is None:
                return current
            try:
                return self.store.replace(ref, meta.get("namespace"), meta["name"], changed)
            except (Conflict, Invalid):
                current = self._get(ref, meta.get("namespace"), meta["name"])
            except NotFound:
                return None
        return current

    def _write_status(self, ref: tuple[str, str, str], obj: dict[str, Any],
                      status_of: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        meta = obj["metadata"]
        current: dict[str, Any] | None = obj
        for _ in range(_WRITE_ATTEMPTS):
            if current is None:
                return
            status = status_of(current)
            if status == current.get("status"):
                return
            try:
                self.store.update_status(ref, meta.get("namespace"), meta["name"],
                                         {**current, "status": status})
                return
            except Conflict:
                current = self._get(ref, meta.get("namespace"), meta["name"])
            except NotFound:
                return


def _condition(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == kind:
            return condition
    return {}
