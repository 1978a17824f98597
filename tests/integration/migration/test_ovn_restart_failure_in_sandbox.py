"""RestartOvn failing after the teardown is not a success: the cluster runs on the destination,
but until its OVN pods are restarted its nodes keep the old control plane's network (DOMAIN
"Known failure modes"). The post-checks fail and the notice says which pods to delete."""

from __future__ import annotations

import json

from sandbox.environment import Sandbox
from sandbox.notifications import failure_topic_queue, message_containing
from tests.integration.backup_driver import breaks, handler_wrapped
from tests.integration.migration.migration_driver import (
    held_locks,
    needs_simulated_hypershift,
    run_migration,
)

pytestmark = needs_simulated_hypershift


def test_a_migration_whose_ovn_restart_failed_ends_failed_with_the_step_to_do(sandbox: Sandbox):
    queue_url = failure_topic_queue(sandbox, "hcp-dr-failures")

    with handler_wrapped(sandbox, "RestartOvn", breaks):
        run = run_migration(sandbox, timeout=300)

    assert (run.status, run.error) == ("FAILED", "MigrationPostChecksFailed"), run.cause
    message = json.loads(message_containing(sandbox, queue_url, "hcp-dr migration failed"))[
        "Message"]
    assert "runs on destination" in message
    assert "Delete the OVN pods of " + f"{sandbox.plan.namespace}/{sandbox.plan.name}" in message
    assert "RestartOvn failed with InjectedFailure" in message
    assert held_locks(sandbox) == []
