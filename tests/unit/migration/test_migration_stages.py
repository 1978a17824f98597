"""Small stages: request validation, locks, readiness, OVN restart, report checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from hcp_dr.domain.migration.ovn import OVN_NAMESPACE, restart_ovn
from hcp_dr.domain.migration.readiness import ReadinessPatience, await_hosted_cluster_ready
from hcp_dr.domain.migration.report import dns_moved
from hcp_dr.domain.migration.start import (
    DNS_BACKSTOP_MARGIN_SECONDS,
    acquire_migration_locks,
    release_migration_locks,
    validate_migration_request,
)
from hcp_dr.errors import (
    BackupInProgress,
    ClusterLocked,
    GuestApiUnavailable,
    HostedClusterNotReady,
    UnknownManagementCluster,
)
from hcp_dr.models.backup_state import BackupState, ExecutionContext
from hcp_dr.models.kinds import HOSTED_CLUSTERS, NODE_POOLS, NODES, PODS
from hcp_dr.models.migration_run import MigrationRequest
from tests.unit.migration.fakes import FakeKube, FakeLocks
from tests.unit.migration.world import (
    EXECUTION,
    NAME,
    NS,
    STARTED,
    destination_cluster,
    hosted_cluster,
    nodepool,
    preflighted,
    request,
)


class Kubeconfigs:
    def __init__(self, *known: str) -> None:
        self.known = known

    def load(self, cluster: str) -> dict:
        if cluster not in self.known:
            raise UnknownManagementCluster(cluster)
        return {"clusters": [{}]}


CONTEXT = ExecutionContext(execution_id=EXECUTION, execution_name="m-1", started_at=STARTED)


def test_validation_names_the_run_and_shapes_the_backup_state():
    state = validate_migration_request(Kubeconfigs("source", "destination"),
                                       request(dns_timeout_seconds=60), CONTEXT)
    backup = BackupState.model_validate(state["backup_state"])
    assert backup.request.consistency == "quiesced"
    assert backup.request.management_cluster == "source"
    assert backup.backup.backup_id == state["migration"]["migration_id"]
    assert state["migration"]["dns_backstop_seconds"] == 60 + DNS_BACKSTOP_MARGIN_SECONDS
    again = validate_migration_request(Kubeconfigs("source", "destination"),
                                       request(dns_timeout_seconds=60), CONTEXT)
    assert again == state


def test_validation_needs_both_clusters_registered():
    with pytest.raises(UnknownManagementCluster):
        validate_migration_request(Kubeconfigs("source"), request(), CONTEXT)


@pytest.mark.parametrize("overrides", [
    {"destination": "source"}, {"approval": "maybe"}, {"restore_url_ttl_seconds": 604801},
    {"dns_timeout_seconds": 5}, {"surprise": 1}, {"hosted_cluster": {"namespace": "UPPER",
                                                                    "name": "x"}},
])
def test_invalid_requests(overrides):
    with pytest.raises(ValidationError):
        MigrationRequest.model_validate({"hosted_cluster": {"namespace": NS, "name": NAME},
                                         "source": "source", "destination": "destination",
                                         **overrides})


def test_locks_cover_the_hc_and_the_source_operator_and_release_only_ours():
    locks = FakeLocks()
    state = preflighted()
    assert acquire_migration_locks(locks, state, 0, 60, RUNNING)["lock_ids"] == [
        f"hosted-cluster/{NS}/{NAME}", "operator/source"]
    acquire_migration_locks(locks, state, 1, 60, RUNNING)  # a retry re-acquires its own
    other = state.model_copy(update={"migration": state.migration.model_copy(
        update={"execution_id": "other"})})
    with pytest.raises(ClusterLocked):
        acquire_migration_locks(locks, other, 2, 60, RUNNING)
    assert release_migration_locks(locks, other) == {"released": []}
    assert len(release_migration_locks(locks, state)["released"]) == 2


def RUNNING(_execution: str) -> str:  # noqa: N802  (a status lookup used like a constant)
    return "RUNNING"


def test_a_backup_holding_the_lock_is_waited_for_another_migration_is_not():
    """A scheduled tick that listed the cluster just before the migration began holds its
    lock for minutes: BackupInProgress, which the machine retries. Another migration holds it
    for hours: ClusterLocked, which fails at once."""
    state = preflighted()
    hc_lock = f"hosted-cluster/{NS}/{NAME}"
    locks = FakeLocks()
    locks.acquire(hc_lock, "arn:backup-execution", 0, 60, "backup")
    with pytest.raises(BackupInProgress, match="locked"):
        acquire_migration_locks(locks, state, 1, 60, RUNNING)
    locks.release(hc_lock, "arn:backup-execution")
    assert acquire_migration_locks(locks, state, 2, 60, RUNNING)["lock_ids"][0] == hc_lock
    other = state.model_copy(update={"migration": state.migration.model_copy(
        update={"execution_id": "other"})})
    with pytest.raises(ClusterLocked) as refused:
        acquire_migration_locks(locks, other, 3, 60, lambda _: "FAILED")
    assert not isinstance(refused.value, BackupInProgress)  # a failed migration's: never taken


def test_the_lock_of_a_backup_that_no_longer_runs_is_taken_over():
    """Stopped or timed out, a backup left its lock for up to lockTtlSeconds (6 h): the
    migration does not wait for it, it takes the lock over from that holder only."""
    state = preflighted()
    hc_lock = f"hosted-cluster/{NS}/{NAME}"
    locks = FakeLocks()
    locks.acquire(hc_lock, "arn:stopped-backup", 0, 60, "backup")
    asked: list[str] = []

    def ended(execution: str) -> str:
        asked.append(execution)
        return "ABORTED"

    result = acquire_migration_locks(locks, state, 1, 60, ended)
    assert asked == ["arn:stopped-backup"]
    assert result["taken_over_from"] == {hc_lock: "stopped-backup"}
    assert locks.held[hc_lock] == state.migration.execution_id
    assert locks.purposes[hc_lock] == "migration"


@pytest.mark.parametrize(("status", "taken"), [("SUCCEEDED", True), ("FAILED", False),
                                               ("ABORTED", False), ("RUNNING", False)])
def test_locks_a_succeeded_migration_left_are_taken_over_any_other_migrations_are_not(
        status: str, taken: bool):
    """A migration of another hosted cluster from the same source needs the source operator's
    lock; one that succeeded but whose release failed would refuse it for 7 days."""
    state = preflighted()
    locks = FakeLocks()
    earlier = "arn:aws:states:us-east-1:111122223333:execution:Migration:earlier"
    locks.acquire("operator/source", earlier, 0, 60, "migration")
    if taken:
        result = acquire_migration_locks(locks, state, 1, 60, lambda _: status)
        assert result["taken_over_from"] == {"operator/source": "earlier"}
        assert locks.held["operator/source"] == state.migration.execution_id
    else:
        with pytest.raises(ClusterLocked) as refused:
            acquire_migration_locks(locks, state, 1, 60, lambda _: status)
        assert not isinstance(refused.value, BackupInProgress)
        assert locks.held["operator/source"] == earlier


def _guest_world(ready_nodes: int, available: bool = True):
    destination = destination_cluster()
    hc = hosted_cluster()
    if not available:
        hc["status"]["conditions"] = [{"type": "Available", "status": "False"}]
    destination.put(HOSTED_CLUSTERS, NS, hc)
    destination.put(NODE_POOLS, NS, nodepool(replicas=2))
    guest = FakeKube("guest")
    for index in range(2):
        guest.put(NODES, None, {"metadata": {"name": f"n{index}"}, "status": {"conditions": [
            {"type": "Ready", "status": "True" if index < ready_nodes else "False"}]}})
    seen = []

    def connect(api, namespace, secret):
        seen.append((api.cluster_id, namespace, secret))
        return guest

    return destination, guest, connect, seen


class FakeClock:
    """Monotonic time that moves only when the wait sleeps; `on_sleep` changes the world."""

    def __init__(self, on_sleep=None):
        self.now, self.sleeps, self._on_sleep = 0.0, [], on_sleep

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        if self._on_sleep:
            self._on_sleep(len(self.sleeps))


def test_ready_when_available_and_all_workers_ready():
    destination, _, connect, seen = _guest_world(2)
    now = datetime(2026, 1, 1, 13, tzinfo=UTC)
    clock = FakeClock()
    result = await_hosted_cluster_ready(destination, connect, preflighted(), now,
                                        ReadinessPatience(45.0, 1.0, clock.monotonic, clock.sleep))
    assert (result.ready_nodes, result.expected_nodes, result.ready_at) == (2, 2, now)
    assert clock.sleeps == []  # ready at the first look: no waiting
    assert seen == [("destination", NS, f"{NAME}-admin-kubeconfig")]


@pytest.mark.parametrize(("ready", "available"), [(1, True), (2, False)])
def test_not_ready_is_transient(ready, available):
    destination, _, connect, _ = _guest_world(ready, available)
    with pytest.raises(HostedClusterNotReady):
        await_hosted_cluster_ready(destination, connect, preflighted(), STARTED)


def test_nodepools_missing_on_the_destination_do_not_make_zero_workers_enough():
    """The source's NodePools asked for 2 workers at preflight; a destination that serves no
    NodePool (not restored yet, or its CRD missing) must not pass with 0 Ready."""
    destination, _guest, connect, _ = _guest_world(0)
    destination.objects = {k: v for k, v in destination.objects.items() if k[1] != "nodepools"}
    assert preflighted().preflight.expected_nodes == 2
    with pytest.raises(HostedClusterNotReady, match="0 of 2"):
        await_hosted_cluster_ready(destination, connect, preflighted(), STARTED)


def test_guest_api_still_down_is_not_ready():
    destination, guest, connect, _ = _guest_world(2)
    guest.unavailable = True
    with pytest.raises(HostedClusterNotReady, match="0 of 2"):
        await_hosted_cluster_ready(destination, connect, preflighted(), STARTED)


def test_waits_within_the_invocation_until_the_guest_answers():
    destination, guest, connect, seen = _guest_world(2)
    guest.unavailable = True

    def guest_comes_up(sleeps):
        guest.unavailable = sleeps < 3

    clock = FakeClock(guest_comes_up)
    patience = ReadinessPatience(45.0, 1.0, clock.monotonic, clock.sleep)
    result = await_hosted_cluster_ready(destination, connect, preflighted(), STARTED, patience)
    # Ready at the first look after the guest came up: 3 polls later, not a Retry later.
    assert clock.sleeps == [1.0, 1.0, 1.0]
    assert result.ready_at == STARTED + timedelta(seconds=3)
    assert result.ready_nodes == 2
    assert len(seen) == 1  # one guest client for the whole wait


def test_gives_back_to_the_retry_when_the_budget_is_spent():
    destination, _, connect, _ = _guest_world(2, available=False)
    clock = FakeClock()
    patience = ReadinessPatience(5.0, 1.0, clock.monotonic, clock.sleep)
    with pytest.raises(HostedClusterNotReady, match="not Available"):
        await_hosted_cluster_ready(destination, connect, preflighted(), STARTED, patience)
    assert sum(clock.sleeps) <= 5.0 and len(clock.sleeps) == 5


def test_ovn_restart_deletes_only_pods_older_than_readiness():
    destination, guest, connect, _ = _guest_world(2)
    ready_at = datetime(2026, 1, 1, 13, tzinfo=UTC)
    for name, created in (("old-1", ready_at - timedelta(hours=2)),
                          ("old-2", ready_at - timedelta(minutes=1)),
                          ("replaced", ready_at + timedelta(seconds=5))):
        guest.put(PODS, OVN_NAMESPACE, {"metadata": {
            "name": name, "creationTimestamp": created.strftime("%Y-%m-%dT%H:%M:%SZ")}})
    state = preflighted(ready={"ready_nodes": 2, "expected_nodes": 2,
                               "ready_at": ready_at.isoformat()})
    assert restart_ovn(destination, connect, state) == {"deleted_pods": 2, "kept_pods": 1}
    assert guest.names(PODS, OVN_NAMESPACE) == ["replaced"]
    assert restart_ovn(destination, connect, state) == {"deleted_pods": 0, "kept_pods": 1}


def test_dns_moved_needs_every_hostname_away_from_the_source():
    before = {"a": ["router.source"], "b": ["router.source"]}
    assert dns_moved({"a": ["router.dest"], "b": ["router.dest"]}, before, ["a", "b"])
    assert not dns_moved({"a": ["router.dest"]}, before, ["a", "b"])
    assert not dns_moved({"a": ["router.dest"], "b": ["router.source"]}, before, ["a", "b"])
    assert dns_moved({"a": ["x"]}, {}, ["a"])


def test_ovn_restart_meets_an_unanswering_guest_api_with_its_own_retryable_error():
    destination, guest, connect, _ = _guest_world(2)
    guest.unavailable = True
    state = preflighted(ready={"ready_nodes": 2, "expected_nodes": 2,
                               "ready_at": STARTED.isoformat()})
    with pytest.raises(GuestApiUnavailable, match=f"hosted cluster {NS}/{NAME}"):
        restart_ovn(destination, connect, state)
