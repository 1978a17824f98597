"""Stage 10b: post-checks and the migration report.

Checks what the migration promises: the HC is Available on the destination with its nodes
Ready, the hostnames resolve to something other than what the source published, nothing of the
HC is left on the source, the source operator is back at its count, and the hosted cluster's
OVN pods were restarted. The report (timeline
per stage from the execution history, RTO = pause -> HC available with nodes Ready, etcd
revision, object counts) goes to `migrations/<ns>/<name>/<id>/report.json` and, summarized,
to the execution output.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from hcp_dr.adapters.backup_bucket import BackupBucket
from hcp_dr.adapters.dns_zones import DnsZones
from hcp_dr.domain.migration.guest import GuestConnector
from hcp_dr.domain.migration.identity import OPERATOR_DEPLOYMENT, OPERATOR_NAMESPACE, location_of
from hcp_dr.domain.migration.readiness import hosted_cluster_state
from hcp_dr.domain.migration.routes import dns_targets, source_dns_targets
from hcp_dr.domain.migration.teardown import recorded_operator_replicas, remaining_on_source
from hcp_dr.errors import HostedClusterNotFound, KubernetesApiUnavailable
from hcp_dr.models.kinds import DEPLOYMENTS
from hcp_dr.models.migration import MigrationState

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

REPORT_SCHEMA_VERSION = 1


def dns_moved(now_targets: dict[str, list], before: dict[str, list],
              hostnames: list[str]) -> bool:
    """Every hostname has an address record, and none still points where the source did."""
    for host in hostnames:
        current = set(now_targets.get(host) or [])
        if not current or current & set(before.get(host) or []):
            return False
    return True


def _operator_restored(source: ManagementClusterApi, state: MigrationState) -> bool:
    deployment = source.get_object(DEPLOYMENTS, OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT)
    if deployment is None or recorded_operator_replicas(deployment) is not None:
        return deployment is None
    wanted = state.operator.replicas if state.operator else None
    return wanted is None or int((deployment.get("spec") or {}).get("replicas") or 0) == wanted


def post_checks(source: ManagementClusterApi, destination: ManagementClusterApi,
                connect: GuestConnector, zones: DnsZones, bucket: BackupBucket,
                state: MigrationState) -> dict:
    hostnames = state.preflight.hostnames if state.preflight else []
    zone_ids = state.preflight.zone_ids if state.preflight else []
    try:
        available, ready, wanted = hosted_cluster_state(destination, connect, state)
    except HostedClusterNotFound:
        available, ready, wanted = False, 0, state.preflight.expected_nodes if state.preflight \
            else 0
    try:
        left = remaining_on_source(source, state)
        operator_back = _operator_restored(source, state)
    except KubernetesApiUnavailable:  # the source may be the cluster that failed
        left, operator_back = ["unknown: source API unavailable"], False
    return {
        "hc_available": available,
        "nodes_ready": ready, "nodes_expected": wanted, "all_nodes_ready": ready >= wanted,
        "dns_points_to_destination": dns_moved(dns_targets(zones, zone_ids, hostnames),
                                               source_dns_targets(bucket, state), hostnames),
        "source_clean": not left, "source_leftovers": left,
        "source_operator_restored": operator_back,
        # Without it the nodes stay connected to the old control plane's network: new
        # workloads get none (DOMAIN "Known failure modes"); the notice says what to delete.
        "ovn_restarted": state.ovn is not None,
    }


def _passed(checks: dict) -> bool:
    return all(checks[k] for k in ("hc_available", "all_nodes_ready",
                                   "dns_points_to_destination", "source_clean",
                                   "source_operator_restored", "ovn_restarted"))


def write_migration_report(source: ManagementClusterApi, destination: ManagementClusterApi,
                           connect: GuestConnector, zones: DnsZones, bucket: BackupBucket,
                           stages: list[tuple[str, float]], state: MigrationState,
                           now: datetime) -> dict:
    checks = post_checks(source, destination, connect, zones, bucket, state)
    rto = None
    if state.pause is not None and state.ready is not None:
        rto = round((state.ready.ready_at - state.pause.paused_at).total_seconds(), 3)
    snapshot = state.backup_state.snapshot
    location = location_of(state)
    passed = _passed(checks)
    report = {
        "schema_version": REPORT_SCHEMA_VERSION, "migration_id": state.migration_id,
        "execution_id": state.migration.execution_id,
        "hosted_cluster": state.request.hosted_cluster.model_dump(),
        "source": state.request.source, "destination": state.request.destination,
        "started_at": state.migration.started_at.isoformat(), "finished_at": now.isoformat(),
        "paused_at": state.pause.paused_at.isoformat() if state.pause else None,
        "ready_at": state.ready.ready_at.isoformat() if state.ready else None,
        "rto_seconds": rto,
        "stages": [{"name": name, "seconds": seconds} for name, seconds in stages],
        "etcd": snapshot.model_dump(include={"revision", "total_keys", "sha256", "size_bytes"})
        if snapshot else None,
        "objects": state.restore.model_dump(mode="json") if state.restore else None,
        "checks": checks, "passed": passed,
    }
    bucket.put_json(location.report_key, report)
    return {
        "status": "SUCCEEDED" if passed else "POST_CHECKS_FAILED",
        "migration_id": state.migration_id, "rto_seconds": rto, "passed": passed,
        "stages": report["stages"], "checks": checks,
        "etcd_revision": snapshot.revision if snapshot else None,
        "report_key": location.report_key,
    }
