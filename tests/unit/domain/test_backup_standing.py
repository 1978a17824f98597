"""A failed backup's notice: the API-down case first, then each cleanup left undone.

The trails are what statemachines/backup.asl.json's failure path writes: `quiesce` and
`resumed` when those stages finished, `resume_error`/`cleanup_error`/`lock_release_error`
from the Catches of the undo steps.
"""

from __future__ import annotations

import pytest

from hcp_dr.domain.backup_standing import backup_failure_notice, writers_left_down
from hcp_dr.models.backup_state import BackupFailureTrail, BackupRequest, FailureInfo

BACKUP_ID = "20260101T120000Z-0a1b2c3d"
ERROR = FailureInfo(Error="SnapshotFailed", Cause="etcdctl: context deadline exceeded")
QUIESCE = {"replicas": {"kube-apiserver": 3}, "paused_until_before": None}
SNAPSHOT = {"pod": "etcd-1", "path": f"/var/lib/data/hcp-dr-{BACKUP_ID}.db", "sha256": "0" * 64,
            "size_bytes": 1, "revision": 1, "total_keys": 1, "etcd_hash": 1}


def _request(consistency: str) -> BackupRequest:
    return BackupRequest(management_cluster="mc-a", namespace="clusters", name="cesar",
                         consistency=consistency)


def _notice(consistency: str = "quiesced", **trail: object):
    return backup_failure_notice(_request(consistency), BACKUP_ID, ERROR,
                                 BackupFailureTrail.model_validate(trail))


@pytest.mark.parametrize(("consistency", "trail", "down"), [
    ("quiesced", {}, False),  # failed before QuiesceWriters: nothing was scaled
    ("quiesced", {"quiesce": QUIESCE, "resumed": {"replicas": {}}}, False),
    ("quiesced", {"quiesce": QUIESCE}, True),  # ResumeWriters itself failed
    ("quiesced", {"quiesce": QUIESCE, "resume_error": {"Error": "X"}}, True),
    ("quiesced", {"resume_error": {"Error": "X"}}, True),  # QuiesceWriters failed half-way
    ("online", {"quiesce": QUIESCE}, False),
])
def test_the_writers_are_down_only_if_quiesced_and_never_resumed(consistency, trail, down):
    request = _request(consistency)
    assert writers_left_down(request, BackupFailureTrail.model_validate(trail)) is down


def test_writers_left_down_lead_the_notice_with_the_annotation_to_restore_from():
    notice = _notice(quiesce=QUIESCE, resume_error={"Error": "KubernetesApiUnavailable"},
                     cleanup_error={"Error": "PodCommandFailed"})
    assert notice.api_may_be_down
    assert notice.subject == "hcp-dr backup failed: HOSTED CLUSTER API MAY BE DOWN"
    first, second = notice.manual_actions
    assert "ResumeWritersAfterFailure failed with KubernetesApiUnavailable" in first
    assert "hcp-dr.openshift.io/quiesced" in first and "clusters-cesar" in first
    assert f"/var/lib/data/hcp-dr-{BACKUP_ID}.db from the etcd pods" in second
    assert notice.summary.index("(1) Bring the API") < notice.summary.index("(2) Delete")


def test_the_main_resume_failing_names_that_step_and_the_original_error():
    (action,) = _notice(quiesce=QUIESCE).manual_actions
    assert "ResumeWriters failed with SnapshotFailed" in action


def test_a_known_snapshot_pod_is_named():
    (action,) = _notice("online", snapshot=SNAPSHOT,
                        cleanup_error={"Error": "PodCommandFailed"}).manual_actions
    assert "from the etcd pod etcd-1 of clusters-cesar on mc-a" in action


def test_a_lock_left_held_is_said_but_asks_nothing_of_a_person():
    """The next backup or migration takes over the lock of a backup that has ended."""
    notice = _notice("online", lock_release_error={"Error": "AwsServiceUnavailable"})
    assert not notice.api_may_be_down and notice.manual_actions == ()
    assert notice.subject == "hcp-dr backup failed"
    assert notice.summary.endswith("(AwsServiceUnavailable); the next backup or migration of "
                                   "clusters/cesar takes it over, as this run has ended.")


def test_nothing_left_behind_is_said_plainly_without_the_cause_text():
    notice = _notice("online")
    assert notice.manual_actions == () and notice.subject == "hcp-dr backup failed"
    assert notice.summary.endswith("The hosted cluster was left as it was.")
    assert "(online) failed with SnapshotFailed; it is not offered for restore" in notice.summary
    assert "deadline" not in notice.summary
