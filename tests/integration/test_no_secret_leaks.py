"""No secret reaches a log line, the execution history, an output or an exec request.

Secrets here (`secret_needles`): presigned URLs (they are bearer credentials), the clusters'
bearer tokens and kubeconfig credentials, the URL signer's key, and the hosted cluster's
AES-CBC encryption key.
"""

from __future__ import annotations

import json

from sandbox.environment import Sandbox
from tests.integration.backup_driver import handler_wrapped, run_backup
from tests.integration.secret_needles import secret_needles


def _history_text(sandbox: Sandbox) -> str:
    sfn = sandbox.aws.client("stepfunctions")
    texts = []
    for machine in sandbox.state_machines.values():
        for run in sfn.list_executions(stateMachineArn=machine)["executions"]:
            arn = run["executionArn"]
            texts.append(json.dumps(sfn.describe_execution(executionArn=arn), default=str))
            texts.append(json.dumps(sfn.get_execution_history(executionArn=arn)["events"],
                                    default=str))
    return "\n".join(texts)


def test_backups_leak_no_secret(sandbox: Sandbox):
    assert run_backup(sandbox).status == "SUCCEEDED"
    assert run_backup(sandbox, consistency="quiesced").status == "SUCCEEDED"

    def fail_upload(real):
        def handler(event, context):
            raise RuntimeError("simulated crash after presigning")
        return handler

    with handler_wrapped(sandbox, "VerifySnapshot", fail_upload):
        assert run_backup(sandbox).status == "FAILED"
    logs = "\n".join(sandbox.aws.runtime.logs.lines())
    assert "snapshot uploaded" in logs  # the capture works: handler log lines are there
    history = _history_text(sandbox)
    exec_requests = "\n".join(
        f"{r.path}?{r.query}" for rt in sandbox.management.values()
        for r in rt.cluster.access_log)
    assert "/exec" in exec_requests
    for secret in secret_needles(sandbox):
        assert secret not in logs, f"{secret[:12]}... in Lambda logs"
        assert secret not in history, f"{secret[:12]}... in execution history"
        assert secret not in exec_requests, f"{secret[:12]}... in an exec request"


def test_backup_metrics_are_emitted(sandbox: Sandbox):
    assert run_backup(sandbox).status == "SUCCEEDED"
    documents = sandbox.aws.runtime.logs.metrics("RecordBackupOutcome")
    assert documents, "no EMF document from RecordBackupOutcome"
    latest = documents[-1]
    names = {m["Name"] for m in latest["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"BackupSucceeded", "BackupFailed", "BackupDurationSeconds", "BackupSizeBytes",
            "NewestBackupAgeSeconds"} <= names
    assert latest["HostedCluster"] == f"{sandbox.plan.namespace}/{sandbox.plan.name}"
    assert latest["BackupSucceeded"] == [1.0] and latest["BackupSizeBytes"][0] > 0
