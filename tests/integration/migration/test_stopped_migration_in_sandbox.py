"""A migration stopped by hand runs no compensation in Step Functions. Stopped before its
restore began, the `Execution Status Change` event brings RecoverStoppedMigration, which puts
the source back as the failure path would have: Routes recreated, writers, control-plane
operator and NodePools back to their counts, HC unpaused, locks released. Stopped after it,
nothing is touched: a control plane may run on the destination, and a person decides."""

from __future__ import annotations

import json

from sandbox.environment import Sandbox
from sandbox.rollback_check import source_state
from tests.integration.backup_driver import stop_while_in, wait_until
from tests.integration.migration.migration_driver import (
    held_locks,
    needs_simulated_hypershift,
    start_migration,
)

pytestmark = needs_simulated_hypershift


def _recoveries(sandbox: Sandbox) -> list:
    return [i for i in sandbox.aws.invocations if i.function_name == "RecoverStoppedMigration"]


def _logged_outcomes(sandbox: Sandbox) -> list[dict]:
    lines = [json.loads(line) for line in
             sandbox.aws.runtime.logs.lines("RecoverStoppedMigration") if line.startswith("{")]
    return [line for line in lines if str(line.get("message", "")).startswith("stopped")]


def test_stopped_while_waiting_for_dns_the_source_runs_again(sandbox: Sandbox):
    before, seen = source_state(sandbox), len(_recoveries(sandbox))

    def paused_routes_gone_locks_held(arn: str) -> None:
        now = source_state(sandbox)
        assert now["paused"] == "true" and now["routes"] == [] and held_locks(sandbox)
        assert now["replicas"]["kube-apiserver"] == 0

    stop_while_in(sandbox, "AwaitDnsCleanup", lambda: start_migration(sandbox),
                  paused_routes_gone_locks_held)
    sandbox.aws.wait_for_deliveries()
    wait_until(lambda: len(_recoveries(sandbox)) == seen + 1 and source_state(sandbox) == before
               and held_locks(sandbox) == [], timeout=60)
    assert _recoveries(sandbox)[-1].error_type is None
    outcome = _logged_outcomes(sandbox)[-1]
    assert outcome["recovered"] is True and outcome["routes"]["recreated"] == len(
        before["routes"])


def test_stopped_once_the_restore_began_the_source_is_left_for_a_person(sandbox: Sandbox):
    """Held as RestoreOnDestination starts: its record of the HC is not written yet, so only
    the history (RestoreBegins entered) tells the recovery to keep its hands off."""
    seen = len(_recoveries(sandbox))
    stop_while_in(sandbox, "RestoreOnDestination", lambda: start_migration(sandbox))
    sandbox.aws.wait_for_deliveries()
    wait_until(lambda: len(_recoveries(sandbox)) == seen + 1, timeout=60)
    assert _recoveries(sandbox)[-1].error_type is None
    outcome = _logged_outcomes(sandbox)[-1]
    assert (outcome["recovered"], outcome["reason"]) == (False, "restore-began")
    left = source_state(sandbox)
    assert left["paused"] == "true" and left["routes"] == []  # nothing undone by itself
    assert held_locks(sandbox)  # and no other migration or backup may start meanwhile
