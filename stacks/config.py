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

# Functions refuse a lock TTL below this (hcp_dr.settings.MIN_BACKUP_LOCK_TTL_SECONDS): the
# Backup machine's TimeoutSeconds plus a margin; refused here first, at synth.
MIN_BACKUP_LOCK_TTL_SECONDS = 7200 + 600

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
    # The SSM parameter the stack creates with the value of migrationPolicies (a JSON list in
    # the format of docs/migration-design.md, "Triggers"), read by StartMigrationFromAlarm.
    "migrationPoliciesParameter": "/hcp-dr/migration-policies",
    "migrationPolicies": [],
    # Alarm names the alarm rule listens to; [] = every alarm of the account entering ALARM.
    "migrationAlarmNames": [],
    # How often WatchDnsCleanup checks pending DNS waits when no Route 53 event arrives.
    "dnsFallbackPollRate": "rate(1 minute)",
    # Private management-cluster API servers: {"subnetIds": [...], "vpcId": "vpc-...",
    # "securityGroupIds": [...]} puts the functions that talk to clusters in those subnets
    # (stacks/cluster_network.py). {} = public API endpoints, functions outside any VPC.
    "managementClusterNetwork": {},
    # Concurrent executions reserved for WatchDnsCleanup (one watcher at a time keeps its
    # Route 53 reads from crowding ExternalDNS out of the shared 5 requests/s). 0: none, for
    # accounts whose Lambda concurrency quota is 100 or less (Lambda keeps 100 unreserved).
    "dnsWatcherReservedConcurrency": 1,
    # When the stack is bound to a commercial region other than us-east-1: a second stack in
    # us-east-1 forwards Route 53's CloudTrail events to this region (stacks/route53_forwarding).
    "route53EventForwarder": True,
    # A dedicated IAM user whose long-term key signs restoreSnapshotURLs (stacks/signer.py);
    # raise the serial and redeploy to rotate its access key.
    "restoreUrlSigner": True,
    "restoreUrlSignerKeySerial": 1,
    # Instead of restoreUrlSigner: the name or ARN of a signer secret managed outside the stack.
    "restoreUrlSignerSecret": "",
}

MAX_ALARM_WINDOW_SECONDS = 7 * 86400  # CloudWatch: Period x EvaluationPeriods
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class ConfigError(ValueError):
    """A context value the stack cannot be built with; the message names the key."""


