"""Deleting a hosted cluster's objects safely: first stop the controllers that would act on the
deletion (scale_workloads_to_zero), then ask for deletion (from then on nobody can add a
finalizer) and remove the finalizers that are left, so each object goes at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hcp_dr.domain.reconciliation import ENDED_POD_PHASES
from hcp_dr.models.kinds import DEPLOYMENTS, PODS, STATEFULSETS, ApiResource

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi


def delete_unblocked(api: ManagementClusterApi, kind: ApiResource, namespace: str | None,
                     name: str) -> bool:
    """True if the object existed. Namespaces keep their own `spec.finalizers` (the namespace
    controller empties them), only `metadata.finalizers` are removed."""
    if not api.delete_object(kind, namespace, name):
        return False
    current = api.get_object(kind, namespace, name)
    if current is not None and current["metadata"].get("finalizers"):
        api.merge_patch_object(kind, namespace, name, {"metadata": {"finalizers": None}})
    return True


_WORKLOAD_OWNERS = frozenset({"ReplicaSet", "StatefulSet"})


def scale_workloads_to_zero(api: ManagementClusterApi, namespace: str) -> int:
    """Every deployment and statefulset of `namespace` to 0 replicas; returns how many changed.
    In an HCP namespace these are the control plane and the CAPI/CAPA controllers: stopped,
    they cannot act on a deletion (terminate instances, delete cloud resources). Scaling only
    asks: nothing may be deleted until `workload_pods` is empty."""
    scaled = 0
    for kind in (DEPLOYMENTS, STATEFULSETS):
        for workload in api.list_objects(kind, namespace):
            if int((workload.get("spec") or {}).get("replicas") or 0) != 0:
                api.merge_patch_object(kind, namespace, workload["metadata"]["name"],
                                       {"spec": {"replicas": 0}})
                scaled += 1
    return scaled


def workload_pods(api: ManagementClusterApi, namespace: str) -> list[str]:
    """Pods of the namespace's deployments and statefulsets that still run. Until they are
    gone (a grace period of up to 30 s after scaling to 0), CAPA or the control-plane operator
    may still act on a deletion and terminate instances the other management cluster uses."""
    return sorted(pod["metadata"]["name"] for pod in api.list_objects(PODS, namespace)
                  if (pod.get("status") or {}).get("phase") not in ENDED_POD_PHASES
                  and any(owner.get("controller") and owner.get("kind") in _WORKLOAD_OWNERS
                          for owner in pod["metadata"].get("ownerReferences") or []))
