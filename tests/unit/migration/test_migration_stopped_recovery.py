"""A Migration execution stopped by hand ran no compensation: the source is put back only if
the restore never began, from the same records the failure path uses, and safe twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hcp_dr.domain.migration.identity import location_of
from hcp_dr.domain.migration.pause import pause_hosted_cluster
from hcp_dr.domain.migration.routes import delete_source_routes
from hcp_dr.domain.migration.start import acquire_migration_locks, lock_ids
from hcp_dr.domain.migration.stopped import StoppedMigration, recover_stopped_migration
from hcp_dr.domain.reconciliation import QUIESCE_ANNOTATION
from hcp_dr.errors import AwsRequestRejected, AwsServiceUnavailable
from hcp_dr.models.kinds import DEPLOYMENTS, HOSTED_CLUSTERS, ROUTES
from tests.unit.migration.fakes import FakeBucket, FakeLocks
from tests.unit.migration.world import (
    EXECUTION,
    HCP_NS,
    NAME,
    NS,
    preflighted,
    source_cluster,
    zones,
)

NOW = datetime(2026, 1, 1, 12, 1, tzinfo=UTC)


def ENDED(_arn: str) -> bool:  # noqa: N802 - reads as the constant it stands for
    """The stopped execution is not running (it was not redriven)."""
    return False
BEFORE_RESTORE = frozenset({"ValidateRequest", "Preflight", "PreflightEtcd", "AcquireLocks",
                            "MarkSourceCluster", "PauseHostedCluster", "SnapshotEtcd",
                            "DeleteSourceRoutes", "AwaitDnsCleanup"})


def _stopped_while_waiting_for_dns():
    """Locks held, HC paused with writers at 0, Routes deleted: stopped in AwaitDnsCleanup."""
    kube, bucket, locks = source_cluster(), FakeBucket(), FakeLocks()
    state = preflighted()
    acquire_migration_locks(locks, state, 100, 3600, lambda _arn: True)
    pause = pause_hosted_cluster(kube, state, NOW)
    routes = delete_source_routes(kube, bucket, zones(), preflighted(pause=pause.model_dump()))
    last = preflighted(pause=pause.model_dump(), routes=routes.model_dump())
    return kube, bucket, locks, StoppedMigration(EXECUTION, BEFORE_RESTORE,
                                                 last.model_dump_json())


def _writers(kube) -> dict[str, int]:
    return {d["metadata"]["name"]: d["spec"]["replicas"]
            for d in kube.list_objects(DEPLOYMENTS, HCP_NS)}


def test_a_run_stopped_before_the_restore_puts_the_source_back_and_frees_the_locks():
    kube, bucket, locks, stopped = _stopped_while_waiting_for_dns()
    assert kube.list_objects(ROUTES, HCP_NS) == [] and locks.held
    result = recover_stopped_migration(lambda cluster: {"source": kube}[cluster], bucket,
                                       locks, ENDED, stopped)
    assert result["recovered"] is True
    assert result["routes"]["recreated"] == len(kube.list_objects(ROUTES, HCP_NS)) > 0
    assert all(n > 0 for n in _writers(kube).values())
    hc = kube.get_object(HOSTED_CLUSTERS, NS, NAME)
    assert "pausedUntil" not in hc["spec"]
    assert QUIESCE_ANNOTATION not in (hc["metadata"].get("annotations") or {})
    assert locks.held == {}

    before = (_writers(kube), kube.get_object(HOSTED_CLUSTERS, NS, NAME),
              kube.list_objects(ROUTES, HCP_NS))
    again = recover_stopped_migration(lambda cluster: kube, bucket, locks, ENDED, stopped)
    assert again["recovered"] is True and again["routes"]["recreated"] == 0
    # The event delivered twice leaves the cluster as the first delivery did.
    assert (_writers(kube), kube.get_object(HOSTED_CLUSTERS, NS, NAME),
            kube.list_objects(ROUTES, HCP_NS)) == before


def test_once_the_restore_began_nothing_is_touched():
    kube, bucket, locks, stopped = _stopped_while_waiting_for_dns()
    began = StoppedMigration(EXECUTION, stopped.entered | {"RestoreBegins"},
                             stopped.last_state_input)
    writes = len(kube.writes)
    result = recover_stopped_migration(lambda cluster: kube, bucket, locks, ENDED, began)
    assert (result["recovered"], result["reason"]) == (False, "restore-began")
    assert len(kube.writes) == writes and set(locks.held) == set(lock_ids(preflighted()))


def test_a_record_of_the_hc_requested_on_the_destination_is_enough_to_leave_it():
    """The history may lag or be cut: the restore's own record says the HC was asked for."""
    kube, bucket, locks, stopped = _stopped_while_waiting_for_dns()
    bucket.put_json(location_of(preflighted()).destination_hc_requested_key, {"at": "now"})
    result = recover_stopped_migration(lambda cluster: kube, bucket, locks, ENDED, stopped)
    assert (result["recovered"], result["reason"]) == (False, "restore-began")
    assert kube.list_objects(ROUTES, HCP_NS) == []


def test_a_run_stopped_before_its_request_was_validated_did_nothing_to_undo():
    reached = []
    result = recover_stopped_migration(reached.append, FakeBucket(), FakeLocks(), ENDED,
                                       StoppedMigration(EXECUTION, frozenset(),
                                                        '{"hosted_cluster": 1}'))
    assert (result["recovered"], result["reason"]) == (False, "stopped-before-validation")
    assert reached == []


def test_a_run_redriven_meanwhile_is_left_to_itself():
    kube, bucket, locks, stopped = _stopped_while_waiting_for_dns()
    result = recover_stopped_migration(lambda cluster: kube, bucket, locks,
                                       lambda arn: arn == EXECUTION, stopped)
    assert (result["recovered"], result["reason"]) == (False, "running-again")
    assert kube.list_objects(ROUTES, HCP_NS) == [] and locks.held


def test_a_throttled_look_at_the_restore_record_is_retried_not_taken_for_a_restore():
    kube, _, locks, stopped = _stopped_while_waiting_for_dns()

    class Throttled(FakeBucket):
        def head(self, key):
            raise AwsServiceUnavailable("S3 head: SlowDown")

    with pytest.raises(AwsServiceUnavailable):  # the recovery's patience tries again
        recover_stopped_migration(lambda cluster: kube, Throttled(), locks, ENDED, stopped)

    class Refused(FakeBucket):
        def head(self, key):
            raise AwsRequestRejected("S3 head: AccessDenied")

    result = recover_stopped_migration(lambda cluster: kube, Refused(), locks, ENDED, stopped)
    assert (result["recovered"], result["reason"]) == (False, "destination-record-unreadable")


def test_a_run_stopped_before_it_changed_the_source_frees_its_locks_without_reaching_it():
    """The likely reason to stop a run in its preflight: a source that does not answer."""
    locks, state = FakeLocks(), preflighted()
    acquire_migration_locks(locks, state, 100, 3600, lambda _arn: True)
    early = StoppedMigration(EXECUTION, frozenset({"ValidateRequest", "Preflight",
                                                   "AcquireLocks", "MarkSourceCluster"}),
                             state.model_dump_json())

    def unreachable(cluster):
        raise AssertionError(f"reached {cluster}")

    result = recover_stopped_migration(unreachable, FakeBucket(), locks, ENDED, early)
    assert result["recovered"] is True and locks.held == {}
