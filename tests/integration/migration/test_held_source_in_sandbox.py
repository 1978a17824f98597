"""No second control plane: when the destination cannot be reached to stop the control plane
restored there, the source is held paused instead of resumed, and the notice asks for a
decision. Its own sandbox: the source stays paused afterwards.
"""

from __future__ import annotations

import json

from sandbox.environment import Sandbox
from sandbox.notifications import failure_topic_queue, message_containing
from sandbox.rollback_check import source_state
from tests.integration.backup_driver import InjectedFailure, handler_wrapped
from tests.integration.migration.migration_driver import (
    HC,
    needs_simulated_hypershift,
    run_migration,
    store,
)

pytestmark = needs_simulated_hypershift



def test_an_unreachable_destination_after_the_restore_holds_the_source_paused(
        sandbox: Sandbox):
    queue_url = failure_topic_queue(sandbox, "hcp-dr-held")

    def destination_lost_while_waiting(real):
        def handler(event, context):
            sandbox.set_api_available("destination", False)
            raise InjectedFailure("the destination went away")
        return handler

    try:
        with handler_wrapped(sandbox, "AwaitHostedClusterReady",
                             destination_lost_while_waiting):
            run = run_migration(sandbox, timeout=240)
        held = source_state(sandbox)
    finally:
        sandbox.set_api_available("destination", True)

    assert (run.status, run.error) == ("FAILED", "InjectedFailure"), run.cause
    entered = [s.name for s in sandbox.aws.execution_timeline(run.arn)]
    assert "HoldSourcePaused" in entered
    assert "ResumeSource" not in entered and "RecreateSourceRoutes" not in entered
    assert held["paused"] == "true" and held["routes"] == []
    assert held["replicas"]["kube-apiserver"] == 0
    # The restored HC is still on the destination: two control planes were never both live.
    assert store(sandbox, "destination").get(HC, sandbox.plan.namespace, sandbox.plan.name)

    envelope = json.loads(message_containing(sandbox, queue_url, run.arn))
    assert envelope["Subject"] == "hcp-dr migration failed: MANUAL ACTION REQUIRED"
    assert "held paused on source; destination may be running it" in envelope["Message"]
    assert f"(1) Decide where {sandbox.plan.namespace}/{sandbox.plan.name} runs" in envelope[
        "Message"]
