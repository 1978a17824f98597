"""A Backup execution stopped or timed out ran no failure path: its writers come back from
its own record, its lock is released; nothing of another run is touched."""

from __future__ import annotations

from datetime import UTC, datetime

from hcp_dr.domain.backup_recovery import EndedBackup, recover_ended_backup
from hcp_dr.domain.dr_locks import hosted_cluster_lock_id
from hcp_dr.domain.reconciliation import QUIESCE_ANNOTATION, pause_reconciliation
from hcp_dr.models.backup_state import BackupRequest
from hcp_dr.models.kinds import DEPLOYMENTS, HOSTED_CLUSTERS
from tests.unit.migration.fakes import FakeLocks
from tests.unit.migration.world import HCP_NS, NAME, NS, source_cluster

ARN = "arn:aws:states:us-east-1:111122223333:execution:Backup:tick-0900"
STARTED = datetime(2026, 1, 1, 9, 0, 3, tzinfo=UTC)
REQUEST = BackupRequest(management_cluster="source", namespace=NS, name=NAME,
                        consistency="quiesced")
ENDED = EndedBackup(ARN, "tick-0900", "ABORTED", STARTED, REQUEST)
LOCK = hosted_cluster_lock_id(NS, NAME)


def _replicas(kube, name: str) -> int:
    return kube.get_object(DEPLOYMENTS, HCP_NS, name)["spec"]["replicas"]


def test_a_stopped_quiesced_backup_gets_its_writers_back_and_its_lock_released():
    kube, locks = source_cluster(), FakeLocks()
    locks.acquire(LOCK, ARN, 0, 60, "backup")
    pause_reconciliation(kube, REQUEST.ref, ENDED.backup_id)  # what the stopped run did
    assert _replicas(kube, "kube-apiserver") == 0

    result = recover_ended_backup(kube, locks, ENDED)

    assert result["restored_replicas"]["kube-apiserver"] == 3 and result["lock_released"]
    assert _replicas(kube, "kube-apiserver") == 3
    hc = kube.get_object(HOSTED_CLUSTERS, NS, NAME)
    assert QUIESCE_ANNOTATION not in (hc["metadata"].get("annotations") or {})
    assert LOCK not in locks.held
    again = recover_ended_backup(kube, locks, ENDED)  # the event delivered twice
    assert again["restored_replicas"] == {} and again["lock_released"] is False


def test_another_runs_record_and_lock_are_left_alone():
    kube, locks = source_cluster(), FakeLocks()
    locks.acquire(LOCK, "arn:aws:states:us-east-1:111122223333:execution:Backup:other", 0,
                  60, "backup")
    pause_reconciliation(kube, REQUEST.ref, "20260101T080000Z-0a1b2c3d")

    result = recover_ended_backup(kube, locks, ENDED)

    assert result["restored_replicas"] == {} and result["lock_released"] is False
    assert _replicas(kube, "kube-apiserver") == 0  # someone else's pause: not ours to undo
    assert locks.held[LOCK].endswith(":other")


def test_the_backup_id_is_the_one_its_stages_wrote_under():
    assert ENDED.backup_id.startswith("20260101T090003Z-")


class Clock:
    def __init__(self, now: float) -> None:
        self.now, self.sleeps = now, []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _patience(clock: Clock):
    from hcp_dr.domain.backup_recovery import RecoveryPatience

    return RecoveryPatience(grace_seconds=75, budget_seconds=120, retry_seconds=30,
                            wall_clock=clock.time, monotonic=clock.time, sleep=clock.sleep)


def test_the_recovery_waits_out_the_grace_then_keeps_trying_through_a_silent_cluster():
    """A QuiesceWriters still running after the stop could scale the writers down again
    behind the recovery; a management cluster that hangs (why the backup was stopped) must
    not exhaust Lambda's two retries."""
    from hcp_dr.domain.backup_recovery import recover_ended_backup_patiently
    from hcp_dr.errors import KubernetesApiUnavailable

    kube, locks, clock = source_cluster(), FakeLocks(), Clock(1000.0)
    pause_reconciliation(kube, REQUEST.ref, ENDED.backup_id)
    attempts = []

    def api():
        attempts.append(clock.now)
        if len(attempts) < 3:
            raise KubernetesApiUnavailable("read timed out")
        return kube

    result = recover_ended_backup_patiently(api, locks, ENDED, stopped_at=990.0,
                                            patience=_patience(clock))
    assert clock.sleeps == [65.0, 30, 30]  # the rest of the grace, then two retries
    assert attempts == [1065.0, 1095.0, 1125.0]
    assert result["restored_replicas"]["kube-apiserver"] == 3


def test_a_cluster_silent_past_the_budget_fails_the_invocation():
    import pytest

    from hcp_dr.domain.backup_recovery import recover_ended_backup_patiently
    from hcp_dr.errors import KubernetesApiUnavailable

    clock = Clock(1000.0)

    def api():
        raise KubernetesApiUnavailable("read timed out")

    with pytest.raises(KubernetesApiUnavailable):
        recover_ended_backup_patiently(api, FakeLocks(), ENDED, stopped_at=0.0,
                                       patience=_patience(clock))
    assert clock.sleeps == [0.0, 30, 30, 30, 30]  # grace long over; 120 s of retries
