"""The migration's triggers (rules, policies parameter), the restore-URL signer and the
approval request, on two synths: the test context (signer on, every alarm), and a variant
bound to eu-west-1 with the signer off, policies, alarm names and another poll rate."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from synth_helpers import (
    Synth,
    actions_of,
    as_list,
    assert_no_dependency_cycle,
    functions_by_name,
    ref,
    statements_by_principal,
    synthesize,
)

from sandbox.scenario import migration_triggers as sandbox_triggers
from stacks import catalog
from stacks.config import DEFAULTS
from stacks.nag import flatten_reference
from stacks.signer import SIGNED_OBJECTS

POLICIES = [
    {"alarm_name": "mgmt-a-unhealthy",
     "hosted_cluster": {"namespace": "clusters", "name": "alpha"},
     "source": "mgmt-a", "destination": "mgmt-b", "policy": "approval-required"},
    {"alarm_name": "mgmt-b-unhealthy",
     "hosted_cluster": {"namespace": "fleet-2", "name": "beta"},
     "source": "mgmt-b", "destination": "mgmt-a", "policy": "auto", "dns_timeout_seconds": 600},
]
VARIANT_CONTEXT = {
    "restoreUrlSigner": False,
    "migrationPolicies": POLICIES,
    "migrationAlarmNames": ["mgmt-a-unhealthy", "mgmt-b-unhealthy", "spare-alarm"],
    "dnsFallbackPollRate": "rate(2 minutes)",
}
EVENTS_PRINCIPAL = "events.amazonaws.com"


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory, asl_dir) -> Synth:
    return synthesize(
        tmp_path_factory.mktemp("cdk.out.variant"), asl_dir, region="eu-west-1",
        **VARIANT_CONTEXT,
    )


def one(synth: Synth, resource_type: str, prefix: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, resource)] = [
        (k, v) for k, v in synth.of_type(resource_type).items() if k.startswith(prefix)
    ]
    return logical_id, resource


def rule(synth: Synth, name: str) -> tuple[str, dict[str, Any]]:
    return one(synth, "AWS::Events::Rule", f"Triggers{name}")


def function_id(synth: Synth, name: str) -> str:
    return functions_by_name(synth)[name][0]


def role_of(synth: Synth, name: str) -> str:
    return ref(functions_by_name(synth)[name][1]["Role"])


def variables(synth: Synth, name: str) -> dict[str, Any]:
    return functions_by_name(synth)[name][1]["Environment"]["Variables"]


def single_target(properties: dict[str, Any]) -> dict[str, Any]:
    [target] = properties["Targets"]
    return target


# --- rules ----------------------------------------------------------------------------------


def test_route53_changes_wake_watch_dns_cleanup(synth: Synth) -> None:
    _id, resource = rule(synth, "Route53Changes")
    properties = resource["Properties"]
    assert properties["EventPattern"] == {
        "source": ["aws.route53"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": ["route53.amazonaws.com"],
                   "eventName": ["ChangeResourceRecordSets"]},
    }
    assert properties["EventPattern"] == sandbox_triggers.ROUTE53_PATTERN
    assert properties["State"] == "ENABLED"
    target = single_target(properties)
    assert ref(target["Arn"]) == function_id(synth, "WatchDnsCleanup")
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 300}


def test_fallback_poll_wakes_watch_dns_cleanup(synth: Synth, variant: Synth) -> None:
    for built, rate in ((synth, DEFAULTS["dnsFallbackPollRate"]),
                        (variant, VARIANT_CONTEXT["dnsFallbackPollRate"])):
        _id, resource = rule(built, "DnsFallbackPoll")
        properties = resource["Properties"]
        assert properties["ScheduleExpression"] == rate
        assert "EventPattern" not in properties
        assert ref(single_target(properties)["Arn"]) == function_id(built, "WatchDnsCleanup")
    assert DEFAULTS["dnsFallbackPollRate"] == sandbox_triggers.DNS_FALLBACK_SCHEDULE


def test_alarms_start_migrations(synth: Synth) -> None:
    _id, resource = rule(synth, "AlarmMigrations")
    properties = resource["Properties"]
    assert properties["EventPattern"] == {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        # Not while a composite alarm's actions are suppressed (its ActionsSuppressor alarm,
        # e.g. a declared maintenance, is in ALARM).
        "detail": {"state": {"value": ["ALARM"], "actionsSuppressedBy": [{"exists": False}]}},
    }
    assert properties["EventPattern"] == sandbox_triggers.ALARM_PATTERN
    assert ref(single_target(properties)["Arn"]) == function_id(synth, "StartMigrationFromAlarm")
    # Not live before the policies exist and the function may start migrations.
    parameter, _ = one(synth, "AWS::SSM::Parameter", "TriggersMigrationPolicies")
    access, _ = one(synth, "AWS::IAM::Policy", "FunctionsStartMigrationFromAlarmStateMachineAccess")
    assert {parameter, access} <= set(resource["DependsOn"])


def test_alarm_names_from_context_narrow_the_alarm_rule(variant: Synth) -> None:
    _id, resource = rule(variant, "AlarmMigrations")
    assert resource["Properties"]["EventPattern"]["detail"] == {
        "state": {"value": ["ALARM"], "actionsSuppressedBy": [{"exists": False}]},
        "alarmName": VARIANT_CONTEXT["migrationAlarmNames"],
    }


@pytest.mark.parametrize("built", ["synth", "variant"])
def test_each_rule_may_invoke_exactly_its_function(built: str, request) -> None:
    synth: Synth = request.getfixturevalue(built)
    expected = {
        rule(synth, "Route53Changes")[0]: function_id(synth, "WatchDnsCleanup"),
        rule(synth, "DnsFallbackPoll")[0]: function_id(synth, "WatchDnsCleanup"),
        rule(synth, "AlarmMigrations")[0]: function_id(synth, "StartMigrationFromAlarm"),
        one(synth, "AWS::Events::Rule", "RecoveryEndedBackups")[0]:
            function_id(synth, "RecoverEndedBackup"),
        one(synth, "AWS::Events::Rule", "RecoveryStoppedMigrations")[0]:
            function_id(synth, "RecoverStoppedMigration"),
    }
    granted = {}
    for permission in synth.of_type("AWS::Lambda::Permission").values():
        properties = permission["Properties"]
        assert properties["Action"] == "lambda:InvokeFunction"
        assert properties["Principal"] == EVENTS_PRINCIPAL
        granted[ref(properties["SourceArn"])] = ref(properties["FunctionName"])
    assert granted == expected
    assert len(synth.of_type("AWS::Events::Rule")) == len(expected)


# --- alarm trigger: policies parameter and the Migration machine ---------------------------


def test_policies_parameter_holds_the_context_value(synth: Synth, variant: Synth) -> None:
    from hcp_dr.domain.migration.alarm_trigger import parse_policies

    for built, policies in ((synth, []), (variant, POLICIES)):
        _id, resource = one(built, "AWS::SSM::Parameter", "TriggersMigrationPolicies")
        properties = resource["Properties"]
        assert properties["Name"] == DEFAULTS["migrationPoliciesParameter"]
        assert properties["Name"] == sandbox_triggers.POLICIES_PARAMETER
        assert properties["Type"] == "String"
        assert properties["Tier"] == "Standard"
        assert json.loads(properties["Value"]) == policies
        # What the function will parse: the product's own model accepts it.
        assert len(parse_policies(json.loads(properties["Value"]))) == len(policies)


@pytest.mark.parametrize("built", ["synth", "variant"])
def test_only_the_alarm_function_reads_the_policies(built: str, request) -> None:
    synth: Synth = request.getfixturevalue(built)
    _id, parameter = one(synth, "AWS::SSM::Parameter", "TriggersMigrationPolicies")
    name = parameter["Properties"]["Name"]
    region = "eu-west-1" if built == "variant" else "<AWS::Region>"
    account = "111122223333" if built == "variant" else "<AWS::AccountId>"
    partition = "aws" if built == "variant" else "<AWS::Partition>"
    readers = {}
    for principal, statements in statements_by_principal(synth).items():
        ssm = [s for s in statements if any(a.startswith("ssm:") for a in as_list(s["Action"]))]
        if ssm:
            readers[principal] = ssm
    [reader] = readers
    assert reader == role_of(synth, "StartMigrationFromAlarm")
    [statement] = readers[reader]
    assert statement["Action"] == "ssm:GetParameter"
    assert flatten_reference(statement["Resource"]) == (
        f"arn:{partition}:ssm:{region}:{account}:parameter{name}"
    )
    for function, (_fid, properties) in functions_by_name(synth).items():
        value = properties["Environment"]["Variables"].get("HCP_DR_MIGRATION_POLICIES_PARAMETER")
        assert value == (name if function == "StartMigrationFromAlarm" else None), function


def test_alarm_function_may_start_the_migration_machine(synth: Synth) -> None:
    assert catalog.MIGRATION_START in catalog.function_spec("StartMigrationFromAlarm").grants
    machine, _ = one(synth, "AWS::StepFunctions::StateMachine", "WorkflowsMigrationStateMachine")
    _pid, policy = one(
        synth, "AWS::IAM::Policy", "FunctionsStartMigrationFromAlarmStateMachineAccess"
    )
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    [start] = [s for s in statements if "states:StartExecution" in as_list(s["Action"])]
    assert [ref(r) for r in as_list(start["Resource"])] == [machine]
    assert ref(variables(synth, "StartMigrationFromAlarm")[
        "HCP_DR_MIGRATION_STATE_MACHINE_ARN"]) == machine
    # The machine never invokes the trigger: the only path between them is the trigger's
    # reference to the machine, so no cycle (and synth with cdk-nag succeeded).
    assert all("StartMigrationFromAlarm" not in spec.functions for spec in catalog.STATE_MACHINES)


@pytest.mark.parametrize("built", ["synth", "variant"])
def test_no_dependency_cycle(built: str, request) -> None:
    assert_no_dependency_cycle(request.getfixturevalue(built))


# --- restore-URL signer -----------------------------------------------------------------


def test_signer_user_can_only_read_backups(synth: Synth) -> None:
    [user_id] = synth.of_type("AWS::IAM::User")
    user = synth.resources[user_id]["Properties"]
    for absent in ("LoginProfile", "ManagedPolicyArns", "Groups", "Policies",
                   "PermissionsBoundary"):
        assert absent not in user, absent  # no console password, nothing attached elsewhere
    assert not synth.of_type("AWS::IAM::ManagedPolicy")
    [attached] = [p for p in synth.of_type("AWS::IAM::Policy").values()
                  if "Users" in p["Properties"]]
    assert [ref(u) for u in attached["Properties"]["Users"]] == [user_id]
    assert "Roles" not in attached["Properties"]
    statements = statements_by_principal(synth)[user_id]
    assert sorted(
        (s["Effect"], s["Action"], flatten_reference(s["Resource"])) for s in statements
    ) == sorted([
        ("Allow", "s3:GetObject",
         f"<{bucket_id(synth)}.Arn>/{SIGNED_OBJECTS}"),
        ("Allow", "kms:Decrypt", f"<{backup_key_id(synth)}.Arn>"),
    ])
    [decrypt] = [s for s in statements if s["Action"] == "kms:Decrypt"]
    assert flatten_reference(decrypt["Condition"]["StringEquals"]["kms:ViaService"]) == (
        "s3.<AWS::Region>.<AWS::URLSuffix>"
    )


def bucket_id(synth: Synth) -> str:
    return one(synth, "AWS::S3::Bucket", "StorageBackupBucket")[0]


def backup_key_id(synth: Synth) -> str:
    return one(synth, "AWS::KMS::Key", "StorageBackupKey")[0]


def test_signer_secret_is_built_from_the_access_key(synth: Synth) -> None:
    from hcp_dr.adapters import restore_url_signer

    [key_id] = synth.of_type("AWS::IAM::AccessKey")
    access_key = synth.resources[key_id]["Properties"]
    [user_id] = synth.of_type("AWS::IAM::User")
    assert ref(access_key["UserName"]) == user_id
    assert access_key["Serial"] == DEFAULTS["restoreUrlSignerKeySerial"]
    assert access_key.get("Status", "Active") == "Active"

    [secret_id] = synth.of_type("AWS::SecretsManager::Secret")
    secret = synth.resources[secret_id]["Properties"]
    assert ref(secret["KmsKeyId"]) == backup_key_id(synth)
    assert "GenerateSecretString" not in secret
    delimiter, parts = secret["SecretString"]["Fn::Join"]
    literals = [p for p in parts if isinstance(p, str)]
    assert {"Ref": key_id} in parts
    assert {"Fn::GetAtt": [key_id, "SecretAccessKey"]} in parts
    # Render it as CloudFormation would and read it as the function does: the JSON keys are
    # exactly the ones the adapter reads first.
    rendered = delimiter.join(
        p if isinstance(p, str)
        else "AKIAIOSFODNN7EXAMPLE" if p == {"Ref": key_id}
        else "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        for p in parts
    )
    assert json.loads(rendered) == {
        "access_key_id": "AKIAIOSFODNN7EXAMPLE",
        "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    }

    class SecretsManager:
        def get_secret_value(self, SecretId: str) -> dict[str, str]:  # noqa: N803 (boto3)
            return {"SecretString": rendered}

    signer = restore_url_signer.signer_from_secret(SecretsManager(), "signer", "eu-west-1")
    assert signer.identity.kind == "dedicated-signer" and signer.identity.session is False
    # No key material anywhere in the template: only JSON punctuation and key names.
    assert "".join(literals) == '{"access_key_id":"","secret_access_key":""}'
    text = json.dumps(synth.template)
    assert not re.search(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b", text)


def test_only_restore_on_destination_reads_the_signer_secret(synth: Synth) -> None:
    [secret_id] = synth.of_type("AWS::SecretsManager::Secret")
    signers = {spec.name for spec in catalog.LAMBDA_FUNCTIONS
               if catalog.RESTORE_URL_SIGNER_READ in spec.grants}
    assert signers == {"RestoreOnDestination"}
    readers = {}
    for principal, statements in statements_by_principal(synth).items():
        for statement in statements:
            if f"<{secret_id}>" in map(flatten_reference, as_list(statement["Resource"])):
                readers.setdefault(principal, set()).update(as_list(statement["Action"]))
    assert readers == {role_of(synth, "RestoreOnDestination"): {"secretsmanager:GetSecretValue"}}
    [decrypt] = [
        s for s in statements_by_principal(synth)[role_of(synth, "RestoreOnDestination")]
        if s.get("Sid") == "DecryptRestoreUrlSigner"
    ]
    assert decrypt["Action"] == "kms:Decrypt"
    assert ref(decrypt["Resource"]) == backup_key_id(synth)
    assert flatten_reference(decrypt["Condition"]["StringEquals"]["kms:ViaService"]) == (
        "secretsmanager.<AWS::Region>.<AWS::URLSuffix>"
    )
    for function in functions_by_name(synth):
        value = variables(synth, function).get("HCP_DR_RESTORE_URL_SIGNER_SECRET")
        if function in signers:
            assert value == {"Ref": secret_id}
        else:
            assert value is None, function


def test_without_the_signer_nothing_of_it_is_deployed(variant: Synth) -> None:
    for resource_type in ("AWS::IAM::User", "AWS::IAM::AccessKey",
                          "AWS::SecretsManager::Secret"):
        assert not variant.of_type(resource_type), resource_type
    assert "HCP_DR_RESTORE_URL_SIGNER_SECRET" not in variables(variant, "RestoreOnDestination")
    actions = actions_of(statements_by_principal(variant)[role_of(variant, "RestoreOnDestination")])
    assert "secretsmanager:GetSecretValue" in actions  # the kubeconfig prefix only
    assert not any(s.get("Sid", "").endswith("RestoreUrlSigner")
                   for s in statements_by_principal(variant)[
                       role_of(variant, "RestoreOnDestination")])


def test_signer_findings_are_acknowledged_where_they_arise(synth: Synth) -> None:
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    [nag] = [r for r in report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    signer = {}
    for suppressed in nag["suppressedViolations"]:
        for construct in suppressed["violatingConstructs"]:
            if "/RestoreUrlSigner/" in construct["constructPath"]:
                signer[suppressed["ruleName"]] = construct["constructPath"]
    assert signer == {
        f"AwsSolutions-IAM5[Resource::<{bucket_id(synth)}.Arn>/{SIGNED_OBJECTS}]":
            "HcpDrStack/RestoreUrlSigner/Policy/Resource",
        "AwsSolutions-SMG4": "HcpDrStack/RestoreUrlSigner/Secret/Resource",
    }


# --- approval requests --------------------------------------------------------------------


def test_migration_machine_may_publish_approval_requests(synth: Synth) -> None:
    from stacks.config import REPO_ROOT

    spec = next(s for s in catalog.STATE_MACHINES if s.name == "Migration")
    definition = json.loads((REPO_ROOT / "statemachines" / spec.asl_file).read_text())
    approvals = [
        state for state in definition["States"].values()
        if state.get("Resource") == "arn:aws:states:::sns:publish.waitForTaskToken"
    ]
    assert approvals and all(
        a["Parameters"]["TopicArn"] == "${FailureTopicArn}" for a in approvals
    )
    machine_id, machine = one(
        synth, "AWS::StepFunctions::StateMachine", "WorkflowsMigrationStateMachine"
    )
    [topic] = synth.of_type("AWS::SNS::Topic")
    topic_key = ref(synth.resources[topic]["Properties"]["KmsMasterKeyId"])
    assert machine["Properties"]["DefinitionSubstitutions"]["FailureTopicArn"] == {"Ref": topic}
    statements = statements_by_principal(synth)[ref(machine["Properties"]["RoleArn"])]
    granted = {
        (action, flatten_reference(resource))
        for s in statements if s["Effect"] == "Allow" and "Condition" not in s
        for action in as_list(s["Action"]) for resource in as_list(s["Resource"])
    }
    assert {("sns:Publish", f"<{topic}>"), ("kms:GenerateDataKey", f"<{topic_key}.Arn>"),
            ("kms:Decrypt", f"<{topic_key}.Arn>")} <= granted, machine_id
    # Same account: the role's own policy suffices unless a resource policy denies it. The
    # topic policy denies only plain-HTTP publishing; the key policy delegates to IAM.
    [topic_policy] = synth.of_type("AWS::SNS::TopicPolicy").values()
    denies = [s for s in topic_policy["Properties"]["PolicyDocument"]["Statement"]
              if s["Effect"] == "Deny"]
    assert [s["Condition"] for s in denies] == [{"Bool": {"aws:SecureTransport": "false"}}]
    key_policy = synth.resources[topic_key]["Properties"]["KeyPolicy"]["Statement"]
    assert any(
        s["Effect"] == "Allow" and s["Action"] == "kms:*"
        and flatten_reference(s["Principal"]["AWS"]).endswith(":root")
        for s in key_policy
    )


def test_a_throttled_watcher_event_is_dropped_within_minutes_not_queued_for_hours(
        synth: Synth) -> None:
    """The watcher's reserved concurrency throttles bursts; Lambda would keep a throttled
    asynchronous event for up to 6 hours. The next poll looks again anyway."""
    _id, config = one(synth, "AWS::Lambda::EventInvokeConfig", "TriggersWatchDnsCleanupAsync")
    properties = config["Properties"]
    assert ref(properties["FunctionName"]) == function_id(synth, "WatchDnsCleanup")
    assert properties["MaximumEventAgeInSeconds"] == 300
    assert properties["MaximumRetryAttempts"] == 0
