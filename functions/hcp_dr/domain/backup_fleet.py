"""Which hosted clusters a scheduled backup covers.

Every HostedCluster on every registered management cluster, or a configured selection. A
management cluster that cannot be reached is reported, not fatal: the others still get their
backups, and the unreachable one shows up in the summary and in its clusters' freshness alarms.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from hcp_dr.errors import HcpDrError
from hcp_dr.models.backup_state import BackupRequest, Consistency
from hcp_dr.models.cluster import HostedClusterRef, ManagementClusterId
from hcp_dr.models.kinds import HOSTED_CLUSTERS

if TYPE_CHECKING:
    from hcp_dr.adapters.cluster_clients import ManagementClusters


LISTING_CONCURRENCY = 16


class FleetSelection(BaseModel):
    """Scheduler input: which clusters to back up (default: all registered)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    management_clusters: list[ManagementClusterId] | None = None
    hosted_clusters: list[HostedClusterRef] | None = None
    consistency: Consistency = "online"


class FleetTargets(BaseModel):
    targets: list[BackupRequest]
    unreachable: list[dict[str, str]]
    # namespace/name found on several management clusters: see _same_name_elsewhere.
    ambiguous: list[dict[str, object]] = []


def _hosted_clusters_of(clusters: ManagementClusters, cluster_id: str,
                        ) -> list[HostedClusterRef] | str:
    """The HCs of one management cluster, or the name of the error that stopped the listing."""
    try:
        found = clusters.api(cluster_id).list_custom(HOSTED_CLUSTERS)
    except HcpDrError as exc:
        return type(exc).__name__
    return [HostedClusterRef(management_cluster=cluster_id,
                             namespace=hc["metadata"]["namespace"], name=hc["metadata"]["name"])
            for hc in found]


def backup_targets(clusters: ManagementClusters, selection: FleetSelection) -> FleetTargets:
    """Every management cluster is listed at the same time, each on its own: one that
    accepts connections and never answers costs one request timeout, not the others' turn."""
    if selection.hosted_clusters is not None:
        refs = selection.hosted_clusters
        return FleetTargets(targets=[_request(r, selection.consistency) for r in refs],
                            unreachable=[])
    cluster_ids = selection.management_clusters or clusters.registered()
    with ThreadPoolExecutor(max_workers=max(1, min(LISTING_CONCURRENCY, len(cluster_ids)))) as pool:
        listings = list(pool.map(lambda c: _hosted_clusters_of(clusters, c), cluster_ids))
    found: list[HostedClusterRef] = []
    unreachable: list[dict[str, str]] = []
    for cluster_id, listing in zip(cluster_ids, listings, strict=True):
        if isinstance(listing, str):
            unreachable.append({"management_cluster": cluster_id, "error": listing})
        else:
            found += listing
    found, ambiguous = _same_name_elsewhere(found)
    return FleetTargets(targets=[_request(ref, selection.consistency) for ref in found],
                        unreachable=unreachable, ambiguous=ambiguous)


def _same_name_elsewhere(found: list[HostedClusterRef],
                         ) -> tuple[list[HostedClusterRef], list[dict[str, object]]]:
    """Backups are kept per namespace/name (a hosted cluster keeps its series when it moves
    to another management cluster). Two live HCs of one name on two management clusters
    would share that series, and the retention of one would prune the other's backups; a
    migration in progress also looks like this (and holds the lock). Both are left out and
    reported, which fails the run loudly, rather than silently mixing two clusters' data."""
    by_key: dict[str, list[HostedClusterRef]] = {}
    for ref in found:
        by_key.setdefault(f"{ref.namespace}/{ref.name}", []).append(ref)
    kept = [refs[0] for refs in by_key.values() if len(refs) == 1]
    ambiguous: list[dict[str, object]] = [
        {"hosted_cluster": key, "management_clusters": sorted(r.management_cluster for r in refs)}
        for key, refs in by_key.items() if len(refs) > 1]
    return kept, ambiguous


def _request(ref: HostedClusterRef, consistency: Consistency) -> BackupRequest:
    return BackupRequest(management_cluster=ref.management_cluster, namespace=ref.namespace,
                         name=ref.name, consistency=consistency)
