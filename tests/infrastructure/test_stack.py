"""Template assertions on HcpDrStack (one synth for the module, bundle=false, cdk-nag on)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from synth_helpers import (
    TEST_CONTEXT,
    Synth,
    actions_of,
    as_list,
    assert_no_dependency_cycle,
    functions_by_name,
    ref,
    statements_by_principal,
)

from stacks import catalog
from stacks.config import BACKUP_KEY_PREFIX, DEFAULTS, MIGRATION_KEY_PREFIX, REPO_ROOT
from stacks.functions import KUBECONFIG_LIST
from stacks.nag import flatten_reference
from stacks.signer import SIGNED_OBJECTS

DATA_SERVICES = ("s3:", "dynamodb:", "secretsmanager:", "ssm:")
INTERVAL_SECONDS = 1800  # TEST_CONTEXT's rate(30 minutes)


# --- functions ------------------------------------------------------------------------------


def test_one_function_per_catalog_entry_with_its_spec(synth: Synth) -> None:
    functions = functions_by_name(synth)
    assert set(functions) == {spec.name for spec in catalog.LAMBDA_FUNCTIONS}
    assert len(synth.of_type("AWS::Lambda::Function")) == len(catalog.LAMBDA_FUNCTIONS)
    for spec in catalog.LAMBDA_FUNCTIONS:
        properties = functions[spec.name][1]
        assert properties["Runtime"] == "python3.12"
        assert properties["Handler"] == spec.handler
        assert properties["Timeout"] == spec.timeout_seconds
        assert properties["MemorySize"] == spec.memory_mb
        assert properties["LoggingConfig"]["LogGroup"]["Ref"].startswith(
            f"Functions{spec.name}Logs"
        )


def test_each_function_has_its_own_role(synth: Synth) -> None:
    roles = [ref(props["Role"]) for _id, props in functions_by_name(synth).values()]
    assert len(set(roles)) == len(catalog.LAMBDA_FUNCTIONS)
    for role in roles:
        trust = synth.resources[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert [s["Principal"] for s in trust] == [{"Service": "lambda.amazonaws.com"}]
        assert "ManagedPolicyArns" not in synth.resources[role]["Properties"]


def test_every_function_environment_satisfies_settings(synth: Synth) -> None:
    """Every required setting is set, every HCP_DR_* variable the stack sets is one Settings
    reads (no typo), the resource-backed ones point at this stack's resources, and every
    function gets catalog.FUNCTION_ENVIRONMENT (which the import-time benchmark runs with)."""
    from hcp_dr.settings import Settings

    aliases = {field.alias for field in Settings.model_fields.values()}
    required = {field.alias for field in Settings.model_fields.values() if field.is_required()}
    for name, (_id, properties) in functions_by_name(synth).items():
        variables = properties["Environment"]["Variables"]
        assert required <= variables.keys(), f"{name} misses {required - variables.keys()}"
        ours = {key for key in variables if key.startswith("HCP_DR_")}
        assert ours <= aliases, f"{name} sets variables Settings ignores: {ours - aliases}"
        assert catalog.FUNCTION_ENVIRONMENT.items() <= variables.items(), name
        assert variables["POWERTOOLS_SERVICE_NAME"] == "hcp-dr"
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "HcpDr"
        assert variables["HCP_DR_KUBECONFIG_SECRET_PREFIX"] == (
            TEST_CONTEXT["kubeconfigSecretPrefix"]
        )
        assert ref(variables["HCP_DR_BACKUP_BUCKET"]).startswith("StorageBackupBucket")
        assert ref(variables["HCP_DR_BACKUP_KMS_KEY_ID"]).startswith("StorageBackupKey")
        assert ref(variables["HCP_DR_LOCK_TABLE"]).startswith("StorageLockTable")


def test_environment_values_parse_as_settings(synth: Synth) -> None:
    """The literal values the stack writes are ones Settings accepts."""
    from hcp_dr.settings import Settings

    _id, properties = next(iter(functions_by_name(synth).values()))
    variables = {
        key: value if isinstance(value, str) else "placeholder-resolved-at-deploy"
        for key, value in properties["Environment"]["Variables"].items()
    }
    Settings.model_validate(variables)


# What each catalog grant must put in a function's role, and nothing more.
ACTIONS_BY_GRANT = {
    catalog.KUBECONFIG_READ: {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
    KUBECONFIG_LIST: {"secretsmanager:ListSecrets"},
    catalog.BUCKET_READ: {"s3:GetObject", "s3:ListBucket"},
    catalog.BACKUP_CATALOG_READ: {"s3:GetObject", "s3:ListBucket"},
    catalog.SNAPSHOT_READ: {"s3:GetObject"},
    catalog.BUCKET_WRITE: {"s3:PutObject", "s3:AbortMultipartUpload"},
    catalog.BUCKET_DELETE: {"s3:DeleteObject"},
    catalog.LOCK_TABLE: {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                         "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem", "dynamodb:Query"},
    catalog.LOCK_TABLE_READ: {"dynamodb:GetItem"},
    catalog.KMS_USE: {"kms:Decrypt", "kms:GenerateDataKey"},
    catalog.TOPIC_PUBLISH: {"sns:Publish", "kms:Decrypt", "kms:GenerateDataKey"},
    catalog.STATES_TASK: {"states:SendTaskSuccess", "states:SendTaskFailure",
                          "states:SendTaskHeartbeat"},
    catalog.DNS_READ: {"route53:ListHostedZonesByName", "route53:ListResourceRecordSets"},
    catalog.MIGRATION_RECORDS_READ: {"s3:GetObject", "s3:ListBucket"},
    catalog.SNAPSHOT_CONFIRM: {"s3:GetObject"},
    catalog.MIGRATION_RECORDS_WRITE: {"s3:PutObject"},
    catalog.LOCK_TABLE_SCAN: {"dynamodb:Scan"},
    catalog.POLICIES_READ: {"ssm:GetParameter"},
    catalog.MIGRATION_START: {"states:StartExecution", "states:ListExecutions",
                              "states:DescribeExecution"},
    catalog.MIGRATION_DESCRIBE: {"states:DescribeExecution"},
    catalog.BACKUP_DESCRIBE: {"states:DescribeExecution"},
    catalog.MIGRATION_HISTORY: {"states:GetExecutionHistory"},
    # The stack's signer secret (context restoreUrlSigner, on by default), encrypted with the
    # backup key.
    catalog.RESTORE_URL_SIGNER_READ: {"secretsmanager:GetSecretValue", "kms:Decrypt"},
}


def test_grants_follow_the_catalog(synth: Synth) -> None:
    statements = statements_by_principal(synth)
    functions = functions_by_name(synth)
    for spec in catalog.LAMBDA_FUNCTIONS:
        role = ref(functions[spec.name][1]["Role"])
        expected = {"logs:CreateLogStream", "logs:PutLogEvents"}
        for grant in spec.grants:
            expected |= ACTIONS_BY_GRANT[grant]
        assert actions_of(statements[role]) == expected, spec.name


def test_no_wildcard_resource_on_data_services_except_acknowledged_prefixes(
    synth: Synth,
) -> None:
    """Every role and user (the restore-URL signer included): data actions are never
    wildcards, and wildcard resources only the acknowledged prefixes."""
    secret_prefix = (
        "arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:"
        f"{TEST_CONTEXT['kubeconfigSecretPrefix']}*"
    )
    bucket_prefixes = re.compile(
        rf"^<StorageBackupBucket\w+\.Arn>/({BACKUP_KEY_PREFIX}\*|{MIGRATION_KEY_PREFIX}\*"
        rf"|{re.escape(SIGNED_OBJECTS)}|{re.escape(BACKUP_KEY_PREFIX)}\*/manifest\.json)$"
    )
    for principal, statements in statements_by_principal(synth).items():
        for statement in statements:
            actions = as_list(statement["Action"])
            data_actions = [a for a in actions if a.startswith(DATA_SERVICES)]
            if not data_actions:
                continue
            for action in data_actions:
                assert "*" not in action, (principal, action)
            if data_actions == ["secretsmanager:ListSecrets"]:
                continue  # no resource-level permissions exist for it; returns no values
            for resource in map(flatten_reference, as_list(statement["Resource"])):
                if "*" not in resource:
                    continue
                assert resource == secret_prefix or bucket_prefixes.match(resource), (
                    principal, data_actions, resource,
                )


def test_lambda_and_state_machine_log_groups_have_retention(synth: Synth) -> None:
    groups = synth.of_type("AWS::Logs::LogGroup")
    assert len(groups) == len(catalog.LAMBDA_FUNCTIONS) + len(catalog.STATE_MACHINES)
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == DEFAULTS["logRetentionDays"]


def test_state_machine_grants_live_outside_the_function_role(synth: Synth) -> None:
    """A function granted access to a machine that invokes it would otherwise form a
    dependency cycle (function -> role policy -> machine -> function)."""
    functions = functions_by_name(synth)
    for spec in catalog.LAMBDA_FUNCTIONS:
        wanted = {catalog.MIGRATION_START, catalog.MIGRATION_HISTORY,
                  catalog.MIGRATION_DESCRIBE, catalog.BACKUP_DESCRIBE} & spec.grants
        if not wanted:
            continue
        _id, properties = functions[spec.name]
        role = ref(properties["Role"])
        [policy] = [
            p for k, p in synth.of_type("AWS::IAM::Policy").items()
            if k.startswith(f"Functions{spec.name}StateMachineAccess")
        ]
        assert [ref(r) for r in policy["Properties"]["Roles"]] == [role]
        if catalog.MIGRATION_START in wanted:
            arn = properties["Environment"]["Variables"]["HCP_DR_MIGRATION_STATE_MACHINE_ARN"]
            assert ref(arn).startswith("WorkflowsMigrationStateMachine")


@pytest.mark.parametrize("function", ["AcquireMigrationLocks", "AcquireClusterLock"])
def test_lock_takers_may_describe_backup_and_migration_executions_only(
        synth: Synth, function: str) -> None:
    """A lock's taker asks how its holder ended (a backup that no longer runs, a migration that
    succeeded, leave locks to take over): on the executions of those two machines, nothing
    else."""
    _id, properties = functions_by_name(synth)[function]
    statements = [s for s in statements_by_principal(synth)[ref(properties["Role"])]
                  if "states:DescribeExecution" in as_list(s["Action"])]
    resources = sorted(flatten_reference(r) for s in statements for r in as_list(s["Resource"]))
    machines = {prefix: next(k for k in synth.of_type("AWS::StepFunctions::StateMachine")
                             if k.startswith(prefix))
                for prefix in ("WorkflowsBackupStateMachine", "WorkflowsMigrationStateMachine")}
    assert len(resources) == 2
    for machine in machines.values():
        assert sum(r.endswith(f":execution:<{machine}.Name>:*") for r in resources) == 1, resources


def test_template_has_no_dependency_cycle(synth: Synth) -> None:
    assert_no_dependency_cycle(synth)


# --- storage --------------------------------------------------------------------------------


def _bucket(synth: Synth, prefix: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, bucket)] = [
        (k, v) for k, v in synth.of_type("AWS::S3::Bucket").items() if k.startswith(prefix)
    ]
    return logical_id, bucket["Properties"]


def _denies_insecure_transport(synth: Synth, bucket_id: str) -> bool:
    for policy in synth.of_type("AWS::S3::BucketPolicy").values():
        if ref(policy["Properties"]["Bucket"]) != bucket_id:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if (statement["Effect"] == "Deny"
                    and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}):
                return True
    return False


def test_backup_bucket_is_encrypted_versioned_private_tls_only_and_logged(synth: Synth) -> None:
    bucket_id, bucket = _bucket(synth, "StorageBackupBucket")
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert ref(rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]).startswith(
        "StorageBackupKey"
    )
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True,
        "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
    }
    assert _denies_insecure_transport(synth, bucket_id)
    log_bucket_id, _log_bucket = _bucket(synth, "StorageAccessLogBucket")
    assert ref(bucket["LoggingConfiguration"]["DestinationBucketName"]) == log_bucket_id
    assert _denies_insecure_transport(synth, log_bucket_id)
    assert "ObjectLockEnabled" not in bucket  # off by default


def test_backup_key_rotates(synth: Synth) -> None:
    for key in synth.of_type("AWS::KMS::Key").values():
        assert key["Properties"]["EnableKeyRotation"] is True


def test_lifecycle_is_a_backstop_far_behind_the_gfs_policy(synth: Synth) -> None:
    _id, bucket = _bucket(synth, "StorageBackupBucket")
    rules = {rule["Id"]: rule for rule in bucket["LifecycleConfiguration"]["Rules"]}
    backups = rules["expire-old-backups"]
    assert backups["Prefix"] == BACKUP_KEY_PREFIX
    gfs_days = max(DEFAULTS["retentionDailyDays"], DEFAULTS["retentionWeeklyWeeks"] * 7)
    assert backups["ExpirationInDays"] >= 2 * gfs_days
    assert rules["expire-noncurrent-versions"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": DEFAULTS["noncurrentVersionExpirationDays"]
    }


def test_lock_table(synth: Synth) -> None:
    [table] = synth.of_type("AWS::DynamoDB::Table").values()
    properties = table["Properties"]
    assert {(k["AttributeName"], k["KeyType"]) for k in properties["KeySchema"]} == {
        ("pk", "HASH"), ("sk", "RANGE"),
    }
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at", "Enabled": True,
    }
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["SSESpecification"]["SSEEnabled"] is True


def test_object_lock_in_governance_mode_from_context() -> None:
    from aws_cdk import App, Stack
    from aws_cdk.assertions import Match, Template

    from stacks.config import StackConfig
    from stacks.storage import Storage

    app = App()
    stack = Stack(app, "ObjectLock")
    Storage(stack, "Storage", config=StackConfig.from_mapping({"objectLockDays": 30}))
    Template.from_stack(stack).has_resource_properties("AWS::S3::Bucket", {
        "ObjectLockEnabled": True,
        "ObjectLockConfiguration": {
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}},
        },
        "BucketEncryption": Match.any_value(),
    })


# --- workflows ------------------------------------------------------------------------------


def machines_by_name(synth: Synth) -> dict[str, dict[str, Any]]:
    found = {}
    for logical_id, resource in synth.of_type("AWS::StepFunctions::StateMachine").items():
        for spec in catalog.STATE_MACHINES:
            if logical_id.startswith(f"Workflows{spec.name}StateMachine"):
                found[spec.name] = resource["Properties"]
    return found


def test_one_state_machine_per_catalog_entry(synth: Synth) -> None:
    assert set(machines_by_name(synth)) == {spec.name for spec in catalog.STATE_MACHINES}


@pytest.mark.parametrize("spec", catalog.STATE_MACHINES, ids=lambda s: s.name)
def test_definition_has_no_placeholder_left_after_substitution(synth: Synth, spec) -> None:
    properties = machines_by_name(synth)[spec.name]
    definition = properties["DefinitionString"]
    assert isinstance(definition, str)
    substitutions = properties["DefinitionSubstitutions"]
    for key in substitutions:
        definition = definition.replace(f"${{{key}}}", "substituted")
    assert "${" not in definition
    json.loads(definition)


@pytest.mark.parametrize("spec", catalog.STATE_MACHINES, ids=lambda s: s.name)
def test_substitutions_cover_every_function_the_definition_uses(synth: Synth, spec) -> None:
    if spec.name in synth.missing_asl:
        pytest.skip(f"statemachines/{spec.asl_file} is not written yet")
    from stacks.workflows import placeholders

    used = placeholders((REPO_ROOT / "statemachines" / spec.asl_file).read_text())
    substitutions = machines_by_name(synth)[spec.name]["DefinitionSubstitutions"]
    assert used <= substitutions.keys()
    declared = {catalog.function_arn_placeholder(name) for name in spec.functions}
    # Every function the catalog lists is used (else the machine holds an invoke grant it
    # does not need), and the definition calls no function the catalog does not list.
    assert {p for p in used if p.endswith("FunctionArn")} == declared
    assert used - declared == set(spec.extra_substitutions)


def test_state_machines_invoke_exactly_their_functions(synth: Synth) -> None:
    statements = statements_by_principal(synth)
    functions = functions_by_name(synth)
    for spec in catalog.STATE_MACHINES:
        [role] = [
            ref(props["RoleArn"]) for name, props in machines_by_name(synth).items()
            if name == spec.name
        ]
        invoked = {
            ref(resource)
            for statement in statements[role]
            if "lambda:InvokeFunction" in as_list(statement["Action"])
            for resource in as_list(statement["Resource"])
            if "Fn::GetAtt" in resource
        }
        assert invoked == {functions[name][0] for name in spec.functions}, spec.name


def test_state_machine_logs_exclude_execution_data_and_trace(synth: Synth) -> None:
    for name, properties in machines_by_name(synth).items():
        logging = properties["LoggingConfiguration"]
        assert logging["IncludeExecutionData"] is False, name
        assert logging["Level"] == "ALL"
        assert properties["TracingConfiguration"] == {"Enabled": True}


def test_scheduled_machine_may_run_the_backup_machine_synchronously(synth: Synth) -> None:
    machines = machines_by_name(synth)
    role = ref(machines["ScheduledBackup"]["RoleArn"])
    actions = actions_of(statements_by_principal(synth)[role])
    assert {
        "states:StartExecution", "states:DescribeExecution", "states:StopExecution",
        "events:PutTargets", "events:PutRule", "events:DescribeRule",
    } <= actions
    substitutions = machines["ScheduledBackup"]["DefinitionSubstitutions"]
    assert ref(substitutions["BackupStateMachineArn"]).startswith("WorkflowsBackupStateMachine")


# --- schedule and monitoring ----------------------------------------------------------------


def test_schedule_expression_comes_from_context(synth: Synth) -> None:
    [schedule] = synth.of_type("AWS::Scheduler::Schedule").values()
    properties = schedule["Properties"]
    assert properties["ScheduleExpression"] == TEST_CONTEXT["backupSchedule"]
    assert properties["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert properties["State"] == "ENABLED"
    assert ref(properties["Target"]["Arn"]).startswith("WorkflowsScheduledBackupStateMachine")
    assert json.loads(properties["Target"]["Input"]) == TEST_CONTEXT["backupScheduleInput"]
    role = ref(properties["Target"]["RoleArn"])
    trust = synth.resources[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust[0]["Principal"] == {"Service": "scheduler.amazonaws.com"}


def test_schedule_input_is_a_fleet_selection(synth: Synth) -> None:
    """The scheduled machine passes its input to ListHostedClusters unchanged."""
    from hcp_dr.domain.backup_fleet import FleetSelection

    [schedule] = synth.of_type("AWS::Scheduler::Schedule").values()
    FleetSelection.model_validate(json.loads(schedule["Properties"]["Target"]["Input"]))
    FleetSelection.model_validate(DEFAULTS["backupScheduleInput"])


def alarms(synth: Synth) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in synth.of_type("AWS::CloudWatch::Alarm").items()}


def test_freshness_alarm_threshold_is_twice_the_interval(synth: Synth) -> None:
    for cluster in TEST_CONTEXT["monitoredClusters"]:
        [stale] = [
            a for a in alarms(synth).values()
            if a.get("MetricName") == "NewestBackupAgeSeconds"
            and {"Name": "HostedCluster", "Value": cluster} in a["Dimensions"]
        ]
        assert stale["Threshold"] == 2 * INTERVAL_SECONDS
        assert stale["ComparisonOperator"] == "GreaterThanThreshold"
        assert stale["Namespace"] == "HcpDr"
        assert stale["Period"] == INTERVAL_SECONDS


def test_freshness_alarm_dimensions_match_what_the_functions_emit(synth: Synth, capsys) -> None:
    """CloudWatch matches a metric on its full dimension set: the alarm must name exactly the
    dimensions RecordBackupOutcome's EMF document carries (Powertools adds `service`)."""
    from hcp_dr.observability import published_metrics

    cluster = TEST_CONTEXT["monitoredClusters"][0]
    with published_metrics(HostedCluster=cluster) as metrics:
        metrics.add_metric(name="NewestBackupAgeSeconds", unit="Seconds", value=1.0)
    document = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    [emitted] = document["_aws"]["CloudWatchMetrics"]
    assert emitted["Namespace"] == "HcpDr"
    [dimension_names] = emitted["Dimensions"]
    [stale] = [
        a for a in alarms(synth).values()
        if a.get("MetricName") == "NewestBackupAgeSeconds"
        and {"Name": "HostedCluster", "Value": cluster} in a["Dimensions"]
    ]
    assert {d["Name"]: d["Value"] for d in stale["Dimensions"]} == {
        name: document[name] for name in dimension_names
    }


