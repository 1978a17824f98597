"""Stage 10a: restart OVN-Kubernetes in the hosted cluster so it reconnects to the new control
plane (DOMAIN "Known failure modes": otherwise new workloads do not schedule).

Only pods created before the HC was found ready on the destination are deleted, so a rerun
does not restart the pods the first run already replaced.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from hcp_dr.domain.migration.guest import (
    GuestConnector,
    admin_kubeconfig_secret,
    guest_api_calls,
)
from hcp_dr.errors import MigrationStateIncomplete
from hcp_dr.models.kinds import HOSTED_CLUSTERS, PODS
from hcp_dr.models.migration import MigrationState

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

OVN_NAMESPACE = "openshift-ovn-kubernetes"


def _created_before(pod: dict, moment: datetime) -> bool:
    stamp = (pod.get("metadata") or {}).get("creationTimestamp")
    if not stamp:
        return True
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) < moment


def restart_ovn(destination: ManagementClusterApi, connect: GuestConnector,
                state: MigrationState) -> dict:
    if state.ready is None:
        raise MigrationStateIncomplete("OVN restart ran before the HC was ready")
    ref = state.request.destination_ref
    hc = destination.get_custom(HOSTED_CLUSTERS, ref.namespace, ref.name)
    guest = connect(destination, ref.namespace, admin_kubeconfig_secret(hc, ref.name))
    with guest_api_calls(ref.key):
        pods = guest.list_objects(PODS, OVN_NAMESPACE)
        stale = [p for p in pods if _created_before(p, state.ready.ready_at)]
        for pod in stale:
            guest.delete_object(PODS, OVN_NAMESPACE, pod["metadata"]["name"])
    return {"deleted_pods": len(stale), "kept_pods": len(pods) - len(stale)}
