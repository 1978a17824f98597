"""Stage 3 and its compensation: pause the source HC and its NodePools, scale the etcd writers
and the control-plane operator to 0, and put everything back exactly.

The HC part reuses the backup's quiesce (`pause_reconciliation`), which writes the replica
counts to an annotation BEFORE scaling, so HA clusters come back to 3 and not to 1 (the
upstream script's bug). NodePools get their own annotation with their previous `pausedUntil`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from hcp_dr.domain.migration.identity import PAUSED_AT_ANNOTATION, PAUSED_BY_ANNOTATION
from hcp_dr.domain.migration.preflight import nodepools_of, source_hosted_cluster
from hcp_dr.domain.reconciliation import (
    ETCD_WRITERS,
    pause_reconciliation,
    require_no_foreign_quiesce,
    resume_reconciliation,
)
from hcp_dr.errors import LeftoverPauseRecord
from hcp_dr.models.backup_records import QuiesceRecord
from hcp_dr.models.kinds import HOSTED_CLUSTERS, NODE_POOLS
from hcp_dr.models.migration import MigrationState, PauseResult

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

CONTROL_PLANE_OPERATOR = "control-plane-operator"
MIGRATION_QUIESCED = (*ETCD_WRITERS, CONTROL_PLANE_OPERATOR)


def _paused_by(nodepool: dict) -> dict | None:
    raw = ((nodepool.get("metadata") or {}).get("annotations") or {}).get(PAUSED_BY_ANNOTATION)
    if raw is None:
        return None
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _require_not_paused_by_another(nodepool: dict, migration_id: str) -> None:
    paused_by = _paused_by(nodepool)
    if paused_by is not None and paused_by.get("migration") != migration_id:
        raise LeftoverPauseRecord(
            f"NodePool {nodepool['metadata']['name']} carries {PAUSED_BY_ANNOTATION} of "
            f"{paused_by.get('migration') or 'an earlier run'}, which never finished resuming "
            f"it: check its spec.pausedUntil, then remove the annotation")


def _pause_nodepool(api: ManagementClusterApi, nodepool: dict, migration_id: str) -> None:
    meta = nodepool["metadata"]
    patch: dict = {"spec": {"pausedUntil": "true"}}
    if _paused_by(nodepool) is None:
        before = (nodepool.get("spec") or {}).get("pausedUntil")
        patch["metadata"] = {"annotations": {PAUSED_BY_ANNOTATION: json.dumps(
            {"migration": migration_id, "paused_until_before": before}, sort_keys=True)}}
    elif (nodepool.get("spec") or {}).get("pausedUntil") == "true":
        return
    api.merge_patch_custom(NODE_POOLS, meta["namespace"], meta["name"], patch)


def pause_hosted_cluster(api: ManagementClusterApi, state: MigrationState, now: datetime,
                         clock: Callable[[], datetime] | None = None) -> PauseResult:
    """`now` (the stage's start) dates the pause for the RTO, unless an earlier attempt of
    this stage already paused it (its writers' pods were still going: `WritersStillRunning`),
    whose date the HC keeps (`PAUSED_AT_ANNOTATION`); `clock`, read once the writers' pods
    are gone, dates the quiesce that readiness compares kubelet heartbeats with."""
    ref = state.request.source_ref
    nodepools = nodepools_of(api, ref.namespace, ref.name)
    hosted_cluster = source_hosted_cluster(api, state)
    # Another run's leftover records refuse the pause before anything changes.
    require_no_foreign_quiesce(hosted_cluster, ref, state.migration_id)
    for nodepool in nodepools:
        _require_not_paused_by_another(nodepool, state.migration_id)
    paused_at = _first_pause(api, hosted_cluster, state.migration_id, now)
    for nodepool in nodepools:
        _pause_nodepool(api, nodepool, state.migration_id)
    record = pause_reconciliation(api, ref, state.migration_id, MIGRATION_QUIESCED)
    return PauseResult(replicas=record.replicas, paused_until_before=record.paused_until_before,
                       nodepools=sorted(np["metadata"]["name"] for np in nodepools),
                       paused_at=paused_at, quiesced_at=clock() if clock else now)


def _paused_at_of(hosted_cluster: dict, migration_id: str) -> datetime | None:
    """When this migration's first pause attempt began, if the HC says so."""
    raw = ((hosted_cluster.get("metadata") or {}).get("annotations") or {}).get(
        PAUSED_AT_ANNOTATION)
    try:
        record = json.loads(raw) if raw else None
        if isinstance(record, dict) and record.get("migration") == migration_id:
            return datetime.fromisoformat(record["at"])
    except (ValueError, TypeError, KeyError):
        pass  # unreadable: dated again below
    return None


def _first_pause(api: ManagementClusterApi, hosted_cluster: dict, migration_id: str,
                 now: datetime) -> datetime:
    """The RTO's start: recorded on the HC before anything is paused, read back by a retry."""
    recorded = _paused_at_of(hosted_cluster, migration_id)
    if recorded is not None:
        return recorded
    meta = hosted_cluster["metadata"]
    api.merge_patch_custom(HOSTED_CLUSTERS, meta["namespace"], meta["name"], {
        "metadata": {"annotations": {PAUSED_AT_ANNOTATION: json.dumps(
            {"migration": migration_id, "at": now.isoformat()}, sort_keys=True)}}})
    return now


def _forget_first_pause(api: ManagementClusterApi, state: MigrationState) -> None:
    ref = state.request.source_ref
    hosted_cluster = api.get_custom(HOSTED_CLUSTERS, ref.namespace, ref.name)
    if hosted_cluster is not None and _paused_at_of(hosted_cluster, state.migration_id):
        api.merge_patch_custom(HOSTED_CLUSTERS, ref.namespace, ref.name, {
            "metadata": {"annotations": {PAUSED_AT_ANNOTATION: None}}})


def resume_source(api: ManagementClusterApi, state: MigrationState) -> dict:
    """Writers and CPO back to their recorded counts, HC and NodePools unpaused; a no-op for
    whatever this migration did not pause."""
    ref = state.request.source_ref
    fallback = None
    if state.pause is not None:
        fallback = QuiesceRecord(paused_until_before=state.pause.paused_until_before,
                                 replicas=state.pause.replicas, owner=state.migration_id)
    record = resume_reconciliation(api, ref, state.migration_id, fallback)
    _forget_first_pause(api, state)
    resumed = []
    for nodepool in nodepools_of(api, ref.namespace, ref.name):
        paused_by = _paused_by(nodepool)
        if paused_by is None or paused_by.get("migration") != state.migration_id:
            continue
        meta = nodepool["metadata"]
        api.merge_patch_custom(NODE_POOLS, meta["namespace"], meta["name"], {
            "metadata": {"annotations": {PAUSED_BY_ANNOTATION: None}},
            "spec": {"pausedUntil": paused_by.get("paused_until_before")},
        })
        resumed.append(meta["name"])
    return {"restored_replicas": record.replicas if record else {},
            "nodepools": sorted(resumed)}
