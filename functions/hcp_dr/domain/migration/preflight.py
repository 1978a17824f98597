"""Stage 1: refuse a migration that cannot succeed, before anything changes.

Both management clusters must answer; the destination operator must support the HC's minor;
both operators must publish by external DNS on a domain covering the HC's Route hostnames;
no NodePool may be newer than the HC; the etcd must be restorable from a snapshot URL; the
encryption key must exist; and the destination namespaces must be free (absent, platform
defaults only, or ours from a rerun).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hcp_dr.adapters.dns_zones import DnsZones
from hcp_dr.domain.cluster_objects import encryption_material, key_secret_names
from hcp_dr.domain.migration.destination_namespaces import require_free_namespaces
from hcp_dr.domain.migration.external_dns import (
    EXTERNAL_DNS_DEPLOYMENT,
    domain_filters,
    require_covered,
    route_hostnames,
)
from hcp_dr.domain.migration.identity import (
    OPERATOR_NAMESPACE,
    created_by,
)
from hcp_dr.domain.migration.versions import (
    hosted_cluster_version,
    require_no_newer_nodepool,
    require_supported,
)
from hcp_dr.errors import (
    EncryptionKeyMissing,
    EtcdNotRestorable,
    ExternalDnsZoneNotFound,
    ForeignObjectsOnDestination,
    HostedClusterBeingDeleted,
    HostedClusterNotFound,
    PrivateEndpointAccess,
    UnsupportedVersionOnDestination,
)
from hcp_dr.models.kinds import (
    CONFIG_MAPS,
    DEPLOYMENTS,
    HOSTED_CLUSTERS,
    NAMESPACES,
    NODE_POOLS,
    SECRETS,
)
from hcp_dr.models.migration import MigrationPreflight, MigrationState

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

SUPPORTED_VERSIONS_CONFIGMAP = "supported-versions"


def source_hosted_cluster(api: ManagementClusterApi, state: MigrationState) -> dict:
    ref = state.request.source_ref
    hc = api.get_custom(HOSTED_CLUSTERS, ref.namespace, ref.name)
    if hc is None:
        raise HostedClusterNotFound(
            f"HostedCluster {ref.key} not found on {ref.management_cluster}")
    return hc


def nodepools_of(api: ManagementClusterApi, namespace: str, hc_name: str) -> list[dict]:
    return [np for np in api.list_custom(NODE_POOLS, namespace)
            if (np.get("spec") or {}).get("clusterName") == hc_name]


def desired_workers(nodepools: list[dict]) -> int:
    """Worker nodes the NodePools ask for (an autoscaled pool counts its minimum)."""
    total = 0
    for nodepool in nodepools:
        spec = nodepool.get("spec") or {}
        scaling = spec.get("autoScaling") or {}
        total += int(spec.get("replicas") if spec.get("replicas") is not None
                     else scaling.get("min", 0))
    return total


def _require_restorable_etcd(hc: dict) -> None:
    etcd = (hc.get("spec") or {}).get("etcd") or {}
    storage = ((etcd.get("managed") or {}).get("storage") or {})
    if etcd.get("managementType") != "Managed" or storage.get("type") != "PersistentVolume":
        raise EtcdNotRestorable("etcd must be Managed with PersistentVolume storage")


def _require_public_endpoints(hc: dict, key: str) -> None:
    access = (((hc.get("spec") or {}).get("platform") or {}).get("aws") or {}).get(
        "endpointAccess") or "Public"
    if access != "Public":
        raise PrivateEndpointAccess(
            f"HostedCluster {key} has endpointAccess {access}: its nodes reach the API "
            "through the source's PrivateLink endpoint and move only once the source's "
            "HostedCluster is gone, so this migration (which proves the nodes Ready on the "
            "destination before it tears the source down) would time out and roll back; "
            "such a cluster needs the guide's order, the source torn down first, by hand")


def _require_encryption_key(api: ManagementClusterApi, hc: dict, namespace: str) -> str:
    """The AES key secret, and the previous key's during a rotation, both present."""
    material = encryption_material(hc)
    if material["type"] != "aescbc":
        return material["type"]
    for name in key_secret_names(material):
        if not name or api.get_object(SECRETS, namespace, name) is None:
            raise EncryptionKeyMissing(f"encryption key secret {name!r} missing in {namespace}")
    return material["type"]


def _zones(zones: DnsZones, hostnames: list[str]) -> list[str]:
    found: dict[str, str | None] = {h: zones.zone_for(h) for h in hostnames}
    missing = [h for h, zone in found.items() if zone is None]
    if missing:
        raise ExternalDnsZoneNotFound(f"no Route 53 hosted zone holds {missing}")
    return sorted({z for z in found.values() if z})


def preflight_migration(source: ManagementClusterApi, destination: ManagementClusterApi,
                        zones: DnsZones, state: MigrationState) -> MigrationPreflight:
    ref = state.request.source_ref
    hc = source_hosted_cluster(source, state)
    if (hc.get("metadata") or {}).get("deletionTimestamp"):
        raise HostedClusterBeingDeleted(f"HostedCluster {ref.key} is being deleted")
    _require_restorable_etcd(hc)
    _require_public_endpoints(hc, ref.key)
    encryption = _require_encryption_key(source, hc, ref.namespace)

    hostnames = route_hostnames(hc)
    for api in (source, destination):
        external_dns = api.get_object(DEPLOYMENTS, OPERATOR_NAMESPACE, EXTERNAL_DNS_DEPLOYMENT)
        require_covered(hostnames, domain_filters(external_dns, api.cluster_id), api.cluster_id)

    version = hosted_cluster_version(hc)
    if version is None:
        raise UnsupportedVersionOnDestination(f"HostedCluster {ref.key} reports no version")
    supported = destination.get_object(CONFIG_MAPS, OPERATOR_NAMESPACE,
                                       SUPPORTED_VERSIONS_CONFIGMAP)
    require_supported(version, supported, destination.cluster_id)
    nodepools = nodepools_of(source, ref.namespace, ref.name)
    require_no_newer_nodepool(version, nodepools)

    present = require_free_namespaces(destination, [ref.namespace, ref.hcp_namespace],
                                      state.migration_id)
    if ref.hcp_namespace in present and not _ours(destination, ref.hcp_namespace, state):
        # An HC namespace is shared by many HCs; the HCP namespace is this HC's alone, and the
        # operator fills it. One we did not create we could not delete on a rollback, and
        # the operator's Routes, Services and etcd volumes would stay in it.
        raise ForeignObjectsOnDestination(
            f"namespace {ref.hcp_namespace} already exists on {destination.cluster_id}: the "
            "restore creates the control-plane namespace itself (delete it if it is unused)")
    return MigrationPreflight(
        ocp_minor=version[1], hostnames=hostnames, zone_ids=_zones(zones, hostnames),
        nodepools=sorted(np["metadata"]["name"] for np in nodepools),
        expected_nodes=desired_workers(nodepools), encryption=encryption,
        destination_namespaces=[ns for ns in present if not _ours(destination, ns, state)],
    )


def _ours(api: ManagementClusterApi, namespace: str, state: MigrationState) -> bool:
    return created_by(api.get_object(NAMESPACES, None, namespace) or {}, state.migration_id)
