"""Where a failed migration leaves the hosted cluster, and what a person must still do.

The failure path undoes what it can and catches its own failures so that the execution always
reaches its outcome stage; but an undo step that failed changes what the operator must be
told. "Left running on the source" is only true if ResumeSource worked; after the teardown
began the cluster runs on the destination; a failed destination cleanup leaves our objects
there. Each failed undo step becomes one concrete manual action, named with the objects,
annotations and keys it involves, so the notification is a runbook and not a riddle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hcp_dr.domain.manual_actions import MANUAL_ACTION_REQUIRED, runbook
from hcp_dr.domain.migration.identity import (
    MIGRATION_LABEL,
    OPERATOR_DEPLOYMENT,
    OPERATOR_NAMESPACE,
    OPERATOR_REPLICAS_ANNOTATION,
    PAUSED_BY_ANNOTATION,
    RELEASED_ANNOTATION,
    MigrationLocation,
)
from hcp_dr.domain.reconciliation import QUIESCE_ANNOTATION
from hcp_dr.models.migration_run import (
    CompensationTrail,
    MigrationRequest,
    StageFailure,
)

RunsOn = Literal["source", "destination", "paused-on-source", "undetermined"]
HELD = "DestinationMayStillRun"  # CompensateDestination's errors when the source is held paused
STILL_STOPPING = "DestinationStillStopping"
SUBJECT_PREFIX = "hcp-dr migration failed"


@dataclass(frozen=True)
class MigrationStanding:
    """The hosted cluster's whereabouts after a failed migration, and the actions left."""

    runs_on: RunsOn
    manual_actions: tuple[str, ...]
    summary: str

    @property
    def subject(self) -> str:
        """An SNS subject (<= 100 characters) an on-call engineer can triage from."""
        if self.manual_actions:
            return f"{SUBJECT_PREFIX}: {MANUAL_ACTION_REQUIRED}"
        return f"{SUBJECT_PREFIX}: hosted cluster on the {self.runs_on}"


@dataclass(frozen=True)
class _Names:
    request: MigrationRequest
    migration_id: str

    @property
    def hosted_cluster(self) -> str:
        return self.request.hosted_cluster.key

    @property
    def hcp_namespace(self) -> str:
        return self.request.source_ref.hcp_namespace

    @property
    def location(self) -> MigrationLocation:
        hc = self.request.hosted_cluster
        return MigrationLocation(hc.namespace, hc.name, self.migration_id)


def _held(trail: CompensationTrail) -> bool:
    """HoldSourcePaused ran: the destination could not be reached to stop what was restored
    there (HELD), or the compensation failed otherwise after the restore began."""
    return bool(trail.held_source_paused) or (
        trail.compensation_error is not None
        and trail.compensation_error.Error in (HELD, STILL_STOPPING))


def _runs_on(trail: CompensationTrail) -> RunsOn:
    if trail.left_on_destination:
        return "destination"
    if trail.operator is not None or trail.operator_error is not None:
        return "destination"  # only the teardown's failure path and its success path get here
    if _held(trail):
        return "undetermined"
    if trail.resume_error is not None:
        return "paused-on-source"
    return "source"


