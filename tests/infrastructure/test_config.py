"""Parsing and validation of the stack's context (no synth)."""

from __future__ import annotations

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


def test_command_line_strings_are_parsed() -> None:
    """`cdk synth -c key=value` passes every value as a string."""
    config = StackConfig.from_mapping({
        "bundle": "false", "objectLockDays": "14", "monitoredClusters": "clusters/a,clusters/b",
        "scheduleEnabled": "0", "backupScheduleInput": '{"consistency": "offline"}',
    })
    assert config.bundle is False
    assert config.object_lock_days == 14
    assert config.monitored_clusters == ("clusters/a", "clusters/b")
    assert config.schedule_enabled is False
    assert config.backup_schedule_input == {"consistency": "offline"}
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
    ("migrationPoliciesParameter", "hcp-dr/relative"),
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
