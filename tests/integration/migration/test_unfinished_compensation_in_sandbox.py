"""A compensation that never finishes (Lambda timed it out, twice) after the restore began
cannot say the control plane restored on the destination is stopped: the source is held
paused, not resumed, and the notice asks for a decision. Its own sandbox: the source stays
paused afterwards.
"""

from __future__ import annotations

import json

from sandbox.environment import Sandbox
from sandbox.notifications import failure_topic_queue, message_containing
from sandbox.rollback_check import source_state
from tests.integration.backup_driver import InjectedFailure, handler_wrapped
from tests.integration.migration.migration_driver import needs_simulated_hypershift, run_migration

pytestmark = needs_simulated_hypershift

# What Lambda reports for a function stopped at its timeout (the sandbox runtime names an
# escaped exception by its class).
LambdaTimeout = type("Sandbox.Timedout", (Exception,), {})


def test_a_compensation_timed_out_after_the_restore_began_holds_the_source(sandbox: Sandbox):
    queue_url = failure_topic_queue(sandbox, "hcp-dr-unfinished")
    attempts: list[str] = []

    def not_ready(real):
        def handler(event, context):
            raise InjectedFailure("the hosted cluster never became Available")
        return handler

    def times_out(real):
        def handler(event, context):
            attempts.append(context.aws_request_id)
            raise LambdaTimeout("Task timed out after 300.00 seconds")
        return handler

    with handler_wrapped(sandbox, "AwaitHostedClusterReady", not_ready), \
            handler_wrapped(sandbox, "CompensateDestination", times_out):
        run = run_migration(sandbox, timeout=240)
    held = source_state(sandbox)

    assert (run.status, run.error) == ("FAILED", "InjectedFailure"), run.cause
    assert len(attempts) == 2  # the timeout is retried once, then caught
    entered = [s.name for s in sandbox.aws.execution_timeline(run.arn)]
    assert "CompensationFailed" in entered and "HoldSourcePaused" in entered
    assert "ResumeSource" not in entered and "RecreateSourceRoutes" not in entered
    assert held["paused"] == "true" and held["replicas"]["kube-apiserver"] == 0

    envelope = json.loads(message_containing(sandbox, queue_url, run.arn))
    assert envelope["Subject"] == "hcp-dr migration failed: MANUAL ACTION REQUIRED"
    assert "CompensateDestination failed with Sandbox.Timedout" in envelope["Message"]
    assert "held paused on source; destination may be running it" in envelope["Message"]
