"""The stack's settings, parsed once from CDK context into a typed, validated object.

Context comes from `cdk.json`, from `-c key=value` on the command line (always a string) or
from a test's `App(context=...)`; every value is parsed here and nowhere else. The defaults
below are the single source: `cdk.json` repeats them for visibility and a test keeps the two
equal.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs import Node

REPO_ROOT = Path(__file__).resolve().parent.parent

# Key layout shared with the functions: every backup object lives under this prefix, which the
# lifecycle backstop and the S3 object grants are scoped to.
BACKUP_KEY_PREFIX = "backups/"
# Migration records (stored source Routes, DNS targets, reports) live under this prefix.
MIGRATION_KEY_PREFIX = "migrations/"
# Powertools: every function logs as this service and emits metrics to this namespace.
SERVICE_NAME = "hcp-dr"
METRICS_NAMESPACE = "HcpDr"

DEFAULTS: dict[str, Any] = {
    "bundle": True,
    "kubeconfigSecretPrefix": "hcp-dr/management-clusters/",
    "backupSchedule": "rate(1 hour)",
    "scheduleEnabled": True,
    # Input of every scheduled execution, read by ListHostedClusters as its FleetSelection
    # ({} = every hosted cluster of every registered management cluster, online snapshots).
    "backupScheduleInput": {},
    "monitoredClusters": [],
    "objectLockDays": 0,
    "noncurrentVersionExpirationDays": 30,
    "backupMaxAgeDays": 180,
    "accessLogRetentionDays": 365,
    "logRetentionDays": 90,
    "stateMachineLogLevel": "ALL",
    "retentionKeepAllHours": 24,
    "retentionDailyDays": 7,
    "retentionWeeklyWeeks": 4,
    "uploadUrlTtlSeconds": 900,
    "lockTtlSeconds": 21600,
    "stateMachinesDir": "statemachines",
    "migrationPoliciesParameter": "/hcp-dr/migration-policies",
    "restoreUrlSignerSecret": "",
}

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class ConfigError(ValueError):
    """A context value the stack cannot be built with; the message names the key."""


@dataclass(frozen=True)
class StackConfig:
    """Every knob of the stack, typed."""

    bundle: bool
    kubeconfig_secret_prefix: str
    backup_schedule: str
    backup_interval_seconds: int
    schedule_enabled: bool
    backup_schedule_input: dict[str, Any]
    monitored_clusters: tuple[str, ...]  # `<hc-namespace>/<hc-name>`, as the metrics carry
    object_lock_days: int  # 0 = Object Lock off
    noncurrent_version_expiration_days: int
    backup_max_age_days: int
    access_log_retention_days: int
    log_retention_days: int
    state_machine_log_level: str
    retention_keep_all_hours: int
    retention_daily_days: int
    retention_weekly_weeks: int
    upload_url_ttl_seconds: int
    lock_ttl_seconds: int
    state_machines_dir: Path
    migration_policies_parameter: str  # SSM parameter name, created by the operator
    restore_url_signer_secret: str  # Secrets Manager name or ARN; "" = none configured

    @classmethod
    def from_node(cls, node: Node) -> StackConfig:
        """Read every key of DEFAULTS from the construct tree's context."""
        return cls.from_mapping({key: node.try_get_context(key) for key in DEFAULTS})

    @classmethod
    def from_mapping(cls, raw: dict[str, Any]) -> StackConfig:
        """Parse raw context values (None = default) and check they fit together."""
        value = {key: DEFAULTS[key] if raw.get(key) is None else raw[key] for key in DEFAULTS}
        schedule = str(value["backupSchedule"]).strip()
        state_machines_dir = Path(str(value["stateMachinesDir"]))
        config = cls(
            bundle=_bool("bundle", value["bundle"]),
            kubeconfig_secret_prefix=_secret_prefix(value["kubeconfigSecretPrefix"]),
            backup_schedule=schedule,
            backup_interval_seconds=schedule_interval_seconds(schedule),
            schedule_enabled=_bool("scheduleEnabled", value["scheduleEnabled"]),
            backup_schedule_input=_json_object("backupScheduleInput", value["backupScheduleInput"]),
            monitored_clusters=_names("monitoredClusters", value["monitoredClusters"]),
            object_lock_days=_int("objectLockDays", value["objectLockDays"], minimum=0),
            noncurrent_version_expiration_days=_int(
                "noncurrentVersionExpirationDays", value["noncurrentVersionExpirationDays"],
                minimum=1,
            ),
            backup_max_age_days=_int("backupMaxAgeDays", value["backupMaxAgeDays"], minimum=1),
            access_log_retention_days=_int(
                "accessLogRetentionDays", value["accessLogRetentionDays"], minimum=1
            ),
            # A period CloudWatch Logs accepts: checked by stacks.functions.log_retention.
            log_retention_days=_int("logRetentionDays", value["logRetentionDays"], minimum=1),
            state_machine_log_level=_choice(
                "stateMachineLogLevel", value["stateMachineLogLevel"], ("ALL", "ERROR")
            ),
            retention_keep_all_hours=_int(
                "retentionKeepAllHours", value["retentionKeepAllHours"], minimum=0
            ),
            retention_daily_days=_int("retentionDailyDays", value["retentionDailyDays"], minimum=0),
            retention_weekly_weeks=_int(
                "retentionWeeklyWeeks", value["retentionWeeklyWeeks"], minimum=0
            ),
            upload_url_ttl_seconds=_int(
                "uploadUrlTtlSeconds", value["uploadUrlTtlSeconds"], minimum=60, maximum=43200
            ),
            lock_ttl_seconds=_int("lockTtlSeconds", value["lockTtlSeconds"], minimum=60),
            state_machines_dir=(
                state_machines_dir
                if state_machines_dir.is_absolute()
                else REPO_ROOT / state_machines_dir
            ),
            migration_policies_parameter=_parameter_name(value["migrationPoliciesParameter"]),
            restore_url_signer_secret=str(value["restoreUrlSignerSecret"] or "").strip(),
        )
        config._check_backstop()
        return config

    @property
    def gfs_horizon_days(self) -> int:
        """How far back the grandfather-father-son policy keeps backups, in whole days."""
        return max(
            -(-self.retention_keep_all_hours // 24),
            self.retention_daily_days,
            self.retention_weekly_weeks * 7,
        )

    def _check_backstop(self) -> None:
        # The lifecycle expiry is a backstop for a pruner that stopped working, never the
        # policy itself: it must not delete what the GFS policy still keeps.
        if self.backup_max_age_days < 2 * self.gfs_horizon_days:
            raise ConfigError(
                f"backupMaxAgeDays={self.backup_max_age_days} must be at least twice the "
                f"retention horizon ({self.gfs_horizon_days} days) so the lifecycle backstop "
                "never removes a backup the GFS policy keeps"
            )
        if self.object_lock_days and self.object_lock_days >= self.backup_max_age_days:
            raise ConfigError(
                f"objectLockDays={self.object_lock_days} must be below "
                f"backupMaxAgeDays={self.backup_max_age_days}"
            )


def schedule_interval_seconds(expression: str) -> int:
    """Seconds between two runs of an EventBridge Scheduler `rate(...)` expression."""
    match = _RATE.match(expression)
    if not match:
        raise ConfigError(
            f"backupSchedule={expression!r}: only rate(N minutes|hours|days) is supported, "
            "because the freshness alarms derive their threshold from the interval"
        )
    count, unit = int(match.group(1)), match.group(2).rstrip("s")
    if count < 1:
        raise ConfigError(f"backupSchedule={expression!r}: the rate must be at least 1")
    if (count == 1) != (not match.group(2).endswith("s")):
        raise ConfigError(
            f"backupSchedule={expression!r}: write 'rate(1 {unit})' or 'rate(N {unit}s)'"
        )
    return count * _UNIT_SECONDS[unit]


def _bool(key: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"true", "1", "yes", "on"}:
        return True
    if text in {"false", "0", "no", "off"}:
        return False
    raise ConfigError(f"{key}={raw!r} is not a boolean")


def _int(key: str, raw: Any, *, minimum: int, maximum: int | None = None) -> int:
    try:
        number = int(str(raw).strip()) if not isinstance(raw, int) else raw
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not an integer") from None
    if isinstance(raw, bool) or number < minimum or (maximum is not None and number > maximum):
        bound = f">= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
        raise ConfigError(f"{key}={raw!r} must be an integer {bound}")
    return number


def _choice(key: str, raw: Any, allowed: tuple[str, ...]) -> str:
    text = str(raw).strip().upper()
    if text not in allowed:
        raise ConfigError(f"{key}={raw!r} must be one of {', '.join(allowed)}")
    return text


def _json_object(key: str, raw: Any) -> dict[str, Any]:
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as error:
        raise ConfigError(f"{key}={raw!r} is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{key}={raw!r} must be a JSON object")
    return value


def _parameter_name(raw: Any) -> str:
    name = str(raw).strip()
    if not name.startswith("/") or "*" in name:
        raise ConfigError(f"migrationPoliciesParameter={raw!r} must be an absolute SSM name")
    return name


def _secret_prefix(raw: Any) -> str:
    prefix = str(raw).strip()
    if not prefix or "*" in prefix or "?" in prefix:
        raise ConfigError(f"kubeconfigSecretPrefix={raw!r} must be a non-empty literal prefix")
    return prefix


# The HostedCluster dimension RecordBackupOutcome publishes: `<hc-namespace>/<hc-name>`.
_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
_CLUSTER_KEY = re.compile(rf"^{_LABEL}/{_LABEL}$")


def _names(key: str, raw: Any) -> tuple[str, ...]:
    """A list from cdk.json, or from the command line as JSON or comma-separated text."""
    items: Any = raw
    if isinstance(raw, str):
        text = raw.strip()
        items = json.loads(text) if text.startswith("[") else [p for p in text.split(",") if p]
    if not isinstance(items, list | tuple):
        raise ConfigError(f"{key}={raw!r} must be a list of '<hc-namespace>/<hc-name>'")
    names = tuple(str(item).strip() for item in items)
    for name in names:
        if not _CLUSTER_KEY.match(name):
            raise ConfigError(
                f"{key}: {name!r} is not '<hc-namespace>/<hc-name>' (the HostedCluster "
                "dimension of the backup metrics)"
            )
    if len(set(names)) != len(names):
        raise ConfigError(f"{key}={raw!r} lists a cluster twice")
    return names
