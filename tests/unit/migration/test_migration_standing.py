"""A failed migration says where the hosted cluster is and what a person must still do.

The trails are what the failure path of statemachines/migration.asl.json writes: a failed
undo step leaves its Catch result (`resume_error`, ...), the teardown's path leaves `operator`
or `operator_error`. Each case checks the whereabouts and that every failed undo step became
one action naming what to touch.
"""

from __future__ import annotations

import json

import pytest

from hcp_dr.domain.migration.standing import migration_standing
from hcp_dr.models.migration_run import CompensationTrail, MigrationRequest, StageFailure
from tests.unit.migration.world import HCP_NS, MIGRATION_ID, NAME, NS

REQUEST = MigrationRequest.model_validate({
    "hosted_cluster": {"namespace": NS, "name": NAME}, "source": "mc-a", "destination": "mc-b"})
BROKE = StageFailure(Error="InjectedFailure", Cause="a stage broke")


def _failed(code: str) -> dict:
    return {"Error": code, "Cause": json.dumps({"errorMessage": "boom", "errorType": code})}


def _standing(**trail: object):
    return migration_standing(REQUEST, MIGRATION_ID, BROKE,
                              CompensationTrail.model_validate(trail))


def test_a_clean_rollback_keeps_the_cluster_on_the_source_with_nothing_to_do():
    standing = _standing(routes_recreated={"routes": 4}, resumed={"replicas": {}},
                         compensation={"deleted": {}})
    assert standing.runs_on == "source"
    assert standing.manual_actions == ()
    assert "keeps running on mc-a" in standing.summary
    assert "MANUAL" not in standing.summary and "MANUAL" not in standing.subject
    assert f"{NS}/{NAME}" in standing.summary and "InjectedFailure" in standing.summary


def test_a_failed_resume_says_the_cluster_may_be_down_and_how_to_bring_it_back():
    standing = _standing(resume_error=_failed("KubernetesApiUnavailable"))
    assert standing.runs_on == "paused-on-source"
    (action,) = standing.manual_actions
    assert "KubernetesApiUnavailable" in action and HCP_NS in action
    assert "hcp-dr.openshift.io/quiesced" in action and "hcp-dr.openshift.io/paused-by" in action
    assert "may NOT be running" in standing.summary
    assert standing.subject.endswith("MANUAL ACTION REQUIRED")


@pytest.mark.parametrize(("trail_key", "names"), [
    ("compensation_error", ["mc-b", f"hcp-dr.openshift.io/migration-id={MIGRATION_ID}"]),
    ("recreate_error", ["mc-a", f"migrations/{NS}/{NAME}/{MIGRATION_ID}/routes/"]),
    ("dns_release_error", ["Route 53", "mc-b"]),
    ("lock_release_error", [f"{NS}/{NAME}", "refused"]),
])
def test_each_failed_undo_step_is_one_named_action(trail_key: str, names: list[str]):
    standing = _standing(**{trail_key: _failed("AwsServiceUnavailable")})
    assert standing.runs_on == "source"
    (action,) = standing.manual_actions
    assert "AwsServiceUnavailable" in action
    assert all(name in action for name in names), action
    assert "(1) " + action in standing.summary


def test_several_failed_undo_steps_are_numbered_in_the_order_to_do_them():
    standing = _standing(resume_error=_failed("A"), recreate_error=_failed("B"),
                         compensation_error=_failed("C"))
    assert [a.split(" failed with ")[0].split()[-1].lstrip("(")
            for a in standing.manual_actions] == [
        "ResumeSource", "RecreateSourceRoutes", "CompensateDestination"]
    assert "(3) " in standing.summary and "(4) " not in standing.summary


def test_a_teardown_that_failed_leaves_the_cluster_on_the_destination_and_source_leftovers():
    standing = _standing(operator={"replicas": 1})
    assert standing.runs_on == "destination"
    (action,) = standing.manual_actions
    assert "Finish tearing down" in action and "mc-a" in action and "InjectedFailure" in action
    assert "runs on mc-b" in standing.summary


def test_an_operator_left_at_zero_is_its_own_action():
    standing = _standing(teardown={"deleted": {}},
                         operator_error=_failed("KubernetesApiUnavailable"))
    assert standing.runs_on == "destination"
    assert len(standing.manual_actions) == 2
    assert "hypershift/operator" in standing.manual_actions[1]
    assert "hcp-dr.openshift.io/operator-replicas" in standing.manual_actions[1]


