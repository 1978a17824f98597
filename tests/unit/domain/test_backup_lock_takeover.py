"""A backup takes over the lock of a backup that no longer runs (stopped by hand or timed
out: it never released it) and of a migration that succeeded without releasing it; never a
running one's, never a failed or stopped migration's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hcp_dr.domain.dr_locks import acquire_backup_lock, hosted_cluster_lock_id
from hcp_dr.errors import AwsRequestRejected, AwsServiceUnavailable, ClusterLocked
from hcp_dr.models.backup_state import BackupRequest, BackupRun, BackupState
from tests.unit.migration.fakes import FakeLocks

LOCK = hosted_cluster_lock_id("clusters", "cesar")
OLD = "arn:aws:states:us-east-1:111122223333:execution:Backup:old-run"
NEW = "arn:aws:states:us-east-1:111122223333:execution:Backup:new-run"


def _state(execution_id: str = NEW) -> BackupState:
    return BackupState(
        request=BackupRequest(management_cluster="mc-a", namespace="clusters", name="cesar"),
        backup=BackupRun(backup_id="20260101T000000Z-0a1b2c3d",
                         started_at=datetime(2026, 1, 1, tzinfo=UTC), execution_id=execution_id))


def _held_by(owner: str, purpose: str) -> FakeLocks:
    locks = FakeLocks()
    locks.held[LOCK], locks.purposes[LOCK] = owner, purpose
    return locks


def test_the_lock_of_a_backup_that_ended_without_releasing_it_is_taken_over():
    locks, asked = _held_by(OLD, "backup"), []

    result = acquire_backup_lock(locks, _state(), 1, 60,
                                 lambda arn: asked.append(arn) or "ABORTED")

    assert result == {"lock_id": LOCK, "taken_over_from": "old-run"}
    assert asked == [OLD] and locks.held[LOCK] == NEW and locks.purposes[LOCK] == "backup"


@pytest.mark.parametrize(("purpose", "status"), [
    ("backup", "RUNNING"), ("migration", "RUNNING"), ("migration", "FAILED"),
    ("migration", "ABORTED"), ("migration", "TIMED_OUT"), ("migration", None)])
def test_a_running_backup_and_a_migration_that_did_not_succeed_keep_the_lock(
        purpose: str, status: str | None):
    locks = _held_by(OLD, purpose)
    with pytest.raises(ClusterLocked):
        acquire_backup_lock(locks, _state(), 1, 60, lambda arn: status)
    assert locks.held[LOCK] == OLD


def test_the_lock_a_succeeded_migration_could_not_release_is_taken_over():
    """It migrated; only its ReleaseMigrationLocks failed. Its lock protects nothing now, and
    would refuse this hosted cluster's backups for the migration lock's TTL (7 days)."""
    locks = _held_by(OLD, "migration")

    result = acquire_backup_lock(locks, _state(), 1, 60, lambda arn: "SUCCEEDED")

    assert result == {"lock_id": LOCK, "taken_over_from": "old-run"}
    assert locks.held[LOCK] == NEW and locks.purposes[LOCK] == "backup"


def test_a_migration_holder_whose_description_is_refused_keeps_its_lock():
    locks = _held_by(OLD, "migration")

    def refused(arn: str) -> str:
        raise AwsRequestRejected("Step Functions DescribeExecution: AccessDeniedException")

    with pytest.raises(ClusterLocked):
        acquire_backup_lock(locks, _state(), 1, 60, refused)
    assert locks.held[LOCK] == OLD


@pytest.mark.parametrize("purpose", ["backup", "migration"])
def test_a_throttled_description_is_retried_not_a_refusal(purpose: str):
    """The stage retries AwsServiceUnavailable and asks again; ClusterLocked would fail the
    run at once and keep a lock left by a succeeded migration over one throttled call."""
    locks = _held_by(OLD, purpose)

    def throttled(arn: str) -> str:
        raise AwsServiceUnavailable("Step Functions: ThrottlingException")

    with pytest.raises(AwsServiceUnavailable):
        acquire_backup_lock(locks, _state(), 1, 60, throttled)
    assert locks.held[LOCK] == OLD