def _held_paused(names: _Names, trail: CompensationTrail) -> str:
    request, hc = names.request, names.hosted_cluster
    failure = trail.compensation_error.Error if trail.compensation_error else HELD
    why = (f"the destination {request.destination} could not be reached to stop the control "
           f"plane restored there after its HostedCluster had been created"
           if failure == HELD else
           f"the pods of the control plane restored on {request.destination} were still there "
           f"minutes after it was scaled to 0 (pods stuck terminating, e.g. on a NotReady node)"
           if failure == STILL_STOPPING else
           f"CompensateDestination failed with {failure} after the restore on "
           f"{request.destination} began, so nothing confirmed that a control plane restored "
           f"there is stopped")
    return (
        f"Decide where {hc} runs: {why}, "
        f"so the source {request.source} was left paused (its Routes deleted) rather than run "
        f"a second control plane for the same cluster. If {request.destination} serves the "
        f"hosted cluster (HostedCluster {hc} Available, nodes Ready), finish the migration by "
        f"hand: tear the source down (guide step 9). Otherwise, on {request.destination} pause "
        f"the HostedCluster, scale the workloads of {names.hcp_namespace} to 0 and delete what "
        f"is labelled {MIGRATION_LABEL}={names.migration_id}; then on {request.source} "
        f"recreate the Routes from {names.location.prefix}routes/, scale the deployments of "
        f"{names.hcp_namespace} to the counts in the HostedCluster's annotation "
        f"{QUIESCE_ANNOTATION} and restore spec.pausedUntil of the HostedCluster and of the "
        f"NodePools annotated {PAUSED_BY_ANNOTATION}, then remove those annotations.")


def _no_approval(error: str) -> str:
    """Why no approval came, by the error's family (an operator's answer names its own)."""
    if error == "States.Timeout":
        return "nobody approved the teardown of the source within 24 h"
    if error.startswith("SNS."):
        return f"the approval request could not be sent ({error})"
    return (f"the approval ended with {error}, which neither approves (send-task-success) nor "
            f"rejects (send-task-failure --error ApprovalRejected)")


def _left_on_destination(names: _Names, error: StageFailure) -> str:
    request, hc = names.request, names.hosted_cluster
    why = _no_approval(error.Error)
    return (
        f"Decide about {hc}: {why}, so "
        f"nothing was undone. It runs on {request.destination}, which may hold changes made "
        f"since it went live; on {request.source} it is paused, its Routes deleted, and NOT "
        f"torn down. To finish the migration, tear the source down by hand (guide step 9: "
        f"scale {OPERATOR_NAMESPACE}/{OPERATOR_DEPLOYMENT} to 0, remove the finalizers and "
        f"delete the NodePools, CAPI objects, HostedControlPlane, {names.hcp_namespace} and "
        f"the HostedCluster, then scale the operator back) and delete the OVN pods of the "
        f"hosted cluster (step 10). To go back instead, knowing that every change made on "
        f"{request.destination} since is lost: on {request.destination} pause the "
        f"HostedCluster, scale the workloads of {names.hcp_namespace} to 0 and delete what is "
        f"labelled {MIGRATION_LABEL}={names.migration_id}; then on {request.source} recreate "
        f"the Routes from {names.location.prefix}routes/ and restore the counts in the "
        f"HostedCluster's annotation {QUIESCE_ANNOTATION} and its spec.pausedUntil.")


def _after_teardown_began(names: _Names, trail: CompensationTrail,
                          error: StageFailure) -> list[str]:
    source = names.request.source
    actions = []
    if trail.teardown is None:
        actions.append(
            f"Finish tearing down {names.hosted_cluster} on {source} (guide step 9): "
            f"TeardownSource failed with {error.Error}, so some of its objects remain there.")
    else:
        actions.append(
            f"Check the hosted cluster on {names.request.destination}: the migration failed "
            f"after the teardown with {error.Error}; the report is at "
            f"{names.location.report_key} when it was written.")
    if trail.operator_error is not None:
        actions.append(
            f"Scale deployment {OPERATOR_NAMESPACE}/{OPERATOR_DEPLOYMENT} on {source} back "
            f"to the replica count in its annotation {OPERATOR_REPLICAS_ANNOTATION}: "
            f"RestoreSourceOperator failed with {trail.operator_error.Error}.")
    if trail.ovn_error is not None:
        actions.append(
            f"Delete the OVN pods of {names.hosted_cluster} in the hosted cluster (guide step "
            f"10), so its nodes reconnect to the control plane on {names.request.destination}: "
            f"RestartOvn failed with {trail.ovn_error.Error}; until then new workloads may get "
            f"no network.")
    return actions


