"""The deployment and statefulset controllers, reduced to what DR observes: replica status.

When something scales a workload, its status follows (all replicas ready at once), so code
that waits for `readyReplicas` sees the effect of its own scaling as on a real cluster.
A workload annotated `sandbox.hcp-dr/status-from-pods` has real pods behind it (an etcd
StatefulSet restored by the simulated operator): its status follows those pods instead.
"""

from __future__ import annotations

from sandbox.controllers.base import Controller
from sandbox.kubeapi.store import DELETED, ChangeEvent

_WORKLOADS = {("apps", "deployments"), ("apps", "statefulsets")}
STATUS_FROM_PODS = "sandbox.hcp-dr/status-from-pods"


class WorkloadStatusController(Controller):
    name = "workload-status"

    def wants(self, event: ChangeEvent) -> bool:
        kind = (event.resource_type.group, event.resource_type.plural)
        annotations = event.object.get("metadata", {}).get("annotations") or {}
        return kind in _WORKLOADS and event.type != DELETED and STATUS_FROM_PODS not in annotations

    def reconcile(self, event: ChangeEvent) -> None:
        obj = event.object
        desired = int((obj.get("spec") or {}).get("replicas") or 0)
        status = obj.get("status") or {}
        if all(status.get(k) == desired for k in ("replicas", "readyReplicas",
                                                    "availableReplicas")):
            return
        ref = (event.resource_type.group, event.resource_type.version,
               event.resource_type.plural)
        meta = obj["metadata"]
        self.store.patch_status(ref, meta.get("namespace"), meta["name"], {"status": {
            "replicas": desired, "readyReplicas": desired, "availableReplicas": desired,
            "updatedReplicas": desired, "observedGeneration": meta.get("generation", 1),
        }})
