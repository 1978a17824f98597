"""Create planned objects in an emulated cluster's store, status included."""

from __future__ import annotations

from collections.abc import Iterable

from sandbox.kubeapi.errors import NotFound
from sandbox.kubeapi.store import ObjectStore
from sandbox.scenario.hosted_cluster import PlannedObject


def apply_planned(store: ObjectStore, objects: Iterable[PlannedObject]) -> None:
    """Create each object, then set its status through the status subresource (as a
    controller would), so the API server's validation sees both writes."""
    for planned in objects:
        ref = (planned.group, planned.version, planned.plural)
        if planned.plural == "namespaces" and _exists(store, ref, planned.name):
            continue  # shared by several hosted clusters (e.g. `clusters`)
        created = store.create(ref, planned.namespace, planned.body)
        if planned.status is not None:
            # A full status write: merge patch would turn required `null`s into deletions.
            # No resourceVersion: controllers may already have touched the object.
            metadata = {k: v for k, v in created["metadata"].items() if k != "resourceVersion"}
            store.update_status(ref, planned.namespace, planned.name,
                                {**created, "metadata": metadata, "status": planned.status})


def _exists(store: ObjectStore, ref: tuple[str, str, str], name: str) -> bool:
    try:
        store.get(ref, None, name)
    except NotFound:
        return False
    return True
