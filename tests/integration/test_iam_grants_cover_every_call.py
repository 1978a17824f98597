"""The roles the CDK stack gives the functions allow every AWS call they make.

moto authorizes nothing, so a function whose role lacks a permission passes every sandbox
test and fails on the first real run (it happened twice: the upload's HEAD of the snapshot,
the listing of migration records). Here the sandbox records each call and presigned URL of
each function while a backup tick, a quiesced backup that prunes an expired set, a quiesced
backup stopped mid-snapshot (and recovered), a migration that fails and rolls back, an
alarm-started migration that succeeds and a fallback DNS poll
run (each invocation in a cold container, so every function makes its own first calls), and
the identity policies synthesized for the same configuration are evaluated against them: a
presigned URL against those of whoever signed it (the restore URL: the signer user).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from sandbox.aws.api_calls import ApiCall
from sandbox.aws.environment import ACCESS_KEY_ID
from sandbox.aws.iam_evaluation import (
    TemplateReader,
    bind_to_environment,
    function_roles,
    unauthorized_calls,
)
from sandbox.aws.iam_requirements import AccountContext
from sandbox.aws.lambdas import ACCOUNT_ID
from sandbox.drill import run_scheduled_backup, start_migration
from sandbox.environment import KUBECONFIG_SECRET_PREFIX, Sandbox, SandboxOptions
from sandbox.failure_drill import run_failure_drill
from stacks import catalog
from stacks.config import REPO_ROOT
from tests.integration.backup_driver import (
    bucket_keys,
    run_backup,
    stop_during_snapshot,
    stop_while_in,
    wait_until,
)
from tests.integration.migration.migration_driver import held_locks, needs_simulated_hypershift

pytestmark = needs_simulated_hypershift

SANDBOX_OPTIONS = SandboxOptions(cold_container_per_invocation=True)
EXPIRED_BACKUP = "20250101T000000Z-0000dead"  # far beyond the weekly retention


@dataclass(frozen=True)
class Recorded:
    template: dict[str, Any]
    reader: TemplateReader
    roles: dict[str, str]
    calls: dict[str, list[ApiCall]]
    expired_keys_left: list[str]

    signer_access_key: str

    def findings(self, reader: TemplateReader | None = None) -> list[str]:
        return [str(f) for f in unauthorized_calls(
            reader or self.reader, self.calls, self.roles, function_access_key=ACCESS_KEY_ID,
            other_principals={self.signer_access_key: _signer_user(self.template)})]


def _synthesized_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The stack with its default settings but the sandbox's kubeconfig prefix: like the
    sandbox, it has the dedicated restore-URL signer (`SandboxOptions.restore_url_signer`)."""
    from tests.infrastructure.synth_helpers import synthesize

    return synthesize(tmp_path_factory.mktemp("cdk.out"),
                      (REPO_ROOT / "statemachines", frozenset()),
                      kubeconfigSecretPrefix=KUBECONFIG_SECRET_PREFIX).template


def _signer_user(template: dict[str, Any]) -> str:
    [user] = [logical_id for logical_id, resource in template["Resources"].items()
              if resource["Type"] == "AWS::IAM::User"]
    return user


def _plant_expired_backup(sandbox: Sandbox) -> str:
    prefix = f"backups/{sandbox.plan.namespace}/{sandbox.plan.name}/{EXPIRED_BACKUP}/"
    sandbox.aws.client("s3").put_object(
        Bucket=sandbox.backup_env.bucket, Key=f"{prefix}objects/index.json", Body=b"[]",
        ServerSideEncryption="aws:kms", SSEKMSKeyId=sandbox.backup_env.kms_key_arn)
    return prefix


def _run_every_path(sandbox: Sandbox) -> None:
    assert run_scheduled_backup(sandbox)["status"] == "SUCCEEDED"
    assert run_backup(sandbox, consistency="quiesced").status == "SUCCEEDED"
    stop_during_snapshot(sandbox, consistency="quiesced")
    sandbox.aws.wait_for_deliveries()
    wait_until(lambda: any(i.function_name == "RecoverEndedBackup" and i.error_type is None
                           for i in sandbox.aws.invocations), timeout=30)
    stop_while_in(sandbox, "AwaitDnsCleanup", lambda: start_migration(sandbox))
    sandbox.aws.wait_for_deliveries()
    wait_until(lambda: any(i.function_name == "RecoverStoppedMigration" and i.error_type is None
                           for i in sandbox.aws.invocations) and not held_locks(sandbox),
               timeout=60)
    result = run_failure_drill(sandbox, "AwaitHostedClusterReady",
                               lambda: start_migration(sandbox))
    assert result["status"] == "FAILED" and result["served_by"] == "source"
    sfn = sandbox.aws.client("stepfunctions")
    machine = sandbox.state_machines["Migration"]
    assert sandbox.trigger_alarm()
    sandbox.aws.wait_for_deliveries()

    def alarm_migration_done() -> bool:
        runs = sfn.list_executions(stateMachineArn=machine)["executions"]
        return len(runs) == 3 and all(run["status"] != "RUNNING" for run in runs)

    wait_until(alarm_migration_done, timeout=240)
    statuses = sorted(r["status"] for r in sfn.list_executions(stateMachineArn=machine)
                      ["executions"])
    assert statuses == ["ABORTED", "FAILED", "SUCCEEDED"]
    sandbox.fire_dns_fallback_poll()
    sandbox.aws.wait_for_deliveries()


