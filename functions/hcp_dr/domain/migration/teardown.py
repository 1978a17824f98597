"""Stage 9: tear down the source (DOMAIN step 9), and bring its operator back.

The HyperShift operator is scaled to 0 first, its replica count written to an annotation on its
deployment BEFORE scaling (so a retry never records its own 0), then every deployment and
statefulset of the HCP namespace goes to 0, finalizers are removed and the NodePools, Machines,
MachineSets, Cluster, AWSMachines, HostedControlPlane, HCP namespace and HC deleted.
`restore_source_operator` scales the operator back to the recorded count, also on failure.
Scaling the operator affects every HC of that management cluster, hence the operator lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hcp_dr.domain.cluster_objects import hosted_cluster_secrets
from hcp_dr.domain.migration.deletion import (
    delete_unblocked,
    scale_workloads_to_zero,
    workload_pods,
)
from hcp_dr.domain.migration.identity import (
    OPERATOR_DEPLOYMENT,
    OPERATOR_NAMESPACE,
    OPERATOR_REPLICAS_ANNOTATION,
)
from hcp_dr.domain.migration.preflight import nodepools_of
from hcp_dr.domain.reconciliation import STUCK_POD_HINT, pods_still_running
from hcp_dr.errors import KubernetesRequestRejected, SourceTeardownPending
from hcp_dr.models.kinds import (
    DEPLOYMENTS,
    HCP_NAMESPACE_CAPI_KINDS,
    HOSTED_CLUSTERS,
    NAMESPACES,
    NODE_POOLS,
    SECRETS,
    ApiResource,
)
from hcp_dr.models.migration import MigrationState

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

SAFE_TO_DELETE_LABEL = "hypershift.openshift.io/safe-to-delete-with-cluster"


def _operator(api: ManagementClusterApi) -> dict | None:
    return api.get_object(DEPLOYMENTS, OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT)


def recorded_operator_replicas(deployment: dict | None) -> int | None:
    raw = (((deployment or {}).get("metadata") or {}).get("annotations") or {}).get(
        OPERATOR_REPLICAS_ANNOTATION)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        raise KubernetesRequestRejected(
            f"annotation {OPERATOR_REPLICAS_ANNOTATION} is not a replica count") from None


def scale_operator_down(api: ManagementClusterApi) -> int | None:
    """Record, then scale to 0; returns the recorded count (None: no operator deployment)."""
    deployment = _operator(api)
    if deployment is None:
        return None
    recorded = recorded_operator_replicas(deployment)
    if recorded is None:
        recorded = int((deployment.get("spec") or {}).get("replicas") or 0)
        api.merge_patch_object(DEPLOYMENTS, OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT, {
            "metadata": {"annotations": {OPERATOR_REPLICAS_ANNOTATION: str(recorded)}}})
    api.scale_deployment(OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT, 0)
    return recorded


def restore_source_operator(api: ManagementClusterApi) -> int | None:
    """Back to the recorded count and forget it; None when nothing was recorded."""
    recorded = recorded_operator_replicas(_operator(api))
    if recorded is None:
        return None
    api.scale_deployment(OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT, recorded)
    api.merge_patch_object(DEPLOYMENTS, OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT, {
        "metadata": {"annotations": {OPERATOR_REPLICAS_ANNOTATION: None}}})
    return recorded


def _finalize_and_delete(api: ManagementClusterApi, kind: ApiResource,
                         namespace: str, obj: dict) -> None:
    delete_unblocked(api, kind, namespace, obj["metadata"]["name"])


def _strip_leftover_finalizers(api: ManagementClusterApi, namespace: str) -> None:
    """Whatever still holds the terminating HCP namespace open (DOMAIN: finalizers block it)."""
    for kind in api.namespaced_kinds():
        for obj in api.list_objects(kind, namespace):
            if obj["metadata"].get("finalizers"):
                api.merge_patch_object(kind, namespace, obj["metadata"]["name"],
                                       {"metadata": {"finalizers": None}})


def teardown_source(api: ManagementClusterApi, state: MigrationState) -> dict:
    ref = state.request.source_ref
    operator_replicas = scale_operator_down(api)
    hcp_namespace = ref.hcp_namespace
    scaled = scale_workloads_to_zero(api, hcp_namespace)
    # The source's terminating operator could still act on the deletions below (as its CAPA
    # could): wait until no pod of either is left.
    stopping = (pods_still_running(api, OPERATOR_NAMESPACE, (OPERATOR_DEPLOYMENT,))
                + workload_pods(api, hcp_namespace))
    if stopping:
        raise SourceTeardownPending(
            f"{len(stopping)} pods of the source's operator or control plane still stopping: "
            f"{', '.join(stopping[:10])}; {STUCK_POD_HINT}")
    deleted: dict[str, int] = {}
    nodepools = nodepools_of(api, ref.namespace, ref.name)
    for nodepool in nodepools:
        _finalize_and_delete(api, NODE_POOLS, ref.namespace, nodepool)
    deleted[NODE_POOLS.plural] = len(nodepools)
    for kind in HCP_NAMESPACE_CAPI_KINDS:
        found = api.list_objects(kind, hcp_namespace)
        for obj in found:
            _finalize_and_delete(api, kind, hcp_namespace, obj)
        deleted[kind.plural] = len(found)
    if api.delete_object(NAMESPACES, None, hcp_namespace):
        _strip_leftover_finalizers(api, hcp_namespace)
    hc = api.get_custom(HOSTED_CLUSTERS, ref.namespace, ref.name)
    if hc is not None:
        _finalize_and_delete(api, HOSTED_CLUSTERS, ref.namespace, hc)
        deleted[HOSTED_CLUSTERS.plural] = 1
    # What goes with the HC on a live cluster: its secrets marked safe to delete (the operator
    # deletes them) and those it owns (the garbage collector does, e.g. the admin kubeconfig).
    secrets = [s for s in hosted_cluster_secrets(api, ref)
               if _safe_to_delete(s) or _owned_by_hosted_cluster(s, ref.name)]
    for secret in secrets:
        api.delete_object(SECRETS, ref.namespace, secret["metadata"]["name"])
    deleted[SECRETS.plural] = len(secrets)
    left = remaining_on_source(api, state)
    if left:
        raise SourceTeardownPending(f"still on {ref.management_cluster}: {', '.join(left)}")
    return {"operator_replicas": operator_replicas, "scaled_to_zero": scaled, "deleted": deleted}


def _safe_to_delete(secret: dict) -> bool:
    return ((secret["metadata"].get("labels") or {}).get(SAFE_TO_DELETE_LABEL)) == "true"


def _owned_by_hosted_cluster(secret: dict, hc_name: str) -> bool:
    return any(o.get("kind") == "HostedCluster" and o.get("name") == hc_name
               for o in secret["metadata"].get("ownerReferences") or [])


def remaining_on_source(api: ManagementClusterApi, state: MigrationState) -> list[str]:
    """What of the HC is still on the source: HC, NodePools, HCP namespace."""
    ref = state.request.source_ref
    left = []
    if api.get_custom(HOSTED_CLUSTERS, ref.namespace, ref.name) is not None:
        left.append(f"hostedcluster {ref.key}")
    left += [f"nodepool {np['metadata']['name']}"
             for np in nodepools_of(api, ref.namespace, ref.name)]
    if api.get_object(NAMESPACES, None, ref.hcp_namespace) is not None:
        left.append(f"namespace {ref.hcp_namespace}")
    return left
