"""What a failed backup leaves behind, and what a person must still do.

An online backup changes nothing on the cluster, so its failure is only a missing backup
(the freshness alarm covers that). A quiesced one scaled the etcd writers to 0: if bringing
them back failed too, the hosted cluster's API is down, and the notification must say so
first, with the annotation that holds the counts to restore. A snapshot file the cleanup could
not remove fills etcd's data volume. Each becomes one numbered action; no partial backup is
ever offered for restore (the manifest is written last), and a lock the failure path could not
release is taken over by the next backup or migration (its holder has ended), so neither
needs one.
"""

from __future__ import annotations

from dataclasses import dataclass

from hcp_dr.domain.etcd_snapshot import snapshot_path
from hcp_dr.domain.manual_actions import MANUAL_ACTION_REQUIRED, runbook
from hcp_dr.domain.reconciliation import ETCD_WRITERS, QUIESCE_ANNOTATION
from hcp_dr.models.backup_state import BackupFailureTrail, BackupRequest, FailureInfo

SUBJECT_PREFIX = "hcp-dr backup failed"


@dataclass(frozen=True)
class BackupFailureNotice:
    api_may_be_down: bool
    manual_actions: tuple[str, ...]
    summary: str

    @property
    def subject(self) -> str:
        """An SNS subject (<= 100 characters) an on-call engineer can triage from."""
        if self.api_may_be_down:
            return f"{SUBJECT_PREFIX}: HOSTED CLUSTER API MAY BE DOWN"
        if self.manual_actions:
            return f"{SUBJECT_PREFIX}: {MANUAL_ACTION_REQUIRED}"
        return SUBJECT_PREFIX


def writers_left_down(request: BackupRequest, trail: BackupFailureTrail) -> bool:
    """Quiesced, and neither resume step finished: the writers may still be at 0."""
    if request.consistency != "quiesced" or trail.resumed is not None:
        return False
    return trail.quiesce is not None or trail.resume_error is not None


def _actions(request: BackupRequest, backup_id: str, error: FailureInfo,
             trail: BackupFailureTrail) -> list[str]:
    ref, actions = request.ref, []
    if writers_left_down(request, trail):
        step, failure = ("ResumeWritersAfterFailure", trail.resume_error) \
            if trail.resume_error is not None else ("ResumeWriters", error)
        actions.append(
            f"Bring the API of {ref.key} on {ref.management_cluster} back: the backup "
            f"quiesced it and {step} failed with {failure.Error}, so "
            f"{', '.join(ETCD_WRITERS)} in {ref.hcp_namespace} may still be at 0 replicas "
            f"and the HostedCluster paused. Scale them to the counts in the HostedCluster's "
            f"annotation {QUIESCE_ANNOTATION}, restore its spec.pausedUntil from the same "
            f"annotation, then remove the annotation (until then quiesced backups and "
            f"migrations refuse to pause it: LeftoverPauseRecord).")
    if trail.cleanup_error is not None:
        pod = f"etcd pod {trail.snapshot.pod}" if trail.snapshot else "etcd pods"
        actions.append(
            f"Delete {snapshot_path(backup_id)} from the {pod} of {ref.hcp_namespace} on "
            f"{ref.management_cluster}: RemoveSnapshotFileAfterFailure failed with "
            f"{trail.cleanup_error.Error}, and the file takes space on etcd's data volume.")
    return actions


def backup_failure_notice(request: BackupRequest, backup_id: str, error: FailureInfo,
                          trail: BackupFailureTrail) -> BackupFailureNotice:
    """Read the failure path's trail into what the on-call engineer must know and do."""
    actions = _actions(request, backup_id, error, trail)
    ref = request.ref
    summary = (f"Backup {backup_id} of hosted cluster {ref.key} on {ref.management_cluster} "
               f"({request.consistency}) failed with {error.Error}; it is not offered for "
               f"restore. ")
    summary += runbook(actions, "The hosted cluster was left as it was.")
    if trail.lock_release_error is not None:
        summary += (f" Its lock was not released ({trail.lock_release_error.Error}); the next "
                    f"backup or migration of {ref.key} takes it over, as this run has ended.")
    return BackupFailureNotice(writers_left_down(request, trail), tuple(actions), summary)