@pytest.fixture(scope="module")
def recorded(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    template = _synthesized_template(tmp_path_factory)
    expired = _plant_expired_backup(sandbox)
    sandbox.aws.api_calls.clear()
    _run_every_path(sandbox)
    key, signer = sandbox.backup_env.kms_key_arn, sandbox.restore_url_signer
    assert signer is not None
    account = AccountContext(sandbox.aws.region, ACCOUNT_ID, {sandbox.backup_env.bucket: key},
                             {signer.secret_arn: key})
    yield Recorded(template, bind_to_environment(template, dict(os.environ), account),
                   function_roles(template, [spec.name for spec in catalog.LAMBDA_FUNCTIONS]),
                   sandbox.aws.api_calls.by_function(), bucket_keys(sandbox, expired),
                   signer.access_key_id)


def test_every_call_a_function_makes_is_allowed_by_its_role(recorded: Recorded):
    assert recorded.findings() == []


def test_every_function_granted_aws_access_was_exercised(recorded: Recorded):
    """Otherwise a clean result would only say that the calls that happened were allowed."""
    granted = {spec.name for spec in catalog.LAMBDA_FUNCTIONS if spec.grants}
    assert granted - recorded.calls.keys() == set()


def test_the_paths_that_need_rare_permissions_ran(recorded: Recorded):
    made = {(function, call.operation, call.presigned)
            for function, calls in recorded.calls.items() for call in calls}
    assert {("UploadSnapshot", "PutObject", True), ("UploadSnapshot", "HeadObject", False),
            ("RestoreOnDestination", "GetObject", True),
            ("PruneBackups", "DeleteObjects", False),
            ("StartMigrationFromAlarm", "StartExecution", False),
            ("WatchDnsCleanup", "Scan", False),
            ("WriteMigrationReport", "GetExecutionHistory", False),
            ("RecoverStoppedMigration", "GetExecutionHistory", False)} <= made
    assert recorded.expired_keys_left == []
    [restore_url] = {call.access_key_id for call in recorded.calls["RestoreOnDestination"]
                     if call.presigned}
    assert restore_url == recorded.signer_access_key


def _without_statement(recorded: Recorded, principal: str, sid: str) -> TemplateReader:
    template = copy.deepcopy(recorded.template)
    removed = 0
    for resource in template["Resources"].values():
        attached = resource["Properties"].get("Roles", []) + \
            resource["Properties"].get("Users", []) if "Properties" in resource else []
        if resource["Type"] != "AWS::IAM::Policy" or {"Ref": principal} not in attached:
            continue
        statements = resource["Properties"]["PolicyDocument"]["Statement"]
        kept = [s for s in statements if s.get("Sid") != sid]
        removed += len(statements) - len(kept)
        resource["Properties"]["PolicyDocument"]["Statement"] = kept
    assert removed, f"{principal} has no statement {sid}"
    return TemplateReader(template, recorded.reader.account, recorded.reader.bound)


@pytest.mark.parametrize(("function", "sid", "needed"), [
    ("UploadSnapshot", "ConfirmSnapshotUpload", "s3:GetObject on arn:aws:s3:::"),
    ("RestoreOnDestination", "UseBackupKey", "kms:Decrypt on arn:aws:kms:"),
    ("PruneBackups", "DeleteBackupObjects", "s3:DeleteObject on arn:aws:s3:::"),
    ("RestoreOnDestination", "DecryptRestoreUrlSigner", "kms:Decrypt on arn:aws:kms:"),
    ("RecordBackupOutcome", "ReadBackupManifests", "/manifest.json"),
    ("VerifySnapshot", "ReadEtcdSnapshots", "/etcd/snapshot.db"),
])
def test_a_grant_taken_away_is_reported(recorded: Recorded, function: str, sid: str,
                                        needed: str):
    findings = recorded.findings(_without_statement(recorded, recorded.roles[function], sid))
    assert findings and all(f.startswith(f"{function}: ") for f in findings)
    assert any(needed in f for f in findings), findings


def test_the_restore_url_is_judged_as_the_signer_user_not_the_function(recorded: Recorded):
    reader = _without_statement(recorded, _signer_user(recorded.template), "ReadEtcdSnapshots")
    findings = recorded.findings(reader)
    assert len(findings) == 2, findings  # one restore URL per migration
    for finding in findings:
        assert finding.startswith("RestoreOnDestination: s3:GetObject needs s3:GetObject on ")
        assert finding.endswith("/etcd/snapshot.db (not allowed by the signer's policies)")