@dataclass(frozen=True)
class ClusterNetwork:
    """Where the functions that reach management clusters run: subnets of the VPC that routes
    to private API servers, with our own security group (in `vpc_id`) or the given ones."""

    subnet_ids: tuple[str, ...]
    vpc_id: str | None
    security_group_ids: tuple[str, ...]


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
    migration_policies_parameter: str  # SSM parameter name, created by the stack
    migration_policies: tuple[dict[str, Any], ...]  # its value, validated
    migration_alarm_names: tuple[str, ...]  # () = every alarm
    dns_fallback_poll_rate: str
    route53_event_forwarder: bool
    dns_watcher_reserved_concurrency: int  # 0: no reservation
    management_cluster_network: ClusterNetwork | None  # None: public API endpoints
    restore_url_signer: bool  # the stack creates the signer user, key and secret
    restore_url_signer_key_serial: int
    restore_url_signer_secret: str  # external Secrets Manager name or ARN; "" = none

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
            backup_schedule_input=_fleet_selection(value["backupScheduleInput"]),
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
            lock_ttl_seconds=_int("lockTtlSeconds", value["lockTtlSeconds"],
                                  minimum=MIN_BACKUP_LOCK_TTL_SECONDS),
            state_machines_dir=(
                state_machines_dir
                if state_machines_dir.is_absolute()
                else REPO_ROOT / state_machines_dir
            ),
            migration_policies_parameter=_parameter_name(value["migrationPoliciesParameter"]),
            migration_policies=parse_migration_policies(value["migrationPolicies"]),
            migration_alarm_names=_alarm_names(value["migrationAlarmNames"]),
            dns_fallback_poll_rate=_rate("dnsFallbackPollRate", value["dnsFallbackPollRate"]),
            route53_event_forwarder=_bool("route53EventForwarder", value["route53EventForwarder"]),
            dns_watcher_reserved_concurrency=_int(
                "dnsWatcherReservedConcurrency", value["dnsWatcherReservedConcurrency"],
                minimum=0, maximum=10,
            ),
            management_cluster_network=_cluster_network(value["managementClusterNetwork"]),
            restore_url_signer=_bool("restoreUrlSigner", value["restoreUrlSigner"]),
            restore_url_signer_key_serial=_int(
                "restoreUrlSignerKeySerial", value["restoreUrlSignerKeySerial"], minimum=1
            ),
            restore_url_signer_secret=str(value["restoreUrlSignerSecret"] or "").strip(),
        )
        config._check_backstop()
        config._check_migration_triggers()
        config._check_alarm_window()
        return config

    def _check_alarm_window(self) -> None:
        """The staleness alarms watch twice the interval, and CloudWatch evaluates an alarm
        over at most 7 days: a longer interval could only be deployed without them."""
        if 2 * self.backup_interval_seconds > MAX_ALARM_WINDOW_SECONDS:
            raise ConfigError(
                f"backupSchedule={self.backup_schedule!r}: at most "
                f"{MAX_ALARM_WINDOW_SECONDS // 2 // 3600} hours between backups, because the "
                "alarms on missing backups watch twice the interval and CloudWatch evaluates "
                "an alarm over at most 7 days"
            )

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


    def _check_migration_triggers(self) -> None:
        if self.restore_url_signer and self.restore_url_signer_secret:
            raise ConfigError(
                f"restoreUrlSignerSecret={self.restore_url_signer_secret!r} names a signer "
                "managed outside the stack: set restoreUrlSigner=false to use it, or clear it "
                "to let the stack create the signer"
            )
        if self.migration_alarm_names:
            unheard = sorted(
                {p["alarm_name"] for p in self.migration_policies}
                - set(self.migration_alarm_names)
            )
            if unheard:
                raise ConfigError(
                    f"migrationPolicies name alarms {unheard} that migrationAlarmNames leaves "
                    "out of the alarm rule: their policies could never start a migration"
                )

    @property
    def migration_policies_json(self) -> str:
        """The value of the migration-policies parameter."""
        return json.dumps(list(self.migration_policies))


def schedule_interval_seconds(expression: str, key: str = "backupSchedule") -> int:
    """Seconds between two runs of an EventBridge `rate(...)` expression (context `key`)."""
    match = _RATE.match(expression)
    if not match:
        raise ConfigError(
            f"{key}={expression!r}: only rate(N minutes|hours|days) is supported"
            + (", because the freshness alarms derive their threshold from the interval"
               if key == "backupSchedule" else "")
        )
    count, unit = int(match.group(1)), match.group(2).rstrip("s")
    if count < 1:
        raise ConfigError(f"{key}={expression!r}: the rate must be at least 1")
    if (count == 1) != (not match.group(2).endswith("s")):
        raise ConfigError(f"{key}={expression!r}: write 'rate(1 {unit})' or 'rate(N {unit}s)'")
    return count * _UNIT_SECONDS[unit]


def _rate(key: str, raw: Any) -> str:
    expression = str(raw).strip()
    schedule_interval_seconds(expression, key)
    return expression


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


# What ListHostedClusters accepts (hcp_dr.domain.backup_fleet.FleetSelection, which refuses
# anything else: a misspelt key would fail every scheduled tick). Kept equal by a test.
FLEET_SELECTION_KEYS = frozenset({"management_clusters", "hosted_clusters", "consistency"})
HOSTED_CLUSTER_KEYS = frozenset({"management_cluster", "namespace", "name"})
CONSISTENCIES = ("online", "quiesced")


