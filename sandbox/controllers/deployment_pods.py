"""The ReplicaSet controller and the kubelet, reduced to what DR waits for: a Deployment's pods.

A Deployment has `spec.replicas` Running pods labelled from its template. Scaling it down
deletes pods, and a deleted pod stays (Terminating, `deletionTimestamp` set) for the
`shutdown_seconds` its containers take to stop, as a kube-apiserver serves through its graceful
shutdown; only then is it gone. The Deployment's status says 0 at once (the workload-status
controller), so code that must know the writers have stopped has to look at the pods, as on a
real cluster. The sandbox holds a deleted pod with a finalizer of its own, which it removes when
the shutdown is over; a pod deleted with its namespace goes the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from typing import Any

from sandbox.controllers.base import Controller
from sandbox.controllers.workload_status import STATUS_FROM_PODS
from sandbox.kubeapi.errors import Forbidden, NotFound
from sandbox.kubeapi.store import ADDED, DELETED, ChangeEvent, ObjectStore, now_rfc3339

DEPLOYMENTS = ("apps", "v1", "deployments")
PODS = ("", "v1", "pods")
SHUTDOWN_FINALIZER = "sandbox.hcp-dr/container-shutdown"
TEMPLATE_HASH = "pod-template-hash"


class DeploymentPodsController(Controller):
    name = "deployment-pods"

    def __init__(self, store: ObjectStore, node_name: str, shutdown_seconds: float) -> None:
        super().__init__(store)
        self.node_name = node_name
        self.shutdown_seconds = shutdown_seconds
        self._shutting_down: dict[tuple[str, str], threading.Timer] = {}
        self._lock = threading.Lock()

    def start(self) -> DeploymentPodsController:
        """Begin with the Deployments created before this controller subscribed."""
        deployments = self.store.resolve(DEPLOYMENTS)
        for deployment in self.store.list(DEPLOYMENTS):
            self.requeue(ChangeEvent(ADDED, deployments, deployment))
        super().start()
        return self

    def stop(self) -> None:
        super().stop()
        with self._lock:
            timers, self._shutting_down = list(self._shutting_down.values()), {}
        for timer in timers:
            timer.cancel()

    def wants(self, event: ChangeEvent) -> bool:
        kind = (event.resource_type.group, event.resource_type.plural)
        meta = event.object.get("metadata", {})
        if kind == ("", "pods"):
            return SHUTDOWN_FINALIZER in (meta.get("finalizers") or []) and bool(
                meta.get("deletionTimestamp"))
        return kind == ("apps", "deployments") and STATUS_FROM_PODS not in (
            meta.get("annotations") or {})

    def reconcile(self, event: ChangeEvent) -> None:
        meta = event.object["metadata"]
        if event.resource_type.plural == "pods":
            self._shut_down(meta["namespace"], meta["name"])
            return
        # As a ReplicaSet controller works from its latest cache, not from the event: a backlog
        # of "scale to 0, scale back" must not delete and recreate pods for nothing.
        current = None if event.type == DELETED else self._current(meta["namespace"],
                                                                   meta["name"])
        deployment = current or event.object
        pods = self._pods_of(deployment)
        if current is None or current["metadata"].get("deletionTimestamp"):
            desired = 0  # the garbage collector's part: a deleted Deployment's pods go
        else:
            desired = int((current.get("spec") or {}).get("replicas") or 0)
        running = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        for pod in sorted(running, key=lambda p: p["metadata"]["creationTimestamp"])[desired:]:
            self._delete(meta["namespace"], pod["metadata"]["name"])
        for _ in range(desired - len(running)):
            self._create(deployment)

    def _current(self, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            return self.store.get(DEPLOYMENTS, namespace, name)
        except NotFound:
            return None

    def _pods_of(self, deployment: dict[str, Any]) -> list[dict[str, Any]]:
        meta = deployment["metadata"]
        selector = f"{TEMPLATE_HASH}={_template_hash(deployment)}"
        return self.store.list(PODS, meta["namespace"], label_selector=selector)

    def _create(self, deployment: dict[str, Any]) -> None:
        meta = deployment["metadata"]
        template = (deployment.get("spec") or {}).get("template") or {}
        template_hash = _template_hash(deployment)
        labels = {**((template.get("metadata") or {}).get("labels") or {}),
                  TEMPLATE_HASH: template_hash}
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {
            "generateName": f"{meta['name']}-{template_hash}-", "namespace": meta["namespace"],
            "labels": labels, "finalizers": [SHUTDOWN_FINALIZER],
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                 "name": f"{meta['name']}-{template_hash}",
                                 "uid": meta.get("uid", ""), "controller": True}]},
            "spec": {**(template.get("spec") or {}), "nodeName": self.node_name},
            "status": {"phase": "Running", "startTime": now_rfc3339(),
                       "conditions": [{"type": "Ready", "status": "True"}]}}
        with contextlib.suppress(Forbidden, NotFound):  # its namespace is going or gone
            self.store.create(PODS, meta["namespace"], pod, keep_status=True)

    def _delete(self, namespace: str, name: str) -> None:
        with contextlib.suppress(NotFound):
            self.store.delete(PODS, namespace, name)

    def _shut_down(self, namespace: str, name: str) -> None:
        """Once per pod: its containers stop after `shutdown_seconds`, then it is gone."""
        with self._lock:
            if (namespace, name) in self._shutting_down:
                return
            timer = threading.Timer(self.shutdown_seconds, self._gone, (namespace, name))
            timer.daemon = True
            self._shutting_down[(namespace, name)] = timer
        timer.start()

    def _gone(self, namespace: str, name: str) -> None:
        """Our finalizer off (only ours: whatever else holds the pod keeps holding it)."""
        try:
            pod = self.store.get(PODS, namespace, name)
            kept = [f for f in pod["metadata"].get("finalizers") or []
                    if f != SHUTDOWN_FINALIZER]
            self.store.patch(PODS, namespace, name, {"metadata": {"finalizers": kept or None}})
        except NotFound:
            pass
        except Exception as exc:  # a timer thread: record it where the fixtures look
            self.errors.append(f"{self.name}: {type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._shutting_down.pop((namespace, name), None)


def _template_hash(deployment: dict[str, Any]) -> str:
    """Stable per Deployment object (its uid), as a ReplicaSet's hash is per template."""
    meta = deployment["metadata"]
    seed = meta.get("uid") or f"{meta['namespace']}/{meta['name']}"
    return hashlib.sha256(seed.encode()).hexdigest()[:10]
