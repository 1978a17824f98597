"""A stopped Backup run redriven from the console after RecoverEndedBackup put the writers back
and released its lock must change nothing more: its stages that quiesce, snapshot, complete
or prune refuse (BackupLockLost), and its resume trusts only the annotation, not the hours-old
counts it carries."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from hcp_dr.domain.dr_locks import holds_backup_lock, hosted_cluster_lock_id, require_backup_lock
from hcp_dr.errors import BackupLockLost
from hcp_dr.handlers import backup_task, quiesce_writers, resume_writers
from hcp_dr.models.backup_state import BackupRequest, BackupRun, BackupState
from hcp_dr.models.kinds import DEPLOYMENTS
from tests.unit.lambda_context import LambdaContextStub
from tests.unit.migration.fakes import FakeLocks
from tests.unit.migration.world import HCP_NS, NAME, NS, source_cluster

ARN = "arn:aws:states:us-east-1:111122223333:execution:Backup:tick-0900"
LOCK = hosted_cluster_lock_id(NS, NAME)
STATE = BackupState(
    request=BackupRequest(management_cluster="source", namespace=NS, name=NAME,
                          consistency="quiesced"),
    backup=BackupRun(backup_id="20260101T090003Z-0badcafe", execution_id=ARN,
                     started_at=datetime(2026, 1, 1, 9, 0, 3, tzinfo=UTC)),
    quiesce={"paused_until_before": None, "replicas": {"kube-apiserver": 3},
             "owner": "20260101T090003Z-0badcafe"})


Context = LambdaContextStub


def _holding(*owners: str) -> FakeLocks:
    locks = FakeLocks()
    for owner in owners:
        locks.acquire(LOCK, owner, 0, 60, "backup")
    return locks


def test_the_guard_passes_the_holder_only():
    require_backup_lock(_holding(ARN), STATE)
    assert not holds_backup_lock(_holding("arn:another-run"), STATE)
    with pytest.raises(BackupLockLost, match="no longer holds the lock of clusters/"):
        require_backup_lock(_holding(), STATE)


def test_a_redriven_quiesce_touches_nothing(monkeypatch):
    kube = source_cluster()
    monkeypatch.setattr(backup_task.dependencies, "lock_table", FakeLocks)
    monkeypatch.setattr(quiesce_writers, "cluster_api", lambda state: kube)
    event = json.loads(STATE.model_copy(update={"quiesce": None}).model_dump_json())
    with pytest.raises(BackupLockLost):
        quiesce_writers.handler(event, Context())
    assert kube.writes == []


@pytest.mark.parametrize(("owners", "restored"), [((ARN,), {"kube-apiserver": 3}), ((), {})])
def test_the_resume_falls_back_on_its_counts_only_while_it_holds_the_lock(monkeypatch, owners,
                                                                          restored):
    kube = source_cluster()  # no annotation: the recovery already resumed and removed it
    kube.scale_deployment(HCP_NS, "kube-apiserver", 1)  # what someone set since
    monkeypatch.setattr(resume_writers.dependencies, "lock_table", lambda: _holding(*owners))
    monkeypatch.setattr(resume_writers, "cluster_api", lambda state: kube)
    result = resume_writers.handler(json.loads(STATE.model_dump_json()), Context())
    assert result["restored_replicas"] == restored
    expected = 3 if restored else 1
    assert kube.get_object(DEPLOYMENTS, HCP_NS, "kube-apiserver")["spec"]["replicas"] == expected
