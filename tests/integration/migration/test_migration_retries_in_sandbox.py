"""Stages that crash after doing their work are retried by the state machine and the
migration still ends right: no double-recorded counts, one restore URL, the operator back."""

from __future__ import annotations

from hcp_dr.errors import KubernetesApiUnavailable
from sandbox.environment import Sandbox
from tests.integration.backup_driver import handler_wrapped
from tests.integration.migration.migration_driver import (
    DEPLOYMENTS,
    HC,
    needs_simulated_hypershift,
    run_migration,
    store,
)

pytestmark = needs_simulated_hypershift
CRASHING = ("PauseHostedCluster", "RestoreOnDestination", "TeardownSource")


def crash_after_work_once(real):
    calls = []

    def handler(event, context):
        result = real(event, context)
        calls.append(1)
        if len(calls) == 1:
            raise KubernetesApiUnavailable("the response was lost after the work was done")
        return result
    return handler


def test_stages_crashing_after_their_work_are_retried_safely(sandbox: Sandbox):
    operator_replicas = store(sandbox, "source").get(DEPLOYMENTS, "hypershift",
                                                     "operator")["spec"]["replicas"]
    with handler_wrapped(sandbox, CRASHING[0], crash_after_work_once), \
            handler_wrapped(sandbox, CRASHING[1], crash_after_work_once), \
            handler_wrapped(sandbox, CRASHING[2], crash_after_work_once):
        run = run_migration(sandbox, timeout=600)
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    attempts = {s.name: s.attempts for s in sandbox.aws.execution_timeline(run.arn)}
    # The pause and the teardown may also wait for stopped pods to be gone (WritersStillRunning,
    # SourceTeardownPending): those attempts are waits, not the crash's retry.
    waits = {stage: sum(1 for i in sandbox.aws.runtime.invocations
                        if i.function_name == stage and i.error_type == waited)
             for stage, waited in (("PauseHostedCluster", "WritersStillRunning"),
                                   ("TeardownSource", "SourceTeardownPending"))}
    assert all(attempts[stage] == 2 + waits.get(stage, 0) for stage in CRASHING), (
        attempts, waits)
    assert run.output["report"]["passed"] is True
    hc = store(sandbox, "destination").get(HC, sandbox.plan.namespace, sandbox.plan.name)
    assert len(hc["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"]) == 1
    operator = store(sandbox, "source").get(DEPLOYMENTS, "hypershift", "operator")
    assert operator["spec"]["replicas"] == operator_replicas
