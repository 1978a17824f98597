"""Stage 2: mark where the data comes from, inside the hosted cluster itself.

ConfigMap `default/mgmt-parent-cluster` in the guest API (so in the hosted cluster's etcd)
with `data.from=<source id>`: it travels with the snapshot and proves on the destination
which management cluster the restored data came from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hcp_dr.domain.migration.guest import (
    GuestConnector,
    admin_kubeconfig_secret,
    guest_api_calls,
)
from hcp_dr.domain.migration.identity import MIGRATION_LABEL
from hcp_dr.domain.migration.preflight import source_hosted_cluster
from hcp_dr.errors import ObjectAlreadyExists
from hcp_dr.models.kinds import CONFIG_MAPS
from hcp_dr.models.migration import MigrationState

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

MARKER_NAMESPACE = "default"
MARKER_NAME = "mgmt-parent-cluster"


def mark_source_cluster(source: ManagementClusterApi, connect: GuestConnector,
                        state: MigrationState) -> dict:
    ref = state.request.source_ref
    hc = source_hosted_cluster(source, state)
    guest = connect(source, ref.namespace, admin_kubeconfig_secret(hc, ref.name))
    with guest_api_calls(ref.key):
        return _mark(guest, state)


def _mark(guest: ManagementClusterApi, state: MigrationState) -> dict:
    wanted = {"from": state.request.source}
    current = guest.get_object(CONFIG_MAPS, MARKER_NAMESPACE, MARKER_NAME)
    if current is None:
        body = {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": MARKER_NAME, "namespace": MARKER_NAMESPACE,
                             "labels": {MIGRATION_LABEL: state.migration_id}},
                "data": wanted}
        try:
            guest.create_object(CONFIG_MAPS, MARKER_NAMESPACE, body)
            return {"marked": True, "changed": True}
        except ObjectAlreadyExists:
            current = guest.get_object(CONFIG_MAPS, MARKER_NAMESPACE, MARKER_NAME)
    if ((current or {}).get("data") or {}).get("from") == state.request.source:
        return {"marked": True, "changed": False}
    guest.merge_patch_object(CONFIG_MAPS, MARKER_NAMESPACE, MARKER_NAME, {"data": wanted})
    return {"marked": True, "changed": True}
