"""Parsing and validation of the stack's context (no synth)."""

from __future__ import annotations

import copy
import json

import pytest

from stacks.config import DEFAULTS, ConfigError, StackConfig, schedule_interval_seconds


def test_defaults_parse() -> None:
    config = StackConfig.from_mapping({})
    assert config.bundle is True
    assert config.backup_schedule == "rate(1 hour)"
    assert config.backup_interval_seconds == 3600
    assert config.object_lock_days == 0
    assert config.monitored_clusters == ()
    assert config.kubeconfig_secret_prefix == DEFAULTS["kubeconfigSecretPrefix"]
    assert config.migration_policies == ()
    assert config.migration_policies_json == "[]"
    assert config.migration_alarm_names == ()
    assert config.dns_fallback_poll_rate == "rate(1 minute)"
    assert config.restore_url_signer is True
    assert config.restore_url_signer_key_serial == 1
    assert config.restore_url_signer_secret == ""


@pytest.mark.parametrize(("expression", "seconds"), [
    ("rate(1 minute)", 60), ("rate(15 minutes)", 900), ("rate(1 hour)", 3600),
    ("rate(6 hours)", 21600), ("rate(1 day)", 86400), ("rate(2 days)", 172800),
])
def test_schedule_interval(expression: str, seconds: int) -> None:
    assert schedule_interval_seconds(expression) == seconds


@pytest.mark.parametrize("expression", [
    "cron(0 * * * ? *)", "rate(0 hours)", "rate(2 hour)", "rate(1 hours)", "every hour",
])
def test_unsupported_schedules_are_refused(expression: str) -> None:
    with pytest.raises(ConfigError, match="backupSchedule"):
        schedule_interval_seconds(expression)


@pytest.mark.parametrize(("expression", "accepted"), [
    ("rate(3 days)", True), ("rate(84 hours)", True), ("rate(85 hours)", False),
    ("rate(4 days)", False), ("rate(7 days)", False),
])
def test_intervals_the_staleness_alarms_cannot_watch_are_refused(
    expression: str, accepted: bool,
) -> None:
    """CloudWatch evaluates an alarm over at most 7 days and the alarms watch two intervals:
    a longer interval would fail the deployment, so the synth refuses it and says why."""
    if accepted:
        assert StackConfig.from_mapping({"backupSchedule": expression}).backup_schedule == (
            expression)
    else:
        with pytest.raises(ConfigError, match=r"backupSchedule.*7 days"):
            StackConfig.from_mapping({"backupSchedule": expression})


def test_command_line_strings_are_parsed() -> None:
    """`cdk synth -c key=value` passes every value as a string."""
    config = StackConfig.from_mapping({
        "bundle": "false", "objectLockDays": "14", "monitoredClusters": "clusters/a,clusters/b",
        "scheduleEnabled": "0", "backupScheduleInput": '{"consistency": "quiesced"}',
    })
    assert config.bundle is False
    assert config.object_lock_days == 14
    assert config.monitored_clusters == ("clusters/a", "clusters/b")
    assert config.schedule_enabled is False
    assert config.backup_schedule_input == {"consistency": "quiesced"}
    assert StackConfig.from_mapping(
        {"monitoredClusters": '["clusters/alpha", "ns/beta"]'}
    ).monitored_clusters == ("clusters/alpha", "ns/beta")


@pytest.mark.parametrize(("key", "value"), [
    ("bundle", "maybe"),
    ("objectLockDays", -1),
    ("logRetentionDays", 0),
    ("uploadUrlTtlSeconds", 10),
    ("kubeconfigSecretPrefix", "hcp-dr/*"),
    ("monitoredClusters", ["clusters/Not_A_Name"]),
    ("monitoredClusters", ["alpha"]),  # the metric's dimension is <namespace>/<name>
    ("monitoredClusters", ["a/b/c"]),
    ("monitoredClusters", ["a/b", "a/b"]),
    ("stateMachineLogLevel", "DEBUG"),
    ("backupScheduleInput", "[1]"),
    ("backupScheduleInput", "{not json"),
    ("backupScheduleInput", {"consistensy": "quiesced"}),  # would fail every tick
    ("backupScheduleInput", {"consistency": "offline"}),
    ("backupScheduleInput", {"management_clusters": "mc-a"}),
    ("backupScheduleInput", {"hosted_clusters": [{"namespace": "clusters", "name": "a"}]}),
    ("migrationPoliciesParameter", "hcp-dr/relative"),
    ("dnsFallbackPollRate", "rate(1 minutes)"),
    ("dnsFallbackPollRate", "cron(* * * * ? *)"),
    ("restoreUrlSigner", "sometimes"),
    ("restoreUrlSignerKeySerial", 0),
    ("migrationAlarmNames", "[not json"),
    ("migrationAlarmNames", ["a", "a"]),
    ("migrationAlarmNames", [""]),
    ("migrationAlarmNames", ["x" * 256]),
    ("migrationAlarmNames", {"a": 1}),
    ("lockTtlSeconds", 3600),  # shorter than a backup may run: a second one could take it
])
def test_bad_values_name_their_key(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=key):
        StackConfig.from_mapping({key: value})