def _fleet_selection(raw: Any) -> dict[str, Any]:
    key = "backupScheduleInput"
    value = _json_object(key, raw)
    unknown = sorted(set(value) - FLEET_SELECTION_KEYS)
    if unknown:
        raise ConfigError(f"{key}: unknown field(s) {unknown}; allowed: "
                          f"{sorted(FLEET_SELECTION_KEYS)}")
    if value.get("consistency", "online") not in CONSISTENCIES:
        raise ConfigError(f"{key}: consistency must be one of {', '.join(CONSISTENCIES)}")
    clusters = value.get("management_clusters")
    if clusters is not None and not (isinstance(clusters, list) and all(
            isinstance(c, str) and c for c in clusters)):
        raise ConfigError(f"{key}: management_clusters must be a list of cluster ids")
    hosted = value.get("hosted_clusters")
    if hosted is not None and not (isinstance(hosted, list) and all(
            isinstance(h, dict) and set(h) == HOSTED_CLUSTER_KEYS
            and all(isinstance(v, str) and v for v in h.values()) for h in hosted)):
        raise ConfigError(f"{key}: hosted_clusters must be a list of "
                          f'{{"management_cluster", "namespace", "name"}} objects')
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


# --- migration policies (docs/migration-design.md, "Triggers") -------------------------------
# The same rules as the product's MigrationPolicy / MigrationRequest models (a test keeps the
# two in step), checked here so that a bad policy fails the synth, not the first alarm.
_MANAGEMENT_CLUSTER_ID = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_POLICY_KINDS = ("auto", "approval-required")
_POLICY_REQUIRED = ("alarm_name", "hosted_cluster", "source", "destination", "policy")
# Optional per-policy overrides of the migration input, with the input's bounds.
_POLICY_OPTIONAL = {
    "dns_timeout_seconds": (30, 24 * 3600),
    "restore_url_ttl_seconds": (900, 7 * 24 * 3600),
}
# SSM String parameters hold 4 KB (standard tier) or 8 KB (advanced tier).
MAX_POLICIES_BYTES = 8192
_KEY = "migrationPolicies"


def parse_migration_policies(raw: Any) -> tuple[dict[str, Any], ...]:
    """Parse and check the migrationPolicies context value (a list, or JSON text of one)."""
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as error:
        raise ConfigError(f"{_KEY}={raw!r} is not JSON: {error}") from None
    if not isinstance(items, list | tuple):
        raise ConfigError(f"{_KEY}={raw!r} must be a JSON list of policies")
    policies = tuple(_policy(index, item) for index, item in enumerate(items))
    alarms = [policy["alarm_name"] for policy in policies]
    repeated = sorted({name for name in alarms if alarms.count(name) > 1})
    if repeated:
        raise ConfigError(
            f"{_KEY}: alarm {repeated[0]!r} has more than one policy (only the first would run)"
        )
    size = len(json.dumps(list(policies)).encode())
    if size > MAX_POLICIES_BYTES:
        raise ConfigError(
            f"{_KEY}: {size} bytes of JSON exceed the {MAX_POLICIES_BYTES} an SSM parameter holds"
        )
    return policies


def _policy(index: int, item: Any) -> dict[str, Any]:
    where = f"{_KEY}[{index}]"
    if not isinstance(item, dict):
        raise ConfigError(f"{where} must be an object")
    missing = [key for key in _POLICY_REQUIRED if key not in item]
    unknown = sorted(item.keys() - set(_POLICY_REQUIRED) - _POLICY_OPTIONAL.keys())
    if missing or unknown:
        raise ConfigError(f"{where}: missing {missing}, unknown {unknown}")
    alarm = item["alarm_name"]
    if not isinstance(alarm, str) or not alarm:
        raise ConfigError(f"{where}.alarm_name must be a non-empty string")
    cluster = item["hosted_cluster"]
    if not isinstance(cluster, dict) or set(cluster) != {"namespace", "name"}:
        raise ConfigError(f"{where}.hosted_cluster must be exactly {{\"namespace\", \"name\"}}")
    for field in ("namespace", "name"):
        value = cluster[field]
        if not isinstance(value, str) or len(value) > 63 or not re.match(rf"^{_LABEL}$", value):
            raise ConfigError(f"{where}.hosted_cluster.{field}={value!r} is not a DNS label")
    for field in ("source", "destination"):
        value = item[field]
        if (not isinstance(value, str) or len(value) > 128
                or not _MANAGEMENT_CLUSTER_ID.match(value)):
            raise ConfigError(f"{where}.{field}={value!r} is not a management cluster id")
    if item["source"] == item["destination"]:
        raise ConfigError(f"{where}: source and destination are the same management cluster")
    if item["policy"] not in _POLICY_KINDS:
        raise ConfigError(f"{where}.policy={item['policy']!r} must be one of {_POLICY_KINDS}")
    for field, (low, high) in _POLICY_OPTIONAL.items():
        value = item.get(field)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
        ):
            raise ConfigError(f"{where}.{field}={value!r} must be an integer in [{low}, {high}]")
    return {
        "alarm_name": alarm,
        "hosted_cluster": {"namespace": cluster["namespace"], "name": cluster["name"]},
        **{key: item[key] for key in ("source", "destination", "policy")},
        **{key: item[key] for key in _POLICY_OPTIONAL if item.get(key) is not None},
    }