def _before_teardown(names: _Names, trail: CompensationTrail) -> list[str]:
    request, actions = names.request, []
    if _held(trail):
        return [_held_paused(names, trail)]
    if trail.resume_error is not None:
        actions.append(
            f"Bring {names.hosted_cluster} back up on {request.source}: ResumeSource failed "
            f"with {trail.resume_error.Error}, so it may still be paused with its etcd writers "
            f"and control-plane operator at 0 replicas (its API down). Scale the deployments "
            f"in {names.hcp_namespace} to the counts in the HostedCluster's annotation "
            f"{QUIESCE_ANNOTATION}, then restore spec.pausedUntil of the HostedCluster and of "
            f"the NodePools annotated {PAUSED_BY_ANNOTATION} from those annotations, and "
            f"remove the annotations (until then later backups and migrations refuse to pause "
            f"it: LeftoverPauseRecord).")
    if trail.recreate_error is not None:
        actions.append(
            f"Recreate on {request.source} the Routes of {names.hcp_namespace} that are "
            f"missing, from their copies under {names.location.prefix}routes/: "
            f"RecreateSourceRoutes failed with {trail.recreate_error.Error}; until they "
            f"exist ExternalDNS publishes no records for the hosted cluster's API and apps.")
    if trail.dns_release_error is not None:
        actions.append(
            f"Check Route 53: records of the hosted cluster may still point at "
            f"{request.destination} (AwaitDnsReleasedByDestination failed with "
            f"{trail.dns_release_error.Error}).")
    kept = trail.compensation.kept_namespaces if trail.compensation else []
    if kept:
        actions.append(
            f"Delete namespace {', '.join(kept)} on {request.destination} once nobody uses it: "
            f"this migration created it, but others have since put objects in it, so the "
            f"compensation removed only its own objects and left it (annotation "
            f"{RELEASED_ANNOTATION}).")
    if trail.compensation_error is not None:
        pending = trail.compensation_error.Error == "DestinationCleanupPending"
        actions.append(
            f"Delete from {request.destination} what this migration created: objects and "
            f"namespaces labelled {MIGRATION_LABEL}={names.migration_id}"
            + (f", once no pod of {request.destination_ref.hcp_namespace} runs there any "
               f"more (its controllers were scaled to 0, but pods or objects were still "
               f"terminating)" if pending else "")
            + f" (CompensateDestination failed with {trail.compensation_error.Error}).")
    return actions


def _where(runs_on: RunsOn, request: MigrationRequest) -> str:
    if runs_on == "destination":
        return f"runs on {request.destination}"
    if runs_on == "paused-on-source":
        return f"may NOT be running: it can still be paused on {request.source}"
    if runs_on == "undetermined":
        return (f"is held paused on {request.source}; {request.destination} may be running "
                f"it")
    return f"keeps running on {request.source}"


def migration_standing(request: MigrationRequest, migration_id: str, error: StageFailure,
                       trail: CompensationTrail) -> MigrationStanding:
    """Read the failure path's trail into where the cluster is and what is left to do."""
    names = _Names(request, migration_id)
    runs_on = _runs_on(trail)
    if trail.left_on_destination:
        actions = [_left_on_destination(names, error)]
    elif runs_on == "destination":
        actions = _after_teardown_began(names, trail, error)
    else:
        actions = _before_teardown(names, trail)
    if trail.lock_release_error is not None:
        actions.append(
            f"Expect new migrations and backups of {names.hosted_cluster} to be refused until "
            f"this migration's locks expire: ReleaseMigrationLocks failed with "
            f"{trail.lock_release_error.Error}.")
    summary = (f"Migration {migration_id} of hosted cluster {names.hosted_cluster} from "
               f"{request.source} to {request.destination} failed with {error.Error}. "
               f"The hosted cluster {_where(runs_on, request)}. ")
    summary += runbook(actions, "Everything this migration changed was undone.")
    return MigrationStanding(runs_on, tuple(actions), summary)
