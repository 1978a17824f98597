"""Names a migration writes: its label, annotations and S3 keys (lock ids: domain/dr_locks.py).

All derive from the migration id (itself derived from the execution), so every retried stage
and the compensation agree on them without carrying anything but the id in the state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hcp_dr.models.migration import MigrationState

# Every object and namespace a migration creates on the destination carries this label; the
# compensation deletes by it and nothing else.
MIGRATION_LABEL = "hcp-dr.openshift.io/migration-id"
# On source NodePools: {"migration": id, "paused_until_before": ...}, written before pausing.
PAUSED_BY_ANNOTATION = "hcp-dr.openshift.io/paused-by"
# On the source HC: {"migration": id, "at": ISO time}, when the first PauseHostedCluster
# attempt began (the RTO's start), kept across its retries; apart from the quiesce record so
# that a function of another version reading that record during a deploy is not surprised.
PAUSED_AT_ANNOTATION = "hcp-dr.openshift.io/paused-at"
# On the source `hypershift/operator` deployment: replicas before the teardown scaled it to 0.
OPERATOR_REPLICAS_ANNOTATION = "hcp-dr.openshift.io/operator-replicas"
# On a namespace a migration created but left in place because others now use it.
RELEASED_ANNOTATION = "hcp-dr.openshift.io/released-by-migration"
OPERATOR_NAMESPACE = "hypershift"
OPERATOR_DEPLOYMENT = "operator"
ROOT = "migrations"


def migration_selector(migration_id: str) -> str:
    return f"{MIGRATION_LABEL}={migration_id}"


def created_by(obj: dict, migration_id: str) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return labels.get(MIGRATION_LABEL) == migration_id


@dataclass(frozen=True)
class MigrationLocation:
    """`migrations/<ns>/<name>/<migration-id>/` in the backup bucket."""

    namespace: str
    name: str
    migration_id: str

    @property
    def prefix(self) -> str:
        return f"{ROOT}/{self.namespace}/{self.name}/{self.migration_id}/"

    @property
    def routes_index_key(self) -> str:
        return f"{self.prefix}routes/index.json"

    def route_key(self, name: str) -> str:
        return f"{self.prefix}routes/{name}.json"

    @property
    def report_key(self) -> str:
        return f"{self.prefix}report.json"

    @property
    def destination_hc_requested_key(self) -> str:
        """Written just before the HC is created on the destination: from then on a control
        plane may run there, which the compensation must know even when it cannot look."""
        return f"{self.prefix}destination-hosted-cluster-requested.json"


def location_of(state: MigrationState) -> MigrationLocation:
    hc = state.request.hosted_cluster
    return MigrationLocation(hc.namespace, hc.name, state.migration_id)