def test_no_cause_text_reaches_the_notification():
    """Causes carry exception messages (and could carry anything a library put there); the
    notification names errors only."""
    standing = _standing(resume_error=_failed("X"), compensation_error=_failed("Y"))
    assert "boom" not in standing.summary and "a stage broke" not in standing.summary


def test_subjects_fit_sns():
    for trail in ({}, {"resume_error": _failed("X")}, {"operator": {}}):
        subject = _standing(**trail).subject
        assert len(subject) <= 100 and subject.isascii()


def test_a_destination_that_may_still_run_the_cluster_is_a_decision_not_a_rollback():
    standing = _standing(compensation_error=_failed("DestinationMayStillRun"))
    assert standing.runs_on == "undetermined"
    (action,) = standing.manual_actions
    assert action.startswith(f"Decide where {NS}/{NAME} runs")
    assert "guide step 9" in action and f"{HCP_NS}" in action
    assert f"hcp-dr.openshift.io/migration-id={MIGRATION_ID}" in action
    assert "keeps running" not in standing.summary
    assert "held paused on mc-a; mc-b may be running it" in standing.summary


def test_a_destination_still_stopping_holds_the_source_and_says_why():
    standing = _standing(compensation_error=_failed("DestinationStillStopping"))
    assert standing.runs_on == "undetermined"
    (action,) = standing.manual_actions
    assert "still there minutes after it was scaled to 0" in action
    assert "held paused on mc-a; mc-b may be running it" in standing.summary


def test_a_namespace_left_in_place_for_others_is_named_for_later_cleanup():
    standing = _standing(compensation={"scaled_to_zero": 0, "deleted": {},
                                       "kept_namespaces": [NS]})
    assert standing.runs_on == "source"
    (action,) = standing.manual_actions
    assert f"Delete namespace {NS} on mc-b once nobody uses it" in action
    assert "hcp-dr.openshift.io/released-by-migration" in action


def test_a_compensation_that_never_finished_after_the_restore_began_is_a_decision_too():
    standing = _standing(compensation_error=_failed("Sandbox.Timedout"),
                         destination_touched=True, held_source_paused=True)
    assert standing.runs_on == "undetermined"
    (action,) = standing.manual_actions
    assert action.startswith(f"Decide where {NS}/{NAME} runs")
    assert "CompensateDestination failed with Sandbox.Timedout" in action
    assert "keeps running" not in standing.summary


def test_nodes_not_reconnected_after_a_failed_teardown_are_their_own_action():
    standing = _standing(operator={"replicas": 1}, ovn_error=_failed("GuestApiUnavailable"))
    assert standing.runs_on == "destination"
    assert len(standing.manual_actions) == 2
    assert "OVN pods" in standing.manual_actions[1]
    assert "guide step 10" in standing.manual_actions[1]
    assert "GuestApiUnavailable" in standing.manual_actions[1]


def test_a_cleanup_that_never_saw_the_pods_go_says_to_wait_for_them():
    standing = _standing(compensation_error=_failed("DestinationCleanupPending"))
    assert standing.runs_on == "source"
    (action,) = standing.manual_actions
    assert f"once no pod of {HCP_NS} runs there" in action
    assert f"hcp-dr.openshift.io/migration-id={MIGRATION_ID}" in action


def _left_on_destination_by(error: str) -> tuple[object, str]:
    """The standing of a run whose approval ended with `error`, and its one manual action."""
    standing = migration_standing(REQUEST, MIGRATION_ID, StageFailure(Error=error, Cause=""),
                                  CompensationTrail.model_validate({"left_on_destination": True}))
    assert standing.runs_on == "destination"
    (action,) = standing.manual_actions
    return standing, action


def test_an_approval_request_that_could_not_be_sent_is_the_same_decision():
    _, action = _left_on_destination_by("SNS.KMSThrottlingException")
    assert "the approval request could not be sent (SNS.KMSThrottlingException)" in action
    assert "nobody approved" not in action and "NOT torn down" in action


def test_an_answer_that_neither_approves_nor_rejects_is_named_as_such():
    _, action = _left_on_destination_by("Rejected")
    assert "the approval ended with Rejected, which neither approves" in action
    assert "--error ApprovalRejected" in action and "could not be sent" not in action


def test_an_unanswered_approval_is_a_decision_with_both_ways_spelled_out():
    standing, action = _left_on_destination_by("States.Timeout")
    assert "nobody approved the teardown of the source within 24 h" in action
    assert "NOT torn down" in action and "guide step 9" in action
    assert "every change made on mc-b since is lost" in action
    assert "runs on mc-b" in standing.summary
