"""What the CDK stack deploys and the sandbox emulates: one table, read by both.

Kept free of `aws_cdk` imports so the sandbox can read it cheaply. A Lambda function named
`X` here is deployed by the stack and substituted into the ASL files as `${XFunctionArn}`;
the sandbox routes invokes of a function named `X` to the same `handler`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

# What Powertools reports as the service and the CloudWatch metrics namespace (POWERTOOLS_*).
SERVICE_NAME = "hcp-dr"
METRICS_NAMESPACE = "HcpDr"
# Woken by every Route 53 change event of the account: the one function with reserved
# concurrency (context dnsWatcherReservedConcurrency).
DNS_WATCHER = "WatchDnsCleanup"
# The variables every function gets whatever the deployment; the stack adds those naming its
# resources (HCP_DR_*). The import-time benchmark runs the handlers with these too.
FUNCTION_ENVIRONMENT = MappingProxyType({
    "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
    "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
})


@dataclass(frozen=True)
class LambdaFunctionSpec:
    """One Lambda function: its handler entry point and what it needs at run time."""

    name: str
    handler: str  # "module.path.function" below functions/
    description: str
    uses_kubernetes: bool = False
    timeout_seconds: int = 60
    memory_mb: int = 256
    # Which stack resources the function may touch; the stack turns these into IAM grants.
    grants: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class StateMachineSpec:
    """One ASL file of statemachines/ and the substitutions its `${...}` placeholders take."""

    name: str
    asl_file: str
    functions: tuple[str, ...]  # names from LAMBDA_FUNCTIONS used as ${<name>FunctionArn}
    extra_substitutions: tuple[str, ...] = ()  # e.g. "BackupStateMachineArn", "FailureTopicArn"


# Grant vocabulary (resolved by stacks/): what each function reaches beyond CloudWatch Logs.
KUBECONFIG_READ = "kubeconfig-secrets:read"
KUBECONFIG_LIST = "kubeconfig-secrets:list"  # find the registered management clusters
BUCKET_READ = "backup-bucket:read"
BUCKET_WRITE = "backup-bucket:write"
BUCKET_DELETE = "backup-bucket:delete"
# s3:GetObject of the manifests only, with the listing: the catalog (retention, freshness)
# reads no object, stored key or secret of a backup set.
BACKUP_CATALOG_READ = "backup-catalog:read"
# s3:GetObject of the etcd snapshots only: verification streams the snapshot and nothing else.
SNAPSHOT_READ = "backup-snapshots:read"
# HEAD of the snapshot object only: the upload stage confirms what S3 stored (size and the
# SHA-256 it enforced) without any read of the backup set's other objects (keys, secrets).
SNAPSHOT_CONFIRM = "backup-snapshots:confirm"
LOCK_TABLE = "lock-table:read-write"
# Read who holds a lock: the stages that change a cluster check their execution still does.
LOCK_TABLE_READ = "lock-table:read"
KMS_USE = "backup-key:encrypt-decrypt"
STATES_TASK = "states:send-task-result"
TOPIC_PUBLISH = "failure-topic:publish"

# Migration (issue 4):
# route53:ListHostedZonesByName and route53:ListResourceRecordSets (read-only; ExternalDNS owns
# the records): find the zone of the HC's hostnames and see whether their records are gone.
DNS_READ = "route53:read"
# s3:GetObject / s3:PutObject under `migrations/*` of the backup bucket (stored source Routes,
# their DNS targets, the migration report); with KMS_USE, as the bucket is SSE-KMS.
MIGRATION_RECORDS_READ = "migration-records:read"
MIGRATION_RECORDS_WRITE = "migration-records:write"
# dynamodb:Scan on the lock table: WatchDnsCleanup finds the pending `dns-wait#` items, and
# ListHostedClusters the hosted clusters a migration holds (the table holds a few items per
# running execution; no index needed).
LOCK_TABLE_SCAN = "lock-table:scan"
# states:StartExecution and states:ListExecutions on the Migration state machine,
# states:DescribeExecution on its executions: the alarm trigger starts one migration per HC.
MIGRATION_START = "migration-machine:start"
# states:DescribeExecution on the Migration machine's executions: a scheduled tick skips the
# hosted clusters whose lock a migration that still runs holds.
MIGRATION_DESCRIBE = "migration-executions:describe"
# states:DescribeExecution on the Backup machine's executions: a migration waits for a backup
# that holds the hosted cluster's lock and still runs, and takes over the lock of one that ended.
BACKUP_DESCRIBE = "backup-executions:describe"
# states:GetExecutionHistory on the Migration machine's executions: the report's timeline.
MIGRATION_HISTORY = "migration-executions:read-history"
# ssm:GetParameter on the migration-policies parameter (HCP_DR_MIGRATION_POLICIES_PARAMETER).
POLICIES_READ = "migration-policies:read"
# secretsmanager:GetSecretValue on the restore-URL signer secret (HCP_DR_RESTORE_URL_SIGNER_SECRET;
# created by default, context `restoreUrlSigner`), with kms:Decrypt through Secrets Manager.
RESTORE_URL_SIGNER_READ = "restore-url-signer:read"

_KUBE = frozenset({KUBECONFIG_READ})

LAMBDA_FUNCTIONS: tuple[LambdaFunctionSpec, ...] = (
    LambdaFunctionSpec(
        "ValidateBackupRequest", "hcp_dr.handlers.validate_backup_request.handler",
        "Validate a backup request and resolve its management cluster",
        grants=frozenset({KUBECONFIG_READ}),
    ),
    LambdaFunctionSpec(
        "AcquireClusterLock", "hcp_dr.handlers.acquire_cluster_lock.handler",
        "Take the per-hosted-cluster DR lock (one backup or migration at a time)",
        grants=frozenset({LOCK_TABLE, BACKUP_DESCRIBE, MIGRATION_DESCRIBE}),
    ),
    LambdaFunctionSpec(
        "ReleaseClusterLock", "hcp_dr.handlers.release_cluster_lock.handler",
        "Release the per-hosted-cluster DR lock held by this execution",
        grants=frozenset({LOCK_TABLE}),
    ),
    LambdaFunctionSpec(
        "PreflightBackup", "hcp_dr.handlers.preflight_backup.handler",
        "Check the hosted cluster exists and every etcd member is Ready",
        uses_kubernetes=True, grants=_KUBE,
    ),
    LambdaFunctionSpec(
        "QuiesceWriters", "hcp_dr.handlers.quiesce_writers.handler",
        "Pause reconciliation and scale the etcd writers to zero, remembering replica counts",
        uses_kubernetes=True, grants=_KUBE | {LOCK_TABLE_READ},
    ),
    LambdaFunctionSpec(
        "ResumeWriters", "hcp_dr.handlers.resume_writers.handler",
        "Scale the etcd writers back to their recorded counts and unpause reconciliation",
        uses_kubernetes=True, grants=_KUBE | {LOCK_TABLE_READ},
    ),
    LambdaFunctionSpec(
        "SnapshotEtcd", "hcp_dr.handlers.snapshot_etcd.handler",
        "Take an etcd snapshot inside one healthy etcd pod and record its checksum and status",
        uses_kubernetes=True, timeout_seconds=300, grants=_KUBE | {LOCK_TABLE_READ},
    ),
    LambdaFunctionSpec(
        "UploadSnapshot", "hcp_dr.handlers.upload_snapshot.handler",
        "Upload the snapshot from the pod to S3 through a checksum-enforcing presigned PUT",
        uses_kubernetes=True, timeout_seconds=900,
        grants=_KUBE | {BUCKET_WRITE, SNAPSHOT_CONFIRM, KMS_USE},
    ),
    LambdaFunctionSpec(
        "VerifySnapshot", "hcp_dr.handlers.verify_snapshot.handler",
        "Stream the uploaded snapshot and check its SHA-256 and etcd's own trailer checksum",
        timeout_seconds=900, memory_mb=512, grants=frozenset({SNAPSHOT_READ, KMS_USE}),
    ),
    LambdaFunctionSpec(
        "RemoveSnapshotFile", "hcp_dr.handlers.remove_snapshot_file.handler",
        "Delete the snapshot file from the etcd pod's volume",
        uses_kubernetes=True, grants=_KUBE,
    ),
    LambdaFunctionSpec(
        "BackupClusterObjects", "hcp_dr.handlers.backup_cluster_objects.handler",
        "Store the encryption key material and the objects needed to rebuild the hosted cluster",
        uses_kubernetes=True, timeout_seconds=300, grants=_KUBE | {BUCKET_WRITE, KMS_USE},
    ),
    LambdaFunctionSpec(
        "WriteBackupManifest", "hcp_dr.handlers.write_backup_manifest.handler",
        "Write the manifest that marks a backup complete and restorable",
        grants=frozenset({BUCKET_READ, BUCKET_WRITE, KMS_USE, LOCK_TABLE_READ}),
    ),
    LambdaFunctionSpec(
        "PruneBackups", "hcp_dr.handlers.prune_backups.handler",
        "Apply the grandfather-father-son retention policy to a hosted cluster's backups",
        grants=frozenset({BACKUP_CATALOG_READ, BUCKET_DELETE, KMS_USE, LOCK_TABLE_READ}),
    ),
    LambdaFunctionSpec(
        "ListHostedClusters", "hcp_dr.handlers.list_hosted_clusters.handler",
        "List the hosted clusters to back up on every registered management cluster",
        uses_kubernetes=True, timeout_seconds=120,
        grants=_KUBE | {KUBECONFIG_LIST, LOCK_TABLE_SCAN, MIGRATION_DESCRIBE, BACKUP_DESCRIBE},
    ),
    LambdaFunctionSpec(
        "SummarizeBackupFanout", "hcp_dr.handlers.summarize_backup_fanout.handler",
        "Summarize a scheduled backup run per hosted cluster",
    ),
    LambdaFunctionSpec(
        "RecordBackupOutcome", "hcp_dr.handlers.record_backup_outcome.handler",
        "Publish backup metrics (success, failure, duration, size, newest backup age)",
        grants=frozenset({BACKUP_CATALOG_READ, KMS_USE}),
    ),
    # --- migration to another management cluster (statemachines/migration.asl.json) --------
    LambdaFunctionSpec(
        "ValidateMigrationRequest", "hcp_dr.handlers.validate_migration_request.handler",
        "Validate a migration request, resolve both management clusters and name the run",
        grants=frozenset({KUBECONFIG_READ}),
    ),
    LambdaFunctionSpec(
        "PreflightMigration", "hcp_dr.handlers.preflight_migration.handler",
        "Refuse a migration that cannot succeed (versions, external DNS, foreign objects)",
        uses_kubernetes=True, timeout_seconds=120, grants=_KUBE | {DNS_READ},
    ),
    LambdaFunctionSpec(
        "AcquireMigrationLocks", "hcp_dr.handlers.acquire_migration_locks.handler",
        "Take the hosted cluster's DR lock and the source operator's lock",
        grants=frozenset({LOCK_TABLE, BACKUP_DESCRIBE, MIGRATION_DESCRIBE}),
    ),
    LambdaFunctionSpec(
        "ReleaseMigrationLocks", "hcp_dr.handlers.release_migration_locks.handler",
        "Release the migration locks held by this execution",
        grants=frozenset({LOCK_TABLE}),
    ),
    LambdaFunctionSpec(
        "MarkSourceCluster", "hcp_dr.handlers.mark_source_cluster.handler",
        "Record the source management cluster in the hosted cluster (mgmt-parent-cluster)",
        uses_kubernetes=True, grants=_KUBE,
    ),
    LambdaFunctionSpec(
        "PauseHostedCluster", "hcp_dr.handlers.pause_hosted_cluster.handler",
        "Pause the HC and its NodePools; scale writers and the CPO to 0, recording counts",
        uses_kubernetes=True, grants=_KUBE | {LOCK_TABLE_READ},
    ),
    LambdaFunctionSpec(
        "ResumeSource", "hcp_dr.handlers.resume_source.handler",
        "Compensation: source writers and CPO back to their counts, HC and NodePools unpaused",
        uses_kubernetes=True, grants=_KUBE,
    ),
    LambdaFunctionSpec(
        "DeleteSourceRoutes", "hcp_dr.handlers.delete_source_routes.handler",
        "Store the source HCP namespace's Routes and DNS targets in S3, then delete the Routes",
        uses_kubernetes=True,
        grants=_KUBE | {DNS_READ, MIGRATION_RECORDS_READ, MIGRATION_RECORDS_WRITE, KMS_USE,
                        LOCK_TABLE_READ},
    ),
    LambdaFunctionSpec(
        "RecreateSourceRoutes", "hcp_dr.handlers.recreate_source_routes.handler",
        "Compensation: recreate the stored source Routes that are absent",
        uses_kubernetes=True, grants=_KUBE | {MIGRATION_RECORDS_READ, KMS_USE},
    ),
    LambdaFunctionSpec(
        "AwaitDnsCleanup", "hcp_dr.handlers.await_dns_cleanup.handler",
        "Register a DNS-cleanup wait (task token) and check the Route 53 zone once",
        grants=frozenset({LOCK_TABLE, DNS_READ, STATES_TASK}),
    ),
    LambdaFunctionSpec(
        DNS_WATCHER, "hcp_dr.handlers.watch_dns_cleanup.handler",
        "On Route 53 change events and a fallback schedule, complete DNS waits whose records "
        "are gone",
        # Every ChangeResourceRecordSets in the account wakes it, and each run lists zones:
        # one at a time (context dnsWatcherReservedConcurrency, stacks/functions.py), so it
        # never crowds ExternalDNS out of Route 53's shared 5 req/s (a throttled event waits
        # in Lambda's async queue; it only says "look again").
        grants=frozenset({LOCK_TABLE, LOCK_TABLE_SCAN, DNS_READ, STATES_TASK}),
    ),
    LambdaFunctionSpec(
        "RestoreOnDestination", "hcp_dr.handlers.restore_on_destination.handler",
        "Create the hosted cluster on the destination in the guide's order, etcd restored "
        "from a presigned snapshot URL",
        uses_kubernetes=True, timeout_seconds=300,
        grants=_KUBE | {BUCKET_READ, KMS_USE, RESTORE_URL_SIGNER_READ,
                        MIGRATION_RECORDS_WRITE, LOCK_TABLE_READ},
    ),
    LambdaFunctionSpec(
        "AwaitHostedClusterReady", "hcp_dr.handlers.await_hosted_cluster_ready.handler",
        "Wait until the destination HC is Available and its worker nodes are Ready",
        # A 45-s budget of looks, plus one last look of up to five requests that may each
        # run into the adapter's (5 s, 20 s) timeouts while the new control plane starts.
        uses_kubernetes=True, timeout_seconds=180, grants=_KUBE,
    ),
    LambdaFunctionSpec(
        "TeardownSource", "hcp_dr.handlers.teardown_source.handler",
        "Scale the source operator to 0 (count recorded) and tear the HC down on the source",
        uses_kubernetes=True, timeout_seconds=300, grants=_KUBE | {LOCK_TABLE_READ},
    ),
    LambdaFunctionSpec(
        "RestoreSourceOperator", "hcp_dr.handlers.restore_source_operator.handler",
        "Scale the source HyperShift operator back to its recorded replica count",
        uses_kubernetes=True, grants=_KUBE,
    ),
    LambdaFunctionSpec(
        "RestartOvn", "hcp_dr.handlers.restart_ovn.handler",
        "Delete the hosted cluster's OVN-Kubernetes pods so they reconnect",
        uses_kubernetes=True, grants=_KUBE,
    ),
    LambdaFunctionSpec(
        "CompensateDestination", "hcp_dr.handlers.compensate_destination.handler",
        "Compensation: stop, then delete, on the destination what this migration created "
        "(by label)",
        uses_kubernetes=True, timeout_seconds=300,
        grants=_KUBE | {MIGRATION_RECORDS_READ, KMS_USE},
    ),
    LambdaFunctionSpec(
        "WriteMigrationReport", "hcp_dr.handlers.write_migration_report.handler",
        "Post-checks and the migration report (timeline, RTO, data checks) to S3",
        uses_kubernetes=True, timeout_seconds=120,
        grants=_KUBE | {DNS_READ, MIGRATION_RECORDS_READ, MIGRATION_RECORDS_WRITE, KMS_USE,
                        MIGRATION_HISTORY},
    ),
    LambdaFunctionSpec(
        "RecordMigrationOutcome", "hcp_dr.handlers.record_migration_outcome.handler",
        "Publish migration metrics (MigrationSucceeded/Failed, MigrationRtoSeconds)",
    ),
    LambdaFunctionSpec(
        "RecoverEndedBackup", "hcp_dr.handlers.recover_ended_backup.handler",
        "A Backup execution stopped or timed out: bring back the writers it quiesced, "
        "release its lock",
        # A 75-s grace after the stop, then up to 12 minutes of retries in one invocation.
        uses_kubernetes=True, timeout_seconds=900, grants=_KUBE | {LOCK_TABLE},
    ),
    LambdaFunctionSpec(
        "RecoverStoppedMigration", "hcp_dr.handlers.recover_stopped_migration.handler",
        "A Migration execution stopped before its restore: recreate the source's Routes, "
        "resume it, release the locks",
        # A 75-s grace after the stop, then up to 12 minutes of retries in one invocation.
        uses_kubernetes=True, timeout_seconds=900,
        grants=_KUBE | {LOCK_TABLE, MIGRATION_RECORDS_READ, KMS_USE, MIGRATION_HISTORY,
                        MIGRATION_DESCRIBE},
    ),
    LambdaFunctionSpec(
        "StartMigrationFromAlarm", "hcp_dr.handlers.start_migration_from_alarm.handler",
        "Start the migration a CloudWatch alarm's policy names, at most one per hosted cluster",
        grants=frozenset({POLICIES_READ, LOCK_TABLE, MIGRATION_START}),
    ),
)

STATE_MACHINES: tuple[StateMachineSpec, ...] = (
    StateMachineSpec(
        "Backup", "backup.asl.json",
        functions=(
            "ValidateBackupRequest", "AcquireClusterLock", "ReleaseClusterLock", "PreflightBackup",
            "QuiesceWriters", "ResumeWriters", "SnapshotEtcd", "UploadSnapshot", "VerifySnapshot",
            "RemoveSnapshotFile", "BackupClusterObjects", "WriteBackupManifest", "PruneBackups",
            "RecordBackupOutcome",
        ),
        extra_substitutions=("FailureTopicArn",),
    ),
    StateMachineSpec(
        "ScheduledBackup", "scheduled_backup.asl.json",
        functions=("ListHostedClusters", "SummarizeBackupFanout"),
        extra_substitutions=("BackupStateMachineArn",),
    ),
    StateMachineSpec(
        "Migration", "migration.asl.json",
        functions=(
            "ValidateMigrationRequest", "PreflightMigration", "PreflightBackup",
            "AcquireMigrationLocks", "MarkSourceCluster", "PauseHostedCluster", "SnapshotEtcd",
            "UploadSnapshot", "VerifySnapshot", "RemoveSnapshotFile", "BackupClusterObjects",
            "WriteBackupManifest", "DeleteSourceRoutes", "AwaitDnsCleanup",
            "RestoreOnDestination", "AwaitHostedClusterReady", "TeardownSource",
            "RestoreSourceOperator", "RestartOvn", "WriteMigrationReport",
            "ReleaseMigrationLocks", "RecordMigrationOutcome", "CompensateDestination",
            "RecreateSourceRoutes", "ResumeSource",
        ),
        # Failure notifications and the approval request (sns:publish.waitForTaskToken).
        extra_substitutions=("FailureTopicArn",),
    ),
)


def function_spec(name: str) -> LambdaFunctionSpec:
    """Look a function up by name; a KeyError names the unknown function."""
    for spec in LAMBDA_FUNCTIONS:
        if spec.name == name:
            return spec
    raise KeyError(f"no Lambda function named {name!r} in stacks/catalog.py")


def function_arn_placeholder(name: str) -> str:
    """The ASL placeholder key for a function (without `${}`)."""
    return f"{name}FunctionArn"
