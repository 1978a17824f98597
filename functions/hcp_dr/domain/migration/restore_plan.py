"""What is created on the destination, in which order and in which shape (guide 4.2 step 7).

Pure functions over the backed-up bodies. Order: namespaces; HC-namespace secrets;
HCP-namespace secrets, HostedControlPlane, Cluster, AWSCluster, AWSMachineTemplate,
AWSMachines, MachineDeployments, Machines, MachineSets; then the HostedCluster with exactly one
restoreSnapshotURL and without pausedUntil; then the NodePools. Server-owned metadata, status
and our own bookkeeping annotations are dropped; every object gets the migration label.

The HostedControlPlane is created unpaused and with the HC's restoreSnapshotURL too: the
destination operator copies the HC's `spec.etcd.managed` and `pausedUntil` onto it, and the
HCP CRD (HyperShift main) refuses, like the HC's, a restoreSnapshotURL added to an existing
object. Created without it, the HCP could never be reconciled and etcd never restored.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from hcp_dr.domain.migration.identity import (
    MIGRATION_LABEL,
    PAUSED_AT_ANNOTATION,
    PAUSED_BY_ANNOTATION,
)
from hcp_dr.domain.reconciliation import QUIESCE_ANNOTATION
from hcp_dr.models.cluster import HostedClusterRef
from hcp_dr.models.kinds import (
    AWS_CLUSTERS,
    AWS_MACHINE_TEMPLATES,
    AWS_MACHINES,
    CAPI_CLUSTERS,
    HOSTED_CLUSTERS,
    HOSTED_CONTROL_PLANES,
    MACHINE_DEPLOYMENTS,
    MACHINE_SETS,
    MACHINES,
    NAMESPACES,
    NODE_POOLS,
    SECRETS,
    ApiResource,
)

# Written by the API server (or by a controller for the old home), never by a client.
SERVER_METADATA = ("ownerReferences", "creationTimestamp", "resourceVersion", "uid",
                   "managedFields", "generation", "deletionTimestamp",
                   "deletionGracePeriodSeconds", "finalizers", "selfLink")
OUR_ANNOTATIONS = (QUIESCE_ANNOTATION, PAUSED_BY_ANNOTATION, PAUSED_AT_ANNOTATION)

# Restore order after the namespaces and the HC-namespace secrets (guide step 7).
HCP_NAMESPACE_ORDER: tuple[ApiResource, ...] = (
    SECRETS, HOSTED_CONTROL_PLANES, CAPI_CLUSTERS, AWS_CLUSTERS, AWS_MACHINE_TEMPLATES,
    AWS_MACHINES, MACHINE_DEPLOYMENTS, MACHINES, MACHINE_SETS,
)


@dataclass(frozen=True)
class PlannedCreate:
    """One object to create on the destination (`namespace` None: cluster-scoped)."""

    kind: ApiResource
    namespace: str | None
    body: dict = field(repr=False)

    @property
    def name(self) -> str:
        return self.body["metadata"]["name"]


def restorable(body: dict, migration_id: str) -> dict:
    """A copy fit for creating elsewhere: no status or server metadata, our label added."""
    kept = copy.deepcopy(body)
    kept.pop("status", None)
    meta = kept.setdefault("metadata", {})
    for key in SERVER_METADATA:
        meta.pop(key, None)
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                   if k not in OUR_ANNOTATIONS}
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    meta["labels"] = {**(meta.get("labels") or {}), MIGRATION_LABEL: migration_id}
    return kept


def restoring_from(body: dict, migration_id: str, restore_url: str) -> dict:
    """An HC or HCP as the destination must first see it: unpaused, restoring etcd from one
    URL (both CRDs take it only at creation)."""
    restored = restorable(body, migration_id)
    spec = restored.setdefault("spec", {})
    spec.pop("pausedUntil", None)
    storage = spec.setdefault("etcd", {}).setdefault("managed", {}).setdefault("storage", {})
    storage["restoreSnapshotURL"] = [restore_url]
    return restored


def restore_url_in(body: dict | None) -> str | None:
    """The restoreSnapshotURL an HC or HCP was created with, if any."""
    storage = (((body or {}).get("spec") or {}).get("etcd") or {}).get("managed") or {}
    urls = (storage.get("storage") or {}).get("restoreSnapshotURL") or []
    return urls[0] if urls else None


def nodepool_for_destination(body: dict, migration_id: str) -> dict:
    """NodePools: annotations dropped entirely (guide), unpaused."""
    nodepool = restorable(body, migration_id)
    nodepool["metadata"].pop("annotations", None)
    (nodepool.get("spec") or {}).pop("pausedUntil", None)
    return nodepool


def namespace_body(name: str, migration_id: str, labels: dict | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {**(labels or {}), MIGRATION_LABEL: migration_id}}}


def restore_plan(objects: list[tuple[str, dict]], ref: HostedClusterRef, migration_id: str,
                 restore_url: str, *, hosted_cluster_exists: bool = False) -> list[PlannedCreate]:
    """Order and shape the backed-up `(plural, body)` pairs for the destination.

    With `hosted_cluster_exists` (a rerun) the HC is left out of the plan.
    """
    by_kind: dict[str, list[dict]] = {}
    for plural, body in objects:
        by_kind.setdefault(plural, []).append(body)
    for bodies in by_kind.values():
        bodies.sort(key=lambda b: b["metadata"]["name"])

    def in_namespace(plural: str, namespace: str) -> list[dict]:
        return [b for b in by_kind.get(plural, []) if b["metadata"].get("namespace") == namespace]

    plan = [PlannedCreate(NAMESPACES, None, namespace_body(ns, migration_id))
            for ns in (ref.namespace, ref.hcp_namespace)]
    plan += [PlannedCreate(SECRETS, ref.namespace, restorable(b, migration_id))
             for b in in_namespace("secrets", ref.namespace)]
    for kind in HCP_NAMESPACE_ORDER:
        plan += [PlannedCreate(kind, ref.hcp_namespace,
                               restoring_from(b, migration_id, restore_url)
                               if kind == HOSTED_CONTROL_PLANES else restorable(b, migration_id))
                 for b in in_namespace(kind.plural, ref.hcp_namespace)]
    if not hosted_cluster_exists:
        plan += [PlannedCreate(HOSTED_CLUSTERS, ref.namespace,
                               restoring_from(b, migration_id, restore_url))
                 for b in in_namespace("hostedclusters", ref.namespace)
                 if b["metadata"]["name"] == ref.name]
    plan += [PlannedCreate(NODE_POOLS, ref.namespace, nodepool_for_destination(b, migration_id))
             for b in in_namespace("nodepools", ref.namespace)
             if (b.get("spec") or {}).get("clusterName") == ref.name]
    return plan
