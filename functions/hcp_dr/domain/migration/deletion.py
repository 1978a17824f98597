"""Deleting an object that finalizers may hold: ask for deletion first (from then on nobody can
add a finalizer), then remove the finalizers that are left, so it goes at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hcp_dr.models.kinds import ApiResource

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
