"""What the CDK stack deploys and the sandbox emulates: one table, read by both.

Kept free of `aws_cdk` imports so the sandbox can read it cheaply. A Lambda function named
`X` here is deployed by the stack and substituted into the ASL files as `${XFunctionArn}`;
the sandbox routes invokes of a function named `X` to the same `handler`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What Powertools reports as the service and the CloudWatch metrics namespace (POWERTOOLS_*).
SERVICE_NAME = "hcp-dr"
METRICS_NAMESPACE = "HcpDr"


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
BUCKET_READ = "backup-bucket:read"
BUCKET_WRITE = "backup-bucket:write"
BUCKET_DELETE = "backup-bucket:delete"
LOCK_TABLE = "lock-table:read-write"
KMS_USE = "backup-key:encrypt-decrypt"
STATES_TASK = "states:send-task-result"
TOPIC_PUBLISH = "failure-topic:publish"

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
        grants=frozenset({LOCK_TABLE}),
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
        uses_kubernetes=True, grants=_KUBE,
    ),
    LambdaFunctionSpec(
        "ResumeWriters", "hcp_dr.handlers.resume_writers.handler",
        "Scale the etcd writers back to their recorded counts and unpause reconciliation",
        uses_kubernetes=True, grants=_KUBE,
    ),
    LambdaFunctionSpec(
        "SnapshotEtcd", "hcp_dr.handlers.snapshot_etcd.handler",
        "Take an etcd snapshot inside one healthy etcd pod and record its checksum and status",
        uses_kubernetes=True, timeout_seconds=300, grants=_KUBE,
    ),
    LambdaFunctionSpec(
        "UploadSnapshot", "hcp_dr.handlers.upload_snapshot.handler",
        "Upload the snapshot from the pod to S3 through a checksum-enforcing presigned PUT",
        uses_kubernetes=True, timeout_seconds=900, grants=_KUBE | {BUCKET_WRITE, KMS_USE},
    ),
    LambdaFunctionSpec(
        "VerifySnapshot", "hcp_dr.handlers.verify_snapshot.handler",
        "Stream the uploaded snapshot and check its SHA-256 and etcd's own trailer checksum",
        timeout_seconds=900, memory_mb=512, grants=frozenset({BUCKET_READ, KMS_USE}),
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
        grants=frozenset({BUCKET_READ, BUCKET_WRITE, KMS_USE}),
    ),
    LambdaFunctionSpec(
        "PruneBackups", "hcp_dr.handlers.prune_backups.handler",
        "Apply the grandfather-father-son retention policy to a hosted cluster's backups",
        grants=frozenset({BUCKET_READ, BUCKET_DELETE, KMS_USE}),
    ),
    LambdaFunctionSpec(
        "ListHostedClusters", "hcp_dr.handlers.list_hosted_clusters.handler",
        "List the hosted clusters to back up on every registered management cluster",
        uses_kubernetes=True, grants=_KUBE,
    ),
    LambdaFunctionSpec(
        "SummarizeBackupFanout", "hcp_dr.handlers.summarize_backup_fanout.handler",
        "Summarize a scheduled backup run per hosted cluster",
    ),
    LambdaFunctionSpec(
        "RecordBackupOutcome", "hcp_dr.handlers.record_backup_outcome.handler",
        "Publish backup metrics (success, failure, duration, size, newest backup age)",
        grants=frozenset({BUCKET_READ}),
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