def test_missing_freshness_metric_alarms(synth: Synth) -> None:
    silent = [
        a for a in alarms(synth).values()
        if any("FILL" in m.get("Expression", "") for m in a.get("Metrics", []))
        and "NewestBackupAgeSeconds" in json.dumps(a["Metrics"])
    ]
    assert len(silent) == len(TEST_CONTEXT["monitoredClusters"])
    for alarm in silent:
        assert alarm["TreatMissingData"] == "breaching"
        assert alarm["ComparisonOperator"] == "LessThanThreshold"
        [samples] = [m for m in alarm["Metrics"] if "MetricStat" in m]
        assert samples["MetricStat"]["Period"] == 2 * INTERVAL_SECONDS
        assert samples["MetricStat"]["Stat"] == "SampleCount"
        assert samples["MetricStat"]["Metric"]["MetricName"] == "NewestBackupAgeSeconds"


def test_failure_alarms_and_every_alarm_notifies_the_topic(synth: Synth) -> None:
    every = alarms(synth)
    [topic] = synth.of_type("AWS::SNS::Topic")
    for properties in every.values():
        assert [ref(a) for a in properties["AlarmActions"]] == [topic]
    failed = [
        a for a in every.values()
        if any("SUM(BackupFailed)" in m.get("Expression", "") for m in a.get("Metrics", []))
    ]
    assert len(failed) == 1
    assert failed[0]["Threshold"] == 1
    assert failed[0]["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    executions_failed = [a for a in every.values() if a.get("MetricName") == "ExecutionsFailed"]
    assert len(executions_failed) == len(catalog.STATE_MACHINES)
    # A stopped migration runs no compensation: that pages too, with what to check.
    [aborted] = [a for a in every.values() if a.get("MetricName") == "ExecutionsAborted"]
    assert "no compensation ran" in aborted["AlarmDescription"]
    assert aborted["Threshold"] == 1 and aborted["Statistic"] == "Sum"


def _resource_text(statement: dict[str, Any]) -> str:
    return json.dumps(statement["Resource"])


def test_every_reader_of_migration_records_sees_a_missing_key_as_404(synth: Synth) -> None:
    """Without s3:ListBucket, S3 answers GET/HEAD of a missing key with 403: the first
    DeleteSourceRoutes (no Routes stored yet) or a compensation looking for the restore's
    record would fail with AccessDenied instead of reading "absent"."""
    for role, statements in statements_by_principal(synth).items():
        readers = [s for s in statements if "s3:GetObject" in as_list(s["Action"])
                   and "migrations/*" in _resource_text(s)]
        if not readers:
            continue
        listing = [s for s in statements if as_list(s["Action"]) == ["s3:ListBucket"]
                   and "migrations/*" in json.dumps(s.get("Condition", {}))]
        assert listing, role


@pytest.mark.parametrize(("function", "readable"), [
    ("UploadSnapshot", "etcd/snapshot.db"),
    ("VerifySnapshot", "etcd/snapshot.db"),
    ("PruneBackups", "manifest.json"),
    ("RecordBackupOutcome", "manifest.json"),
])
def test_stages_that_need_one_object_of_a_set_read_no_other(synth: Synth, function: str,
                                                           readable: str) -> None:
    """Not the set's stored encryption key, its secrets or its objects: only what the stage
    reads (HeadObject needs s3:GetObject too)."""
    functions = functions_by_name(synth)
    statements = statements_by_principal(synth)[ref(functions[function][1]["Role"])]
    resources = [resource for s in statements if "s3:GetObject" in as_list(s["Action"])
                 for resource in map(flatten_reference, as_list(s["Resource"]))]
    assert resources and all(r.endswith(f"/{BACKUP_KEY_PREFIX}*/{readable}")
                             for r in resources), resources


def test_functions_invoked_by_rules_page_on_their_own_errors(synth: Synth) -> None:
    """No execution fails when the alarm trigger, the DNS watcher or a recovery of a stopped
    execution does: their Lambda Errors alarm on the topic, or an alarm that cannot start a
    migration (or writers left at 0 by a stopped backup or migration) goes unnoticed."""
    functions = {k: v["Properties"] for k, v in synth.of_type("AWS::Lambda::Function").items()}
    watched = {}
    for properties in alarms(synth).values():
        if properties.get("MetricName") == "Errors" and properties["Namespace"] == "AWS/Lambda":
            [dimension] = properties["Dimensions"]
            watched[ref(dimension["Value"])] = properties
    names = {logical: functions[logical]["Description"] for logical in watched}
    assert len(watched) == 4
    assert any("alarm" in d.lower() for d in names.values())
    assert any("DNS waits" in d for d in names.values())
    assert any("stopped or timed out" in d for d in names.values())
    assert any("stopped before its restore" in d for d in names.values())
    for properties in watched.values():
        assert properties["Threshold"] == 1 and properties["Statistic"] == "Sum"


def test_the_dns_watcher_runs_one_at_a_time_and_nothing_else_is_capped(synth: Synth) -> None:
    capped = {v["Properties"]["Description"]: v["Properties"]["ReservedConcurrentExecutions"]
              for v in synth.of_type("AWS::Lambda::Function").values()
              if "ReservedConcurrentExecutions" in v["Properties"]}
    assert list(capped.values()) == [1]
    assert "DNS waits" in next(iter(capped))


def test_failure_topic_is_encrypted_and_tls_only(synth: Synth) -> None:
    [topic_id] = synth.of_type("AWS::SNS::Topic")
    topic = synth.resources[topic_id]["Properties"]
    assert ref(topic["KmsMasterKeyId"]).startswith("NotificationsTopicKey")
    [policy] = synth.of_type("AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )


# --- cdk-nag and cdk.json -------------------------------------------------------------------


def test_cdk_nag_has_no_finding_and_every_acknowledgment_has_a_reason(synth: Synth) -> None:
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    [nag] = [r for r in report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    assert nag["conclusion"] == "success"
    assert nag["violations"] == []
    for suppressed in nag["suppressedViolations"]:
        assert len(suppressed["reason"]) >= 40, suppressed["ruleName"]
    rules = {s["ruleName"].split("[")[0] for s in nag["suppressedViolations"]}
    # SMG4: the restore-URL signer secret (stacks/signer.py), rotated by redeploying.
    # SQS3: the schedule's dead-letter queue (stacks/schedules.py) has none of its own.
    assert rules <= {"AwsSolutions-IAM5", "AwsSolutions-L1", "AwsSolutions-SMG4",
                     "AwsSolutions-SQS3"}
    sqs3 = [c["constructPath"] for s in nag["suppressedViolations"]
            if s["ruleName"] == "AwsSolutions-SQS3" for c in s["violatingConstructs"]]
    assert sqs3 == ["HcpDrStack/Schedules/UndeliveredTicks/Resource"]


def test_cdk_json_repeats_the_code_defaults() -> None:
    cdk_json = json.loads((REPO_ROOT / "cdk.json").read_text())
    assert cdk_json["app"] == ".venv/bin/python app.py"
    assert {k: cdk_json["context"][k] for k in DEFAULTS} == DEFAULTS


# --- the stack refuses definitions it cannot fully substitute --------------------------------


def _asl_copy(tmp_path, asl_dir) -> Any:
    directory, _missing = asl_dir
    target = tmp_path / "statemachines"
    target.mkdir()
    for spec in catalog.STATE_MACHINES:
        (target / spec.asl_file).write_text((directory / spec.asl_file).read_text())
    return target


def test_a_placeholder_the_catalog_does_not_list_is_refused(tmp_path, asl_dir) -> None:
    from stacks.application import create_app
    from stacks.workflows import AslError

    directory = _asl_copy(tmp_path, asl_dir)
    backup = directory / "backup.asl.json"
    text = backup.read_text()
    first = "${" + catalog.function_arn_placeholder(catalog.STATE_MACHINES[0].functions[0]) + "}"
    assert first in text
    backup.write_text(text.replace(first, "${NoSuchFunctionArn}", 1))
    with pytest.raises(AslError, match="NoSuchFunctionArn"):
        create_app({**TEST_CONTEXT, "stateMachinesDir": str(directory)},
                   outdir=str(tmp_path / "out"))


def test_a_missing_definition_is_refused_not_replaced(tmp_path, asl_dir) -> None:
    from stacks.application import create_app
    from stacks.workflows import AslError

    directory = _asl_copy(tmp_path, asl_dir)
    (directory / catalog.STATE_MACHINES[-1].asl_file).unlink()
    with pytest.raises(AslError, match="does not exist"):
        create_app({**TEST_CONTEXT, "stateMachinesDir": str(directory)},
                   outdir=str(tmp_path / "out"))


def test_machines_are_created_after_the_machines_they_start() -> None:
    from stacks.workflows import creation_order

    order = [spec.name for spec in creation_order(catalog.STATE_MACHINES)]
    for spec in catalog.STATE_MACHINES:
        for extra in spec.extra_substitutions:
            if extra.endswith("StateMachineArn"):
                assert order.index(extra.removesuffix("StateMachineArn")) < order.index(spec.name)
