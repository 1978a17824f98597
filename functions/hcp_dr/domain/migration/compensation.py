"""Compensation on the destination: delete what this execution created, and nothing else.

Every object and namespace a migration creates carries its label; here they are found by that
label only and deleted with their finalizers removed (the destination operator may have added
its own): HC and NodePools first, so the operator stops building, then the HCP-namespace
objects and secrets, then the namespaces. Objects inside a labelled namespace go with it.
Deletion that is still in progress is `DestinationCleanupPending` (the ASL retries).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hcp_dr.domain.migration.deletion import delete_unblocked
from hcp_dr.domain.migration.identity import migration_selector
from hcp_dr.domain.migration.restore_plan import HCP_NAMESPACE_ORDER
from hcp_dr.errors import DestinationCleanupPending
from hcp_dr.models.kinds import HOSTED_CLUSTERS, NAMESPACES, NODE_POOLS, ApiResource
from hcp_dr.models.migration import MigrationState

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

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


def compensate_destination(api: ManagementClusterApi, state: MigrationState) -> dict:
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
    return {"deleted": deleted}
