"""The failure notification tells the truth about where the hosted cluster is.

A stage breaks after the source's Routes were deleted, and then the undo step that would put
them back breaks too. The execution must still end, and the SNS message must say that the
cluster keeps running on the source (it does: checked against the cluster) AND that someone
must recreate the Routes, naming where their copies are. Its own sandbox: the Routes stay
deleted afterwards.
"""

from __future__ import annotations

import json

from sandbox.environment import Sandbox
from sandbox.notifications import failure_topic_queue, message_containing
from sandbox.rollback_check import source_state
from tests.integration.backup_driver import breaks, handler_wrapped
from tests.integration.migration.migration_driver import (
    held_locks,
    needs_simulated_hypershift,
    run_migration,
)

pytestmark = needs_simulated_hypershift




def test_a_failed_undo_step_turns_the_notification_into_a_runbook(sandbox: Sandbox):
    before = source_state(sandbox)
    queue_url = failure_topic_queue(sandbox, "hcp-dr-failures")

    with handler_wrapped(sandbox, "RestoreOnDestination", breaks), \
            handler_wrapped(sandbox, "RecreateSourceRoutes", breaks):
        run = run_migration(sandbox, timeout=180)

    assert (run.status, run.error) == ("FAILED", "InjectedFailure"), run.cause
    envelope = json.loads(message_containing(sandbox, queue_url, "hcp-dr migration failed"))
    assert envelope["Subject"] == "hcp-dr migration failed: MANUAL ACTION REQUIRED"
    message = envelope["Message"]
    assert f"hosted cluster {sandbox.plan.namespace}/{sandbox.plan.name}" in message
    assert "keeps running on source" in message
    assert "(1) Recreate on source the Routes of " + sandbox.plan.hcp_namespace in message
    assert "RecreateSourceRoutes failed with InjectedFailure" in message
    assert "/routes/" in message and run.arn in message
    assert "(2)" not in message

    # What it claims holds: resumed (same writers, operator, pause state), Routes missing.
    after = source_state(sandbox)
    assert after["routes"] == [] and before["routes"] != []
    assert {k: v for k, v in after.items() if k != "routes"} == {
        k: v for k, v in before.items() if k != "routes"}
    assert held_locks(sandbox) == []
