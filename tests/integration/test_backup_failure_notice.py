"""A failed backup's notification says what it left behind, checked against the cluster.

Its own sandbox (SingleReplica): a quiesced backup whose snapshot stage breaks and whose
cleanup of the snapshot file breaks too must still bring the writers back, and the notice
must name the file to delete and not claim that the API is down; an online backup that fails
in preflight changed nothing and says so.
"""

from __future__ import annotations

import json
import re

from sandbox.environment import Sandbox
from sandbox.notifications import failure_topic_queue, message_containing
from tests.integration.backup_driver import breaks, handler_wrapped, run_backup
from tests.integration.migration.migration_driver import DEPLOYMENTS

WRITERS = ("kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver")




def _writers(sandbox: Sandbox) -> dict[str, int]:
    store = sandbox.management["source"].cluster.store
    return {name: store.get(DEPLOYMENTS, sandbox.plan.hcp_namespace, name)["spec"]["replicas"]
            for name in WRITERS}


def _notice(sandbox: Sandbox, queue_url: str, arn: str) -> dict:
    return json.loads(message_containing(sandbox, queue_url, arn))


def test_a_cleanup_that_failed_is_an_action_and_the_writers_are_back(sandbox: Sandbox):
    queue_url = failure_topic_queue(sandbox, "hcp-dr-backup-failures")
    before = _writers(sandbox)

    with handler_wrapped(sandbox, "SnapshotEtcd", breaks), \
            handler_wrapped(sandbox, "RemoveSnapshotFile", breaks):
        run = run_backup(sandbox, consistency="quiesced")

    assert (run.status, run.error) == ("FAILED", "InjectedFailure"), run.cause
    envelope = _notice(sandbox, queue_url, run.arn)
    assert envelope["Subject"] == "hcp-dr backup failed: MANUAL ACTION REQUIRED"
    message = envelope["Message"]
    assert "(quiesced) failed with InjectedFailure; it is not offered for restore" in message
    assert re.search(r"\(1\) Delete /var/lib/data/hcp-dr-\S+\.db from the etcd pods of "
                     + re.escape(sandbox.plan.hcp_namespace), message), message
    assert "RemoveSnapshotFileAfterFailure failed with InjectedFailure" in message
    assert "(2)" not in message and "API" not in message
    assert _writers(sandbox) == before  # the notice's silence about the API is true


def test_an_online_backup_that_failed_early_says_nothing_was_changed(sandbox: Sandbox):
    queue_url = failure_topic_queue(sandbox, "hcp-dr-backup-failures-2")

    with handler_wrapped(sandbox, "PreflightBackup", breaks):
        run = run_backup(sandbox)

    assert (run.status, run.error) == ("FAILED", "InjectedFailure"), run.cause
    envelope = _notice(sandbox, queue_url, run.arn)
    assert envelope["Subject"] == "hcp-dr backup failed"
    assert envelope["Message"].endswith(
        f"The hosted cluster was left as it was. Execution: {run.arn}")
