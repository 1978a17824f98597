"""Stage 5 and its compensation: remove the source's Routes so ExternalDNS withdraws their
Route 53 records (only then can the destination's ExternalDNS publish the same names), and
put them back if the migration is rolled back.

Route bodies go to the migration's S3 prefix BEFORE anything is deleted, together with the
record targets the zone held, so the report can later tell that DNS moved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hcp_dr.adapters.backup_bucket import BackupBucket
from hcp_dr.adapters.dns_zones import DnsZones
from hcp_dr.domain.cluster_objects import without_status
from hcp_dr.domain.migration.identity import location_of
from hcp_dr.domain.migration.restore_plan import SERVER_METADATA
from hcp_dr.errors import MigrationStateIncomplete, ObjectAlreadyExists
from hcp_dr.models.kinds import ROUTES
from hcp_dr.models.migration import MigrationState, RoutesRemoved

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

ADDRESS_TYPES = ("CNAME", "A", "AAAA")


def recreatable(route: dict) -> dict:
    body = without_status(route)
    meta = body.setdefault("metadata", {})
    for key in SERVER_METADATA:
        meta.pop(key, None)
    body.setdefault("apiVersion", ROUTES.api_version)
    body.setdefault("kind", "Route")
    return body


def dns_targets(zones: DnsZones, zone_ids: list[str], hostnames: list[str]) -> dict[str, list]:
    """hostname -> values of its address records now (CNAME target, A/AAAA, alias)."""
    wanted = set(hostnames)
    targets: dict[str, list] = {}
    for zone_id in zone_ids:
        for record in zones.records(zone_id):
            if record.name in wanted and record.type in ADDRESS_TYPES:
                targets.setdefault(record.name, []).extend(v.rstrip(".") for v in record.values)
    return targets


def delete_source_routes(api: ManagementClusterApi, bucket: BackupBucket, zones: DnsZones,
                         state: MigrationState) -> RoutesRemoved:
    if state.preflight is None:
        raise MigrationStateIncomplete("routes stage ran before preflight")
    namespace = state.request.source_ref.hcp_namespace
    location = location_of(state)
    index = bucket.get_json(location.routes_index_key) or {}
    routes = api.list_custom(ROUTES, namespace)
    for route in routes:
        bucket.put_json(location.route_key(route["metadata"]["name"]), recreatable(route))
    names = sorted(set(index.get("routes") or []) | {r["metadata"]["name"] for r in routes})
    targets = index.get("source_dns_targets")
    if targets is None:  # first run: the records still point at the source
        targets = dns_targets(zones, state.preflight.zone_ids, state.preflight.hostnames)
    bucket.put_json(location.routes_index_key,
                    {"namespace": namespace, "routes": names, "source_dns_targets": targets})
    for route in routes:
        api.delete_object(ROUTES, namespace, route["metadata"]["name"])
    return RoutesRemoved(routes=len(names), hostnames=state.preflight.hostnames)


def recreate_source_routes(api: ManagementClusterApi, bucket: BackupBucket,
                           state: MigrationState) -> dict:
    """Create every stored Route that is absent on the source; a no-op if none were deleted."""
    location = location_of(state)
    index = bucket.get_json(location.routes_index_key)
    if index is None:
        return {"recreated": 0, "present": 0}
    recreated = present = 0
    for name in index.get("routes") or []:
        namespace = index["namespace"]
        if api.get_custom(ROUTES, namespace, name) is not None:
            present += 1
            continue
        body = bucket.get_json(location.route_key(name))
        if body is None:
            continue
        try:
            api.create_object(ROUTES, namespace, body)
            recreated += 1
        except ObjectAlreadyExists:
            present += 1
    return {"recreated": recreated, "present": present}


def source_dns_targets(bucket: BackupBucket, state: MigrationState) -> dict[str, list]:
    index = bucket.get_json(location_of(state).routes_index_key) or {}
    return index.get("source_dns_targets") or {}
