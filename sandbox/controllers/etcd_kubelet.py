"""The StatefulSet controller and kubelet of etcd pods, reduced to what DR depends on.

An `etcd` StatefulSet that appears with no pods behind it (one the simulated HyperShift
operator created) gets its pods: an `EtcdCluster` in the shared PodRuntime, the pod objects,
the init container (the restore, see etcd_init) run inside each pod, then etcd itself; the pod
objects report each step, so a failed restore shows as a pod that is not Ready with the
reason in its condition message. Scaling the StatefulSet to 0 stops etcd (PVs stay) and back
up starts it from its PVs; deleting the StatefulSet or its namespace destroys the pods and PVs.
The source's etcd (built by the scenario before its objects) is registered by the sandbox and
handled the same way once registered.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from typing import Any

from sandbox.controllers.base import Controller
from sandbox.controllers.etcd_init import init_log, run_etcd_init
from sandbox.kubeapi.errors import AlreadyExists, NotFound
from sandbox.kubeapi.store import DELETED, ChangeEvent, ObjectStore
from sandbox.pods.etcd_member import EtcdCluster, EtcdStartFailed
from sandbox.pods.pod_runtime import PodRuntime
from sandbox.scenario.operator_built import (
    ETCD_INIT_CONTAINER,
    RESTORE_URL_ENV,
    etcd_pod_body,
    etcd_pod_failed,
    etcd_pod_initializing,
    etcd_pod_running,
)

PODS = ("", "v1", "pods")
STATEFULSETS = ("apps", "v1", "statefulsets")
ETCD_START_TIMEOUT = 60.0


@dataclass(frozen=True)
class FinalState:
    """An etcd's keys and values when it was last stopped for good (scaled to 0 or destroyed):
    a torn-down source can still be compared with its restored copy."""

    revision: int
    dump: dict[bytes, bytes]


class EtcdClusters:
    """Every hosted control plane's etcd, by (management cluster, HCP namespace)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clusters: dict[tuple[str, str], EtcdCluster] = {}
        self._final: dict[tuple[str, str], FinalState] = {}

    def get(self, cluster: str, namespace: str) -> EtcdCluster | None:
        with self._lock:
            return self._clusters.get((cluster, namespace))

    def add(self, etcd: EtcdCluster) -> None:
        with self._lock:
            self._clusters[(etcd.cluster, etcd.namespace)] = etcd

    def final_state(self, cluster: str, namespace: str) -> FinalState | None:
        with self._lock:
            return self._final.get((cluster, namespace))

    def record_final_state(self, cluster: str, namespace: str) -> None:
        """Keep the keys and values etcd serves now (before it is stopped for good)."""
        etcd = self.get(cluster, namespace)
        if etcd is None or not has_quorum(etcd):
            return
        with contextlib.suppress(Exception), etcd.client() as client:
            revision = client.revision()
            state = FinalState(revision, client.dump(revision))
            with self._lock:
                self._final[(cluster, namespace)] = state

    def destroy(self, cluster: str, namespace: str, *, record: bool = True) -> None:
        """Record the final keys (if etcd still answers), then stop etcd and delete its pods."""
        with self._lock:
            etcd = self._clusters.get((cluster, namespace))
        if etcd is None:
            return
        if record:
            self.record_final_state(cluster, namespace)
        try:
            etcd.destroy()
        finally:  # only now is it gone: etcd_of() never returns None while pods remain
            with self._lock:
                if self._clusters.get((cluster, namespace)) is etcd:
                    del self._clusters[(cluster, namespace)]

    def destroy_all(self) -> None:
        with self._lock:
            keys = list(self._clusters)
        for cluster, namespace in keys:
            self.destroy(cluster, namespace, record=False)  # the sandbox is going away


def has_quorum(etcd: EtcdCluster) -> bool:
    running = sum(member.running for member in etcd.members)
    return running > len(etcd.members) // 2


