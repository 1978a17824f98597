"""Failures before the teardown leave the hosted cluster running on the source.

Each test breaks one stage of the real Migration state machine and checks what the
compensation chain leaves: writers, CPO and NodePools back as they were, Routes recreated and
published again, nothing of this migration on the destination, locks released.
"""

from __future__ import annotations

import re
import threading

import pytest

from sandbox.environment import Sandbox
from sandbox.notifications import failure_topic_queue, message_containing
from sandbox.rollback_check import source_state
from tests.integration.backup_driver import InjectedFailure, handler_wrapped, wait_until
from tests.integration.migration.migration_driver import (
    HC,
    LABEL,
    NAMESPACES,
    held_locks,
    needs_simulated_hypershift,
    run_migration,
    start_migration,
    store,
    wait_migration,
)


def _nothing_of_ours_on_destination(sandbox: Sandbox) -> None:
    destination = store(sandbox, "destination")
    names = {n["metadata"]["name"] for n in destination.list(NAMESPACES)}
    assert not names & {sandbox.plan.namespace, sandbox.plan.hcp_namespace}
    assert destination.list(HC) == []
    labelled = [n for n in destination.list(NAMESPACES)
                if LABEL in (n["metadata"].get("labels") or {})]
    assert labelled == []


def _source_is_back(sandbox: Sandbox, before: dict) -> None:
    wait_until(lambda: source_state(sandbox) == before, timeout=15)
    sandbox.wait_for_dns(sandbox.plan.route_hostnames(), present=True, timeout=30)
    assert all("apps.source." in target for target in sandbox.dns_records().values())
    assert held_locks(sandbox) == []


def test_failure_after_the_pause_resumes_the_source_exactly(sandbox: Sandbox):
    before = source_state(sandbox)
    src = store(sandbox, "source")
    seen_paused = threading.Event()

    def fail_after_checking_the_pause(real):
        def handler(event, context):
            hc = src.get(HC, sandbox.plan.namespace, sandbox.plan.name)
            replicas = source_state(sandbox)["replicas"]
            if hc["spec"].get("pausedUntil") == "true" and all(
                    replicas[d] == 0 for d in ("kube-apiserver", "openshift-apiserver",
                                               "openshift-oauth-apiserver",
                                               "control-plane-operator")):
                seen_paused.set()
            raise InjectedFailure("object backup broke")
        return handler

    with handler_wrapped(sandbox, "BackupClusterObjects", fail_after_checking_the_pause):
        run = run_migration(sandbox, timeout=120)
    assert (run.status, run.error) == ("FAILED", "InjectedFailure"), run.cause
    assert seen_paused.is_set()
    _source_is_back(sandbox, before)
    _nothing_of_ours_on_destination(sandbox)
    assert sandbox.hosted is not None
    pod = sandbox.hosted.etcd.members[0].pod
    assert not list(pod.pv_dir.rglob("hcp-dr-*.db")), "the snapshot file was left behind"


def test_failure_after_the_routes_were_deleted_publishes_them_again(sandbox: Sandbox):
    before = source_state(sandbox)

    def destination_refuses(real):
        def handler(event, context):
            raise InjectedFailure("destination broke")
        return handler

    with handler_wrapped(sandbox, "RestoreOnDestination", destination_refuses):
        run = run_migration(sandbox, timeout=180)
    assert (run.status, run.error) == ("FAILED", "InjectedFailure"), run.cause
    entered = [s.name for s in sandbox.aws.execution_timeline(run.arn)]
    assert "AwaitDnsCleanup" in entered and "RecreateSourceRoutes" in entered
    _source_is_back(sandbox, before)
    _nothing_of_ours_on_destination(sandbox)


@pytest.mark.skipif(not hasattr(Sandbox, "set_api_available"),
                    reason="needs the sandbox's switch for a management cluster's API")
def test_destination_api_down_at_restore_compensates_to_the_source(sandbox: Sandbox):
    before = source_state(sandbox)
    down = threading.Event()

    def take_destination_down(real):
        def handler(event, context):
            sandbox.set_api_available("destination", False)
            down.set()
            return real(event, context)
        return handler

    try:
        with handler_wrapped(sandbox, "RestoreOnDestination", take_destination_down):
            run = run_migration(sandbox, timeout=240)
    finally:
        sandbox.set_api_available("destination", True)
    assert down.is_set()
    assert (run.status, run.error) == ("FAILED", "KubernetesApiUnavailable"), run.cause
    _source_is_back(sandbox, before)
    _nothing_of_ours_on_destination(sandbox)


def _approval_token(sandbox: Sandbox, queue_url: str, timeout: float = 120) -> str:
    body = message_containing(sandbox, queue_url, "send-task-success", timeout)
    found = re.search(r"send-task-success --task-output true --task-token (\S+)", body)
    assert found, body
    return found.group(1)


@needs_simulated_hypershift
def test_rejected_approval_rolls_back_to_the_source(sandbox: Sandbox):
    before = source_state(sandbox)
    queue_url = failure_topic_queue(sandbox, "hcp-dr-approvals", raw=True)
    arn = start_migration(sandbox, approval="required")
    token = _approval_token(sandbox, queue_url)
    assert sandbox.serving_control_plane() == "destination"
    sandbox.aws.client("stepfunctions").send_task_failure(
        taskToken=token, error="ApprovalRejected", cause="operator said no")
    run = wait_migration(sandbox, arn, timeout=180)
    assert (run.status, run.error) == ("FAILED", "ApprovalRejected"), run.cause
    told = message_containing(sandbox, queue_url, "failed with ApprovalRejected")
    assert "keeps running on source" in told and "MANUAL" not in told
    assert "Everything this migration changed was undone." in told
    _source_is_back(sandbox, before)
    _nothing_of_ours_on_destination(sandbox)
    wait_until(lambda: sandbox.serving_control_plane() == "source", timeout=30)


def _txt(sandbox: Sandbox, action: str, name: str) -> None:
    sandbox.aws.client("route53").change_resource_record_sets(
        HostedZoneId=sandbox.zone_id, ChangeBatch={"Changes": [{"Action": action,
            "ResourceRecordSet": {"Name": name, "Type": "TXT", "TTL": 30,
                                  "ResourceRecords": [{"Value": '"someone else"'}]}}]})


def test_records_that_never_go_end_in_dns_cleanup_timeout_and_compensate(sandbox: Sandbox):
    before = source_state(sandbox)
    # An ownership-like TXT record for the API hostname that the source's ExternalDNS does
    # not own, so it never removes it: the wait cannot complete.
    stuck = f"stuck-{sandbox.plan.hostname('APIServer')}"
    _txt(sandbox, "UPSERT", stuck)
    try:
        run = run_migration(sandbox, timeout=240, dns_timeout_seconds=30)
    finally:
        _txt(sandbox, "DELETE", stuck)
    assert (run.status, run.error) == ("FAILED", "DnsCleanupTimeout"), run.cause
    _source_is_back(sandbox, before)
    _nothing_of_ours_on_destination(sandbox)