def _alarm_names(raw: Any) -> tuple[str, ...]:
    """CloudWatch alarm names: a list, JSON text of one, or comma-separated text."""
    items: Any = raw
    if isinstance(raw, str):
        text = raw.strip()
        try:
            items = json.loads(text) if text.startswith("[") else [
                part.strip() for part in text.split(",") if part.strip()
            ]
        except json.JSONDecodeError as error:
            raise ConfigError(f"migrationAlarmNames={raw!r} is not JSON: {error}") from None
    if not isinstance(items, list | tuple):
        raise ConfigError(f"migrationAlarmNames={raw!r} must be a list of alarm names")
    for name in items:
        if (not isinstance(name, str) or not 1 <= len(name) <= 255
                or any(ord(char) < 32 for char in name)):
            raise ConfigError(f"migrationAlarmNames: {name!r} is not a CloudWatch alarm name")
    if len(set(items)) != len(items):
        raise ConfigError(f"migrationAlarmNames={raw!r} lists an alarm twice")
    return tuple(items)


# --- management-cluster network -------------------------------------------------------------
_NETWORK_KEY = "managementClusterNetwork"
_AWS_ID = {"subnetIds": re.compile(r"^subnet-[0-9a-f]{8,17}$"),
           "vpcId": re.compile(r"^vpc-[0-9a-f]{8,17}$"),
           "securityGroupIds": re.compile(r"^sg-[0-9a-f]{8,17}$")}


def _ids(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    items = raw.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ConfigError(f"{_NETWORK_KEY}.{key} must be a list of ids")
    bad = [i for i in items if not _AWS_ID[key].match(i)]
    if bad or len(set(items)) != len(items):
        raise ConfigError(f"{_NETWORK_KEY}.{key}: {bad or items} are not distinct "
                          f"{key[:-3]} ids")
    return tuple(items)


def _cluster_network(raw: Any) -> ClusterNetwork | None:
    """{} = none; else subnets, and either a VPC (the stack makes the security group) or the
    security groups to use."""
    value = _json_object(_NETWORK_KEY, raw)
    if not value:
        return None
    unknown = sorted(set(value) - set(_AWS_ID))
    if unknown:
        raise ConfigError(f"{_NETWORK_KEY}: unknown keys {unknown}; known: {sorted(_AWS_ID)}")
    subnets = _ids(value, "subnetIds")
    groups = _ids(value, "securityGroupIds")
    vpc = value.get("vpcId")
    if vpc is not None and (not isinstance(vpc, str) or not _AWS_ID["vpcId"].match(vpc)):
        raise ConfigError(f"{_NETWORK_KEY}.vpcId={vpc!r} is not a VPC id")
    if not subnets:
        raise ConfigError(f"{_NETWORK_KEY}.subnetIds: at least one subnet (two AZs or more "
                          "keep the functions up when one zone is down)")
    if (not groups) == (vpc is None):
        raise ConfigError(f"{_NETWORK_KEY}: give vpcId (the stack creates the security group) "
                          "or securityGroupIds (yours), one of the two")
    return ClusterNetwork(subnet_ids=subnets, vpc_id=vpc, security_group_ids=groups)