def test_lifecycle_backstop_may_not_undercut_the_retention_policy() -> None:
    # 8 weekly backups reach back 56 days: a 100-day backstop is less than twice that.
    with pytest.raises(ConfigError, match="backupMaxAgeDays"):
        StackConfig.from_mapping({"retentionWeeklyWeeks": 8, "backupMaxAgeDays": 100})
    assert StackConfig.from_mapping(
        {"retentionWeeklyWeeks": 8, "backupMaxAgeDays": 112}
    ).backup_max_age_days == 112


def test_object_lock_must_end_before_the_backstop_expiry() -> None:
    with pytest.raises(ConfigError, match="objectLockDays"):
        StackConfig.from_mapping({"objectLockDays": 200, "backupMaxAgeDays": 180})


def test_log_retention_must_be_a_cloudwatch_period() -> None:
    from stacks.functions import log_retention

    assert log_retention(90).name == "THREE_MONTHS"
    with pytest.raises(ConfigError, match="logRetentionDays=42"):
        log_retention(42)


# --- migration policies (docs/migration-design.md, "Triggers") -------------------------------

POLICY = {
    "alarm_name": "mgmt-a-unhealthy",
    "hosted_cluster": {"namespace": "clusters", "name": "example"},
    "source": "mgmt-a", "destination": "mgmt-b", "policy": "approval-required",
}


def _with(**changes: object) -> dict:
    policy = copy.deepcopy(POLICY)
    for key, value in changes.items():
        if value is _DROP:
            del policy[key]
        else:
            policy[key] = value
    return policy


_DROP = object()

MALFORMED_POLICIES = {
    "not a list": {"alarm_name": "x"},
    "item not an object": ["mgmt-a-unhealthy"],
    "missing policy": [_with(policy=_DROP)],
    "missing hosted_cluster": [_with(hosted_cluster=_DROP)],
    "unknown key": [_with(approval="required")],
    "empty alarm name": [_with(alarm_name="")],
    "alarm name not a string": [_with(alarm_name=7)],
    "hosted cluster as a string": [_with(hosted_cluster="clusters/example")],
    "hosted cluster without name": [_with(hosted_cluster={"namespace": "clusters"})],
    "hosted cluster extra key": [
        _with(hosted_cluster={"namespace": "clusters", "name": "example", "uid": "1"})
    ],
    "namespace not a DNS label": [_with(hosted_cluster={"namespace": "Clusters", "name": "x"})],
    "name too long": [_with(hosted_cluster={"namespace": "clusters", "name": "a" * 64})],
    "source with a slash": [_with(source="mgmt/a")],
    "destination empty": [_with(destination="")],
    "same source and destination": [_with(destination="mgmt-a")],
    "unknown policy kind": [_with(policy="manual")],
    "dns timeout too short": [_with(dns_timeout_seconds=10)],
    "dns timeout as text": [_with(dns_timeout_seconds="900")],
    "url ttl beyond 7 days": [_with(restore_url_ttl_seconds=8 * 24 * 3600)],
}


@pytest.mark.parametrize("policies", MALFORMED_POLICIES.values(), ids=MALFORMED_POLICIES.keys())
def test_malformed_migration_policies_are_refused(policies: object) -> None:
    with pytest.raises(ConfigError, match=r"migrationPolicies"):
        StackConfig.from_mapping({"migrationPolicies": policies})


# pydantic's lax mode takes "900" for a number; the stack insists on JSON numbers.
STRICTER_THAN_THE_FUNCTION = {"dns timeout as text"}


@pytest.mark.parametrize("case", sorted(MALFORMED_POLICIES.keys() - STRICTER_THAN_THE_FUNCTION))
def test_the_function_refuses_them_too(case: str) -> None:
    """The stack checks the format the function parses (hcp_dr MigrationPolicy)."""
    from hcp_dr.domain.migration.alarm_trigger import parse_policies
    from hcp_dr.errors import MigrationPoliciesInvalid

    with pytest.raises(MigrationPoliciesInvalid):
        parse_policies(MALFORMED_POLICIES[case])  # type: ignore[arg-type]