class EtcdKubelet(Controller):
    """Runs the etcd pods of one management cluster."""

    name = "etcd-kubelet"
    retries = 1  # a failed build is reported on the pods, not retried blindly

    def __init__(self, store: ObjectStore, cluster_name: str, pods: PodRuntime,
                 etcds: EtcdClusters, pod_logs: dict[tuple[str, str], str]) -> None:
        super().__init__(store)
        self.cluster_name = cluster_name
        self.pods = pods
        self.etcds = etcds
        self.pod_logs = pod_logs
        self.name = f"etcd-kubelet-{cluster_name}"
        self._stopping = threading.Event()
        self._scaled_down: set[str] = set()
        self._starting: EtcdCluster | None = None
        self.build_seconds: dict[str, float] = {}

    def stop(self) -> None:
        """Stop now, also in the middle of a restore: the etcd being started is stopped so
        that the thread's wait for it ends at once."""
        self._stopping.set()
        starting = self._starting
        if starting is not None:
            with contextlib.suppress(Exception):
                starting.stop()
        super().stop()

    def wants(self, event: ChangeEvent) -> bool:
        kind = (event.resource_type.group, event.resource_type.plural)
        meta = event.object.get("metadata", {})
        if kind == ("", "namespaces"):
            return event.type == DELETED or bool(meta.get("deletionTimestamp"))
        return kind == ("apps", "statefulsets") and meta.get("name") == "etcd"

    def reconcile(self, event: ChangeEvent) -> None:
        if self._stopping.is_set():
            return
        meta = event.object["metadata"]
        if event.resource_type.plural == "namespaces":
            self._destroy(meta["name"])
            return
        namespace = meta["namespace"]
        if event.type == DELETED or meta.get("deletionTimestamp"):
            self._destroy(namespace)
            return
        replicas = int((event.object.get("spec") or {}).get("replicas") or 0)
        etcd = self.etcds.get(self.cluster_name, namespace)
        if etcd is None:
            if replicas > 0 and not self._has_pods(namespace):
                self._build(event.object)
            return
        if replicas == 0 and any(member.running for member in etcd.members):
            self._scale_down(etcd)
        elif replicas > 0 and namespace in self._scaled_down:
            self._scale_up(etcd, event.object)

    # -- lifecycle of one etcd -------------------------------------------------------------
    def _has_pods(self, namespace: str) -> bool:
        return any(pod.namespace == namespace for pod in self.pods.pods(self.cluster_name))

    def _build(self, statefulset: dict[str, Any]) -> None:
        started = time.perf_counter()
        namespace = statefulset["metadata"]["namespace"]
        members = int(statefulset["spec"]["replicas"])
        url = _restore_url(statefulset)
        etcd = EtcdCluster(self.pods, self.cluster_name, namespace, members)
        self.etcds.add(etcd)
        for index in range(members):
            self._put_pod(etcd_pod_body(statefulset, index), etcd_pod_initializing(bool(url)))
        failed = []
        if url:
            for member in etcd.members:
                if self._stopping.is_set():
                    return
                outcome = run_etcd_init(etcd, member, url, self._stopping)
                self.pod_logs[(namespace, member.name)] = outcome.log
                if not outcome.succeeded:
                    failed.append(member.name)
                    self._set_pod_status(namespace, member.name, etcd_pod_failed(
                        member.pod.ip, ETCD_INIT_CONTAINER, outcome.exit_code, outcome.message))
        if failed:
            # etcd would only wait for the missing peers: the members that did restore never
            # become Ready either.
            for member in etcd.members:
                if member.name not in failed:
                    self._set_pod_status(namespace, member.name, etcd_pod_failed(
                        member.pod.ip, "etcd", 1, f"waiting for peers {', '.join(failed)} "
                        "whose restore failed"))
            self._set_statefulset_status(namespace, members, 0)
            return
        self._start(etcd, statefulset, bool(url))
        self.build_seconds[namespace] = time.perf_counter() - started

    def _start(self, etcd: EtcdCluster, statefulset: dict[str, Any], has_init: bool) -> None:
        namespace = etcd.namespace
        self._starting = etcd
        try:
            if self._stopping.is_set():
                return
            etcd.start(timeout=ETCD_START_TIMEOUT)
        except EtcdStartFailed as failure:
            if self._stopping.is_set():
                return
            message = str(failure).splitlines()[0]
            for member in etcd.members:
                self.pod_logs[(namespace, member.name)] = init_log(member) + member.log_tail(50)
                self._set_pod_status(namespace, member.name,
                                     etcd_pod_failed(member.pod.ip, "etcd", 1, message))
            self._set_statefulset_status(namespace, len(etcd.members), 0)
            return
        finally:
            self._starting = None
        for index, member in enumerate(etcd.members):
            self.pod_logs[(namespace, member.name)] = init_log(member)
            self._put_pod(etcd_pod_body(statefulset, index),
                          etcd_pod_running(member.pod.ip, has_init))
        self._set_statefulset_status(namespace, len(etcd.members), len(etcd.members))

    def _scale_down(self, etcd: EtcdCluster) -> None:
        self.etcds.record_final_state(self.cluster_name, etcd.namespace)
        etcd.stop()
        self._scaled_down.add(etcd.namespace)
        for member in etcd.members:
            with contextlib.suppress(NotFound):
                self.store.delete(PODS, etcd.namespace, member.name)
        self._set_statefulset_status(etcd.namespace, 0, 0)

    def _scale_up(self, etcd: EtcdCluster, statefulset: dict[str, Any]) -> None:
        self._scaled_down.discard(etcd.namespace)
        self._start(etcd, statefulset, bool(_restore_url(statefulset)))

    def _destroy(self, namespace: str) -> None:
        self._scaled_down.discard(namespace)
        etcd = self.etcds.get(self.cluster_name, namespace)
        if etcd is None:
            return
        self.etcds.destroy(self.cluster_name, namespace)
        for member in etcd.members:
            self.pod_logs.pop((namespace, member.name), None)
            with contextlib.suppress(NotFound):
                self.store.delete(PODS, namespace, member.name)

    # -- API writes ------------------------------------------------------------------------
    def _put_pod(self, body: dict[str, Any], status: dict[str, Any]) -> None:
        namespace, name = body["metadata"]["namespace"], body["metadata"]["name"]
        try:
            self.store.create(PODS, namespace, {**body, "status": status}, keep_status=True)
        except AlreadyExists:
            self._set_pod_status(namespace, name, status)
        except NotFound:
            pass  # the namespace went meanwhile

    def _set_pod_status(self, namespace: str, name: str, status: dict[str, Any]) -> None:
        with contextlib.suppress(NotFound):
            current = self.store.get(PODS, namespace, name)
            meta = {k: v for k, v in current["metadata"].items() if k != "resourceVersion"}
            self.store.update_status(PODS, namespace, name,
                                     {**current, "metadata": meta, "status": status})

    def _set_statefulset_status(self, namespace: str, replicas: int, ready: int) -> None:
        with contextlib.suppress(NotFound):
            self.store.patch_status(STATEFULSETS, namespace, "etcd", {"status": {
                "replicas": replicas, "readyReplicas": ready, "currentReplicas": replicas,
                "availableReplicas": ready, "updatedReplicas": replicas}})


def _restore_url(statefulset: dict[str, Any]) -> str | None:
    template = (statefulset.get("spec") or {}).get("template") or {}
    for container in (template.get("spec") or {}).get("initContainers") or []:
        if container.get("name") == ETCD_INIT_CONTAINER:
            for variable in container.get("env") or []:
                if variable.get("name") == RESTORE_URL_ENV:
                    return variable.get("value")
    return None

