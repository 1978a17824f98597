"""Which hosted clusters a scheduled backup covers.

Every HostedCluster on every registered management cluster, or a configured selection. A
management cluster that cannot be reached is reported, not fatal: the others still get their
backups, and the unreachable one shows up in the summary and in its clusters' freshness alarms.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from hcp_dr.domain.dr_locks import hosted_cluster_lock_id
from hcp_dr.errors import HcpDrError
from hcp_dr.models.backup_state import BackupRequest, Consistency
from hcp_dr.models.cluster import HostedClusterRef, ManagementClusterId
from hcp_dr.models.kinds import HOSTED_CLUSTERS

if TYPE_CHECKING:
    from hcp_dr.adapters.cluster_clients import ManagementClusters


LISTING_CONCURRENCY = 16
_CLUSTER_ID = TypeAdapter(ManagementClusterId)
INVALID_ID = "InvalidManagementClusterId"  # a secret name under the prefix that is no id


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
    # Held by a migration: see _not_migrating.
    migrating: list[dict[str, object]] = []
    # Being backed up by a backup that still runs: see _not_locked.
    backing_up: list[dict[str, object]] = []


def _hosted_clusters_of(clusters: ManagementClusters, cluster_id: str,
                        ) -> list[HostedClusterRef] | str:
    """The HCs of one management cluster, or the name of the error that stopped the listing."""
    try:
        _CLUSTER_ID.validate_python(cluster_id)
    except ValidationError:
        return INVALID_ID  # never connected to: one misnamed secret must not stop the run
    try:
        found = clusters.api(cluster_id).list_custom(HOSTED_CLUSTERS)
        return [HostedClusterRef(management_cluster=cluster_id,
                                 namespace=hc["metadata"]["namespace"],
                                 name=hc["metadata"]["name"]) for hc in found]
    except HcpDrError as exc:
        return type(exc).__name__
    except (ValidationError, KeyError, TypeError):
        return "HostedClusterListUnreadable"
    except Exception as exc:  # a library's own (a network error reading the kubeconfig, an
        return type(exc).__name__  # exec plugin's): that cluster is unreachable, not the run


def backup_targets(clusters: ManagementClusters, selection: FleetSelection,
                   migrations: Mapping[str, str],
                   backups: Mapping[str, str] | None = None) -> FleetTargets:
    """Every management cluster is listed at the same time, each on its own: one that
    accepts connections and never answers costs one request timeout, not the others' turn.
    `migrations` / `backups`: the DR locks running migrations / backups hold (lock id ->
    execution name)."""
    backups = backups or {}
    if selection.hosted_clusters is not None:
        refs, migrating = _not_locked(selection.hosted_clusters, migrations, "migration")
        refs, backing_up = _not_locked(refs, backups, "backup")
        return FleetTargets(targets=[_request(r, selection.consistency) for r in refs],
                            unreachable=[], migrating=migrating, backing_up=backing_up)
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
    found, migrating = _not_locked(found, migrations, "migration")
    found, backing_up = _not_locked(found, backups, "backup")
    found, ambiguous = _same_name_elsewhere(found)
    return FleetTargets(targets=[_request(ref, selection.consistency) for ref in found],
                        unreachable=unreachable, ambiguous=ambiguous, migrating=migrating,
                        backing_up=backing_up)


def _not_locked(found: list[HostedClusterRef], holders: Mapping[str, str], purpose: str,
                ) -> tuple[list[HostedClusterRef], list[dict[str, object]]]:
    """A migration holds its hosted cluster's DR lock from preflight to the end, hours when
    it waits for approval, and takes its own backup; a backup of an earlier tick may still
    run when a fleet's backups outlast the interval. A scheduled backup would only fail on
    that lock and page. Such clusters are skipped and reported (on both management clusters
    once a migration's restore created the HC on the destination). One locked after this
    listing still refuses the backup: the lock decides, this only spares the noise."""
    kept: list[HostedClusterRef] = []
    skipped: list[dict[str, object]] = []
    for key, refs in _by_hosted_cluster(found).items():
        execution = holders.get(hosted_cluster_lock_id(refs[0].namespace, refs[0].name))
        if execution is None:
            kept += refs
        else:
            skipped.append({"hosted_cluster": key, purpose: execution,
                            "management_clusters": sorted(r.management_cluster for r in refs)})
    return kept, skipped


def _same_name_elsewhere(found: list[HostedClusterRef],
                         ) -> tuple[list[HostedClusterRef], list[dict[str, object]]]:
    """Backups are kept per namespace/name (a hosted cluster keeps its series when it moves
    to another management cluster). Two live HCs of one name on two management clusters
    would share that series, and the retention of one would prune the other's backups; a
    migration in progress also looks like this (and holds the lock). Both are left out and
    reported (counted in ScheduledBackupFailures, which pages) rather than silently mixing two
    clusters' data."""
    by_key = _by_hosted_cluster(found)
    kept = [refs[0] for refs in by_key.values() if len(refs) == 1]
    ambiguous: list[dict[str, object]] = [
        {"hosted_cluster": key, "management_clusters": sorted(r.management_cluster for r in refs)}
        for key, refs in by_key.items() if len(refs) > 1]
    return kept, ambiguous


def _by_hosted_cluster(found: list[HostedClusterRef]) -> dict[str, list[HostedClusterRef]]:
    """`namespace/name` -> every management cluster's HC of that name, in listing order."""
    by_key: dict[str, list[HostedClusterRef]] = {}
    for ref in found:
        by_key.setdefault(f"{ref.namespace}/{ref.name}", []).append(ref)
    return by_key


def _request(ref: HostedClusterRef, consistency: Consistency) -> BackupRequest:
    return BackupRequest(management_cluster=ref.management_cluster, namespace=ref.namespace,
                         name=ref.name, consistency=consistency)