def test_migration_policies_from_cdk_json_or_the_command_line() -> None:
    from hcp_dr.domain.migration.alarm_trigger import parse_policies

    second = _with(alarm_name="mgmt-b-unhealthy", source="mgmt-b", destination="mgmt-a",
                   policy="auto", dns_timeout_seconds=600, restore_url_ttl_seconds=7200,
                   hosted_cluster={"namespace": "fleet-2", "name": "beta"})
    for raw in ([POLICY, second], json.dumps([POLICY, second])):
        config = StackConfig.from_mapping({"migrationPolicies": raw})
        assert config.migration_policies == (POLICY, second)
        assert json.loads(config.migration_policies_json) == [POLICY, second]
        parsed = parse_policies(json.loads(config.migration_policies_json))
        assert [p.migration_input().approval for p in parsed] == ["required", "skip"]


def test_an_alarm_may_have_one_policy_only() -> None:
    other_cluster = _with(hosted_cluster={"namespace": "clusters", "name": "other"})
    with pytest.raises(ConfigError, match="more than one policy"):
        StackConfig.from_mapping({"migrationPolicies": [POLICY, other_cluster]})


def test_policies_must_fit_an_ssm_parameter() -> None:
    many = [_with(alarm_name=f"alarm-{i:04d}-" + "x" * 60) for i in range(60)]
    with pytest.raises(ConfigError, match=r"migrationPolicies: \d+ bytes"):
        StackConfig.from_mapping({"migrationPolicies": many})


def test_alarm_names_must_cover_every_policy() -> None:
    with pytest.raises(ConfigError, match="migrationAlarmNames"):
        StackConfig.from_mapping(
            {"migrationPolicies": [POLICY], "migrationAlarmNames": ["another-alarm"]}
        )
    config = StackConfig.from_mapping(
        {"migrationPolicies": [POLICY], "migrationAlarmNames": "mgmt-a-unhealthy,spare"}
    )
    assert config.migration_alarm_names == ("mgmt-a-unhealthy", "spare")
    assert StackConfig.from_mapping(
        {"migrationAlarmNames": '["a, with comma", "b"]'}
    ).migration_alarm_names == ("a, with comma", "b")


def test_one_restore_url_signer_at_a_time() -> None:
    with pytest.raises(ConfigError, match="restoreUrlSigner=false"):
        StackConfig.from_mapping({"restoreUrlSignerSecret": "hcp-dr/signer"})
    config = StackConfig.from_mapping(
        {"restoreUrlSigner": "false", "restoreUrlSignerSecret": "hcp-dr/signer"}
    )
    assert (config.restore_url_signer, config.restore_url_signer_secret) == (
        False, "hcp-dr/signer"
    )


def test_the_lock_outlives_the_longest_backup_on_both_sides_of_the_deployment() -> None:
    """The stack and the functions refuse the same minimum, and it exceeds the Backup
    machine's TimeoutSeconds: a backup never renews its lock."""
    from hcp_dr.settings import MIN_BACKUP_LOCK_TTL_SECONDS as FUNCTIONS_MINIMUM
    from stacks.config import MIN_BACKUP_LOCK_TTL_SECONDS, REPO_ROOT

    backup = json.loads((REPO_ROOT / "statemachines" / "backup.asl.json").read_text())
    assert MIN_BACKUP_LOCK_TTL_SECONDS == FUNCTIONS_MINIMUM > backup["TimeoutSeconds"]
    assert StackConfig.from_mapping({}).lock_ttl_seconds >= MIN_BACKUP_LOCK_TTL_SECONDS


def test_the_schedule_input_check_matches_what_the_fleet_listing_accepts() -> None:
    """The synth refuses what ListHostedClusters would refuse at every tick, and no more."""
    from hcp_dr.domain.backup_fleet import FleetSelection
    from hcp_dr.models.cluster import HostedClusterRef
    from stacks.config import CONSISTENCIES, FLEET_SELECTION_KEYS, HOSTED_CLUSTER_KEYS

    assert set(FleetSelection.model_fields) == FLEET_SELECTION_KEYS
    assert set(HostedClusterRef.model_fields) == HOSTED_CLUSTER_KEYS
    assert set(FleetSelection.model_fields["consistency"].annotation.__args__) == set(
        CONSISTENCIES)
    selection = {"management_clusters": ["mc-a"], "consistency": "quiesced", "hosted_clusters": [
        {"management_cluster": "mc-a", "namespace": "clusters", "name": "cesar"}]}
    FleetSelection.model_validate(
        StackConfig.from_mapping({"backupScheduleInput": selection}).backup_schedule_input)
