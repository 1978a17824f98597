"""Compensation on the destination: stop, then delete, what this execution created, and
nothing else.

Every object and namespace a migration creates carries its label; here they are found by that
label only and deleted with their finalizers removed (the destination operator may have added
its own): HC and NodePools first, so the operator stops building, then the HCP-namespace
objects and secrets, then the namespaces. Objects inside a labelled namespace go with it.
Deletion that is still in progress is `DestinationCleanupPending` (the ASL retries).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hcp_dr.domain.migration.deletion import (
    delete_unblocked,
    scale_workloads_to_zero,
    workload_pods,
)
from hcp_dr.domain.migration.destination_namespaces import (
    NamespacedObject,
    foreign_objects,
    namespace_objects,
)
from hcp_dr.domain.migration.identity import (
    MIGRATION_LABEL,
    RELEASED_ANNOTATION,
    created_by,
    location_of,
    migration_selector,
)
from hcp_dr.domain.migration.restore_plan import HCP_NAMESPACE_ORDER
from hcp_dr.errors import (
    DestinationCleanupPending,
    DestinationMayStillRun,
    DestinationStillStopping,
)
from hcp_dr.models.kinds import (
    HOSTED_CLUSTERS,
    HOSTED_CONTROL_PLANES,
    NAMESPACES,
    NODE_POOLS,
    ApiResource,
)
from hcp_dr.models.migration import MigrationState

if TYPE_CHECKING:
    from hcp_dr.adapters.backup_bucket import BackupBucket
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

# Set on HCs by the HyperShift CLI by default: on deletion the operator removes the cluster's
# cloud resources (load balancers, volumes, registry storage).
CLEANUP_CLOUD_RESOURCES_ANNOTATION = "hypershift.openshift.io/cleanup-cloud-resources"
DELETE_ORDER: tuple[ApiResource, ...] = (
    NODE_POOLS, HOSTED_CLUSTERS, *reversed(HCP_NAMESPACE_ORDER))


def _labelled(api: ManagementClusterApi, state: MigrationState,
              ) -> list[tuple[ApiResource, str | None, dict]]:
    ref = state.request.destination_ref
    selector = migration_selector(state.migration_id)
    found = [(kind, namespace, obj) for kind in DELETE_ORDER
             for namespace in (ref.namespace, ref.hcp_namespace)
             for obj in api.list_objects(kind, namespace, selector)]
    found += [(NAMESPACES, None, ns) for ns in api.list_objects(NAMESPACES, None, selector)]
    return found


def freeze_restored_cluster(api: ManagementClusterApi, state: MigrationState,
                            ) -> tuple[bool, int]:
    """Stop everything that would act on the restored cluster's deletion; returns whether a
    control plane of this migration is there, and how many workloads this call scaled down.

    By now the destination's operator may run the control plane, CAPI and CAPA in the HCP
    namespace. Deleting the HC or its AWSMachines under running controllers is not neutral:
    with `cleanup-cloud-resources` HyperShift deletes the cluster's load balancers and volumes,
    and CAPA terminates the EC2 instances behind the AWSMachines; both belong to the cluster
    the source is about to resume. So: HC and NodePools paused and the cleanup annotation
    removed (HC and HCP), then every controller in the HCP namespace scaled to 0, and only
    then any delete. Only objects with this migration's label are touched; the HCP namespace's
    workloads only when the control plane there is this migration's (its HC or HCP is).
    """
    ref, selector = state.request.destination_ref, migration_selector(state.migration_id)
    ours_running = False
    for kind in (HOSTED_CLUSTERS, NODE_POOLS):
        for obj in api.list_objects(kind, ref.namespace, selector):
            ours_running |= kind == HOSTED_CLUSTERS
            api.merge_patch_object(kind, ref.namespace, obj["metadata"]["name"], {
                "spec": {"pausedUntil": "true"}, **_without_cleanup_annotation(obj)})
    for hcp in api.list_objects(HOSTED_CONTROL_PLANES, ref.hcp_namespace, selector):
        ours_running = True
        if patch := _without_cleanup_annotation(hcp):
            api.merge_patch_object(HOSTED_CONTROL_PLANES, ref.hcp_namespace,
                                   hcp["metadata"]["name"], patch)
    return ours_running, scale_workloads_to_zero(api, ref.hcp_namespace) if ours_running else 0


def _hosted_cluster_may_exist(bucket: BackupBucket, state: MigrationState) -> bool:
    """The restore writes its record just before it creates the HC; a record that cannot be
    read is no proof of absence."""
    try:
        return bucket.head(location_of(state).destination_hc_requested_key) is not None
    except Exception:
        return True


def _without_cleanup_annotation(obj: dict) -> dict:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if CLEANUP_CLOUD_RESOURCES_ANNOTATION not in annotations:
        return {}
    return {"metadata": {"annotations": {CLEANUP_CLOUD_RESOURCES_ANNOTATION: None}}}


def _ours_or_our_clusters(obj: NamespacedObject, migration_id: str) -> bool:
    """In the HC namespace the operator adds objects owned by the HC or its NodePools (admin
    kubeconfig, kubeadmin password): they go with them."""
    owners = (obj.body.get("metadata") or {}).get("ownerReferences") or []
    return created_by(obj.body, migration_id) or any(
        o.get("kind") in ("HostedCluster", "NodePool") for o in owners)


def keep_shared_namespace(api: ManagementClusterApi, state: MigrationState) -> list[str]:
    """The HC namespace this migration created, if others have since put objects in it: it is
    released (our label removed, a note of it left) instead of deleted with their objects.
    A migration can wait hours for approval, and a namespace such as `clusters` is shared.
    Returns the namespaces kept this way (also on a rerun)."""
    ref, migration_id = state.request.destination_ref, state.migration_id
    namespace = api.get_object(NAMESPACES, None, ref.namespace)
    annotations = ((namespace or {}).get("metadata") or {}).get("annotations") or {}
    if namespace is None:
        return []
    if annotations.get(RELEASED_ANNOTATION) == migration_id:
        return [ref.namespace]
    if not created_by(namespace, migration_id):
        return []
    objects = namespace_objects(api, ref.namespace, api.namespaced_kinds())
    others = foreign_objects(
        (o for o in objects if not _ours_or_our_clusters(o, migration_id)), migration_id)
    if not others:
        return []
    api.merge_patch_object(NAMESPACES, None, ref.namespace, {"metadata": {
        "labels": {MIGRATION_LABEL: None},
        "annotations": {RELEASED_ANNOTATION: migration_id}}})
    return [ref.namespace]


def compensate_destination(connect: Callable[[], ManagementClusterApi], bucket: BackupBucket,
                           state: MigrationState) -> dict:
    """Stop, then delete, what this migration created on the destination. If it cannot even
    be stopped once the HC was requested there (the restore's record), a control plane may
    run there: DestinationMayStillRun, and the state machine holds the source paused rather
    than resume a second control plane for the same cluster; so it does when the pods of the
    stopped control plane are still there once the retries of DestinationStillStopping end."""
    hcp_namespace = state.request.destination_ref.hcp_namespace
    try:  # reaching the destination (its kubeconfig, its API) and seeing its pods gone is
        api = connect()  # part of stopping it
        ours_running, frozen = freeze_restored_cluster(api, state)
        stopping = workload_pods(api, hcp_namespace) if ours_running else []
    except Exception as exc:
        if _hosted_cluster_may_exist(bucket, state):
            raise DestinationMayStillRun(
                f"could not stop the hosted cluster restored on {state.request.destination} "
                f"({type(exc).__name__}) after it had been created there") from exc
        raise
    if stopping:
        raise DestinationStillStopping(
            f"{len(stopping)} pods of the control plane restored on "
            f"{state.request.destination} still stopping: {', '.join(stopping[:10])}")
    kept = keep_shared_namespace(api, state)
    deleted: dict[str, int] = {}
    for kind, namespace, obj in _labelled(api, state):
        if delete_unblocked(api, kind, namespace, obj["metadata"]["name"]):
            deleted[kind.plural] = deleted.get(kind.plural, 0) + 1
    left = _labelled(api, state)
    if left:
        names = sorted({f"{kind.plural}/{obj['metadata']['name']}" for kind, _, obj in left})
        raise DestinationCleanupPending(
            f"{len(left)} objects of this migration still terminating on "
            f"{state.request.destination}: {', '.join(names[:10])}")
    return {"scaled_to_zero": frozen, "deleted": deleted, "kept_namespaces": kept}
