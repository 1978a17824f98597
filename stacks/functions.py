"""One Lambda function per entry of `stacks.catalog.LAMBDA_FUNCTIONS`, each with its own
least-privilege role built from the entry's `grants`, its own log group and the settings
every function parses (`functions/hcp_dr/settings.py`)."""

from __future__ import annotations

from collections.abc import Callable

from aws_cdk import ArnFormat, AssetHashType, BundlingOptions, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks import bundling, catalog
from stacks.cluster_network import ClusterNetworkAccess
from stacks.config import BACKUP_KEY_PREFIX, MIGRATION_KEY_PREFIX, ConfigError, StackConfig
from stacks.monitoring import FailureNotifications
from stacks.nag import acknowledge, acknowledge_wildcard_resource
from stacks.signer import RestoreUrlSigner, via_service
from stacks.storage import Storage

RUNTIME = lambda_.Runtime.PYTHON_3_12
# Proposed for stacks/catalog.py: discovering the registered management clusters lists the
# kubeconfig secrets (secretsmanager:ListSecrets), which KUBECONFIG_READ does not cover.
KUBECONFIG_LIST = catalog.KUBECONFIG_LIST
MIGRATION_MACHINE = "Migration"
BACKUP_MACHINE = "Backup"


def log_retention(days: int) -> logs.RetentionDays:
    """The RetentionDays member for a number of days (context logRetentionDays)."""
    if days not in _RETENTION_BY_DAYS:
        raise ConfigError(
            f"logRetentionDays={days} is not a CloudWatch Logs retention period "
            f"({', '.join(map(str, _RETENTION_BY_DAYS))})"
        )
    return _RETENTION_BY_DAYS[days]


_RETENTION_BY_DAYS = {
    1: logs.RetentionDays.ONE_DAY, 3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS, 7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS, 30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS, 90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS, 150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS, 365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS, 545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS, 1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS, 2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS, 2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS, 3653: logs.RetentionDays.TEN_YEARS,
}


class Functions(Construct):
    """The Lambda functions of the catalog, by catalog name (`self.by_name`)."""

    def __init__(
        self, scope: Construct, construct_id: str, *,
        config: StackConfig, storage: Storage, notifications: FailureNotifications,
        signer: RestoreUrlSigner | None = None,
        cluster_network: ClusterNetworkAccess | None = None,
    ) -> None:
        """`cluster_network`: where the functions that reach management clusters run (None:
        outside any VPC, for public API endpoints)."""
        super().__init__(scope, construct_id)
        self._config = config
        self._cluster_network = cluster_network
        self._storage = storage
        self._notifications = notifications
        self._signer = signer
        self._code_by_variant: dict[str, lambda_.Code] = {}
        # Grants on state machines, applied by connect_state_machines() once they exist.
        self._pending: list[tuple[catalog.LambdaFunctionSpec, Construct, iam.Role]] = []
        # Those grants' policies by function name, for whoever must wait for them.
        self.state_machine_access: dict[str, iam.Policy] = {}
        environment = self._environment()
        self.by_name: dict[str, lambda_.Function] = {}
        for spec in catalog.LAMBDA_FUNCTIONS:
            self.by_name[spec.name] = self._function(spec, environment)

    def _environment(self) -> dict[str, str]:
        """The variables of hcp_dr.settings.Settings plus `catalog.FUNCTION_ENVIRONMENT`, which
        every function gets (a test checks the names against the Settings model);
        _grant_environment adds those that only the holders of a grant need."""
        config, storage = self._config, self._storage
        return {
            "HCP_DR_BACKUP_BUCKET": storage.bucket.bucket_name,
            "HCP_DR_BACKUP_KMS_KEY_ID": storage.key.key_arn,
            "HCP_DR_LOCK_TABLE": storage.table.table_name,
            "HCP_DR_KUBECONFIG_SECRET_PREFIX": config.kubeconfig_secret_prefix,
            "HCP_DR_RETENTION_KEEP_ALL_HOURS": str(config.retention_keep_all_hours),
            "HCP_DR_RETENTION_DAILY_DAYS": str(config.retention_daily_days),
            "HCP_DR_RETENTION_WEEKLY_WEEKS": str(config.retention_weekly_weeks),
            "HCP_DR_UPLOAD_URL_TTL_SECONDS": str(config.upload_url_ttl_seconds),
            "HCP_DR_LOCK_TTL_SECONDS": str(config.lock_ttl_seconds),
            **catalog.FUNCTION_ENVIRONMENT,
        }

    def _code(self, spec: catalog.LambdaFunctionSpec) -> lambda_.Code:
        """One code asset per bundle variant, shared by the functions that use it (so each
        bundle is built once per synth)."""
        variant = bundling.KUBERNETES if spec.uses_kubernetes else bundling.LITE
        key = variant.name if self._config.bundle else "source-only"
        if key not in self._code_by_variant:
            self._code_by_variant[key] = (
                lambda_.Code.from_asset(
                    str(bundling.FUNCTIONS_DIR),
                    asset_hash_type=AssetHashType.CUSTOM,
                    asset_hash=bundling.asset_hash(variant),
                    bundling=BundlingOptions(
                        image=RUNTIME.bundling_image,  # never pulled: local bundling only
                        local=bundling.LocalPythonBundler(variant),
                    ),
                )
                if self._config.bundle
                # Escape hatch (context bundle=false) for template-only work: the package
                # alone, without its dependencies.
                else lambda_.Code.from_asset(
                    str(bundling.FUNCTIONS_DIR), exclude=["**/__pycache__", "**/*.pyc"]
                )
            )
        return self._code_by_variant[key]

    def _grant_environment(self, spec: catalog.LambdaFunctionSpec) -> dict[str, str]:
        """Where the resources of a function's grants are, for that function only."""
        variables = {}
        if catalog.POLICIES_READ in spec.grants:
            variables["HCP_DR_MIGRATION_POLICIES_PARAMETER"] = (
                self._config.migration_policies_parameter
            )
        if catalog.RESTORE_URL_SIGNER_READ in spec.grants:
            secret = self._restore_url_signer_secret_id()
            if secret:
                variables["HCP_DR_RESTORE_URL_SIGNER_SECRET"] = secret
        return variables

    def _reserved_concurrency(self, spec: catalog.LambdaFunctionSpec) -> int | None:
        """The DNS watcher's reservation (context `dnsWatcherReservedConcurrency`, 0: none);
        every other function draws on the account's pool."""
        if spec.name != catalog.DNS_WATCHER:
            return None
        return self._config.dns_watcher_reserved_concurrency or None

    def _restore_url_signer_secret_id(self) -> str:
        """The stack's signer secret (ARN), the external one from context, or ""."""
        if self._signer is not None:
            return self._signer.secret.secret_arn
        return self._config.restore_url_signer_secret

    def _function(
        self, spec: catalog.LambdaFunctionSpec, environment: dict[str, str]
    ) -> lambda_.Function:
        scope = Construct(self, spec.name)
        role = iam.Role(
            scope, "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"hcp-dr {spec.name}: {', '.join(sorted(spec.grants)) or 'logs only'}",
        )
        log_group = logs.LogGroup(
            scope, "Logs",
            retention=log_retention(self._config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        function = lambda_.Function(
            scope, "Function",
            description=spec.description,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.X86_64,
            handler=spec.handler,
            code=self._code(spec),
            role=role,
            timeout=Duration.seconds(spec.timeout_seconds),
            memory_size=spec.memory_mb,
            reserved_concurrent_executions=self._reserved_concurrency(spec),
            environment={**environment, **self._grant_environment(spec)},
            log_group=log_group,
        )
        log_group.grant_write(role)
        if spec.uses_kubernetes and self._cluster_network is not None:
            self._cluster_network.attach(function, role)
        for grant in sorted(spec.grants):
            if grant in _STATE_MACHINE_GRANTS:
                continue
            if grant not in _GRANTS:
                raise KeyError(
                    f"{spec.name}: grant {grant!r} has no IAM meaning in stacks/functions.py"
                )
            _GRANTS[grant](self, role)
        if spec.grants & _STATE_MACHINE_GRANTS.keys():
            self._pending.append((spec, scope, role))
        acknowledge(
            function, "AwsSolutions-L1",
            "Python 3.12 is pinned on purpose: the bundles are built from cp312 wheels and "
            "compiled with a 3.12 interpreter, and moving the runtime is a deliberate, tested "
            "change of stacks/bundling.py (LAMBDA_PYTHON) and this constant together.",
        )
        return function

    # --- grant vocabulary of stacks/catalog.py -> IAM statements ----------------------------

    def _kubeconfig_read(self, role: iam.Role) -> None:
        secrets = Stack.of(self).format_arn(
            service="secretsmanager", resource="secret",
            resource_name=f"{self._config.kubeconfig_secret_prefix}*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ReadKubeconfigSecrets",
            actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            resources=[secrets],
        ))
        acknowledge_wildcard_resource(
            role, secrets,
            "Kubeconfig secrets are registered per management cluster at run time under this "
            "prefix, and Secrets Manager appends a random suffix to every secret ARN, so no "
            "exact ARN is known at deploy time; read-only actions on that prefix only.",
        )

    def _kubeconfig_list(self, role: iam.Role) -> None:
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ListKubeconfigSecrets",
            actions=["secretsmanager:ListSecrets"],
            resources=["*"],
        ))
        acknowledge_wildcard_resource(
            role, "*",
            "secretsmanager:ListSecrets supports no resource-level permissions; it returns "
            "secret names and metadata only (the function filters on the kubeconfig prefix), "
            "while reading a value stays limited to the prefix grant.",
        )

    def connect_state_machines(self, machines: dict[str, sfn.StateMachine]) -> None:
        """Apply the grants that name a state machine. They go to a policy of their own,
        outside the role, because a machine that invokes the function must not be needed
        before the function can be created (the function depends on its role)."""
        for spec, scope, role in self._pending:
            policy = iam.Policy(scope, "StateMachineAccess", roles=[role])
            self.state_machine_access[spec.name] = policy
            for grant in sorted(spec.grants & _STATE_MACHINE_GRANTS.keys()):
                _STATE_MACHINE_GRANTS[grant](self, spec, policy, machines)
        self._pending.clear()

    def _machine(
        self, spec: catalog.LambdaFunctionSpec, machines: dict[str, sfn.StateMachine], name: str,
    ) -> tuple[sfn.StateMachine, str]:
        """The catalog's machine `name` and the ARN pattern of its executions."""
        if name not in machines:
            raise KeyError(f"{spec.name}: no '{name}' state machine in the catalog")
        machine = machines[name]
        executions = Stack.of(self).format_arn(
            service="states", resource="execution",
            resource_name=f"{machine.state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        return machine, executions

    def _migration_start(
        self, spec: catalog.LambdaFunctionSpec, policy: iam.Policy,
        machines: dict[str, sfn.StateMachine],
    ) -> None:
        machine, executions = self._machine(spec, machines, MIGRATION_MACHINE)
        policy.add_statements(
            iam.PolicyStatement(
                sid="StartMigrations",
                actions=["states:StartExecution", "states:ListExecutions"],
                resources=[machine.state_machine_arn],
            ),
            iam.PolicyStatement(
                sid="DescribeMigrations",
                actions=["states:DescribeExecution"],
                resources=[executions],
            ),
        )
        acknowledge_wildcard_resource(
            policy, executions,
            "Migration execution names are generated per run; describing them is limited to "
            "the executions of the one Migration state machine.",
        )
        self.by_name[spec.name].add_environment(
            "HCP_DR_MIGRATION_STATE_MACHINE_ARN", machine.state_machine_arn
        )

    def _on_executions(
        self, spec: catalog.LambdaFunctionSpec, policy: iam.Policy,
        machines: dict[str, sfn.StateMachine], machine: str, sid: str, action: str,
        reason: str,
    ) -> None:
        """One read-only action on the executions of one machine, whose names are generated
        per run (so a wildcard, acknowledged with `reason`)."""
        _machine, executions = self._machine(spec, machines, machine)
        policy.add_statements(iam.PolicyStatement(sid=sid, actions=[action],
                                                  resources=[executions]))
        acknowledge_wildcard_resource(policy, executions, reason)

    def _migration_describe(
        self, spec: catalog.LambdaFunctionSpec, policy: iam.Policy,
        machines: dict[str, sfn.StateMachine],
    ) -> None:
        self._on_executions(
            spec, policy, machines, MIGRATION_MACHINE, "DescribeMigrations",
            "states:DescribeExecution",
            "The lock's owner is a migration execution whose name is generated per run; "
            "describing it is limited to the executions of the one Migration state machine.")

    def _backup_describe(
        self, spec: catalog.LambdaFunctionSpec, policy: iam.Policy,
        machines: dict[str, sfn.StateMachine],
    ) -> None:
        self._on_executions(
            spec, policy, machines, BACKUP_MACHINE, "DescribeBackups", "states:DescribeExecution",
            "The lock's owner is a backup execution whose name is generated per run; "
            "describing it is limited to the executions of the one Backup state machine.")

    def _migration_history(
        self, spec: catalog.LambdaFunctionSpec, policy: iam.Policy,
        machines: dict[str, sfn.StateMachine],
    ) -> None:
        self._on_executions(
            spec, policy, machines, MIGRATION_MACHINE, "ReadMigrationHistory",
            "states:GetExecutionHistory",
            "The report reads the history of the migration run it belongs to, the recovery "
            "of a stopped run where that run was; execution names are generated per run, so "
            "limited to the executions of the one Migration state machine.")

    def _dns_read(self, role: iam.Role) -> None:
        zones = Stack.of(self).format_arn(
            service="route53", region="", account="", resource="hostedzone", resource_name="*",
        )
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="FindHostedZones",
            actions=["route53:ListHostedZonesByName"],
            resources=["*"],
        ))
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ReadRecordSets",
            actions=["route53:ListResourceRecordSets"],
            resources=[zones],
        ))
        acknowledge_wildcard_resource(
            role, "*",
            "route53:ListHostedZonesByName supports no resource-level permissions; it returns "
            "zone names and ids only (read-only, no record data).",
        )
        acknowledge_wildcard_resource(
            role, zones,
            "The zones are those ExternalDNS of the management clusters publishes into, found "
            "by name at run time; the grant is the read-only ListResourceRecordSets.",
        )

    def _migration_objects(self) -> str:
        return self._storage.bucket.arn_for_objects(f"{MIGRATION_KEY_PREFIX}*")

    def _acknowledge_migration_objects(self, role: iam.Role) -> None:
        acknowledge_wildcard_resource(
            role, self._migration_objects(),
            f"Migration records are written per run under '{MIGRATION_KEY_PREFIX}' of the "
            "backup bucket; the grant is limited to that prefix and to the catalog's actions.",
        )

    def _migration_records_read(self, role: iam.Role) -> None:
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ReadMigrationRecords",
            actions=["s3:GetObject"],
            resources=[self._migration_objects()],
        ))
        # Without ListBucket S3 answers a missing key with 403, not 404: "no Routes stored
        # yet" (the first DeleteSourceRoutes) would be an AccessDenied.
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ListMigrationRecords",
            actions=["s3:ListBucket"],
            resources=[self._storage.bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{MIGRATION_KEY_PREFIX}*"]}},
        ))
        self._acknowledge_migration_objects(role)

    def _snapshots(self) -> str:
        return self._storage.bucket.arn_for_objects(f"{BACKUP_KEY_PREFIX}*/etcd/snapshot.db")

    def _get_objects(self, role: iam.Role, sid: str, objects: str, reason: str) -> None:
        """s3:GetObject (HeadObject too) on one key pattern of the backup bucket."""
        role.add_to_principal_policy(iam.PolicyStatement(
            sid=sid, actions=["s3:GetObject"], resources=[objects]))
        acknowledge_wildcard_resource(role, objects, reason)

    def _snapshot_confirm(self, role: iam.Role) -> None:
        self._get_objects(
            role, "ConfirmSnapshotUpload", self._snapshots(),
            "The snapshot of each backup set lives at <cluster>/<backup-id>/etcd/snapshot.db; "
            "the upload stage reads its metadata (HEAD) to confirm the stored size and SHA-256.")

    def _snapshot_read(self, role: iam.Role) -> None:
        self._get_objects(
            role, "ReadEtcdSnapshots", self._snapshots(),
            "The snapshot of each backup set lives at <cluster>/<backup-id>/etcd/snapshot.db; "
            "verification streams it and reads no other object of the set.")

    def _catalog_read(self, role: iam.Role) -> None:
        self._get_objects(
            role, "ReadBackupManifests",
            self._storage.bucket.arn_for_objects(f"{BACKUP_KEY_PREFIX}*/manifest.json"),
            "Each backup set's manifest lives at <cluster>/<backup-id>/manifest.json; the "
            "catalog (retention, freshness) reads manifests and no key or secret of a set.")
        self._list_backup_objects(role)

    def _migration_records_write(self, role: iam.Role) -> None:
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="WriteMigrationRecords",
            actions=["s3:PutObject"],
            resources=[self._migration_objects()],
        ))
        self._acknowledge_migration_objects(role)

    def _lock_table_scan(self, role: iam.Role) -> None:
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ScanLockTable",
            actions=["dynamodb:Scan"],
            resources=[self._storage.table.table_arn],
        ))

    def _policies_read(self, role: iam.Role) -> None:
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ReadMigrationPolicies",
            actions=["ssm:GetParameter"],
            resources=[Stack.of(self).format_arn(
                service="ssm", resource="parameter",
                resource_name=self._config.migration_policies_parameter.lstrip("/"),
            )],
        ))

    def _restore_url_signer_read(self, role: iam.Role) -> None:
        if self._signer is not None:
            self._signer.grant_read(role)
            return
        secret = self._config.restore_url_signer_secret
        if not secret:
            return  # none configured: the function signs with its own credentials
        arn = secret if secret.startswith("arn:") else Stack.of(self).format_arn(
            service="secretsmanager", resource="secret",
            # Secrets Manager appends '-' and six random characters to the name.
            resource_name=f"{secret}-??????", arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ReadRestoreUrlSigner",
            actions=["secretsmanager:GetSecretValue"],
            resources=[arn],
        ))

    def _backup_objects(self) -> str:
        return self._storage.bucket.arn_for_objects(f"{BACKUP_KEY_PREFIX}*")

    def _acknowledge_backup_objects(self, role: iam.Role) -> None:
        acknowledge_wildcard_resource(
            role, self._backup_objects(),
            f"Backup object keys are generated per cluster and per run under "
            f"'{BACKUP_KEY_PREFIX}' of the dedicated backup bucket; the grant is limited to "
            "that prefix and to the object actions the function's catalog entry names.",
        )

    def _bucket_read(self, role: iam.Role) -> None:
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ReadBackupObjects",
            actions=["s3:GetObject"],
            resources=[self._backup_objects()],
        ))
        self._list_backup_objects(role)
        self._acknowledge_backup_objects(role)

    def _list_backup_objects(self, role: iam.Role) -> None:
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ListBackupObjects",
            actions=["s3:ListBucket"],
            resources=[self._storage.bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{BACKUP_KEY_PREFIX}*"]}},
        ))

    def _bucket_write(self, role: iam.Role) -> None:
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="WriteBackupObjects",
            actions=["s3:PutObject", "s3:AbortMultipartUpload"],
            resources=[self._backup_objects()],
        ))
        self._acknowledge_backup_objects(role)

    def _bucket_delete(self, role: iam.Role) -> None:
        # DeleteObject without a version id only adds a delete marker: pruned versions stay
        # recoverable until the noncurrent-version lifecycle rule (and Object Lock) let go.
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="DeleteBackupObjects",
            actions=["s3:DeleteObject"],
            resources=[self._backup_objects()],
        ))
        self._acknowledge_backup_objects(role)

    def _lock_table(self, role: iam.Role) -> None:
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="UseLockTable",
            actions=[
                "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem", "dynamodb:Query",
            ],
            resources=[self._storage.table.table_arn],
        ))

    def _lock_table_read(self, role: iam.Role) -> None:
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ReadLockTable",
            actions=["dynamodb:GetItem"],
            resources=[self._storage.table.table_arn],
        ))

    def _kms_use(self, role: iam.Role) -> None:
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="UseBackupKey",
            # SSE-KMS: PutObject needs GenerateDataKey, GetObject Decrypt; nothing calls
            # kms:Encrypt itself, nor KMS directly: the key works only through S3 (the IAM
            # check of tests/integration/test_iam_grants_cover_every_call.py holds us to it).
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=[self._storage.key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": via_service("s3", self)}},
        ))

    def _states_task(self, role: iam.Role) -> None:
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ReportTaskResults",
            actions=[
                "states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat",
            ],
            resources=["*"],
        ))
        acknowledge_wildcard_resource(
            role, "*",
            "states:SendTaskSuccess/Failure/Heartbeat do not support resource-level "
            "permissions; the caller must hold the task token, which only the state machine "
            "hands out.",
        )

    def _topic_publish(self, role: iam.Role) -> None:
        self._notifications.grant_publish(role)


_GRANTS: dict[str, Callable[[Functions, iam.Role], None]] = {
    catalog.KUBECONFIG_READ: Functions._kubeconfig_read,
    KUBECONFIG_LIST: Functions._kubeconfig_list,
    catalog.BUCKET_READ: Functions._bucket_read,
    catalog.BACKUP_CATALOG_READ: Functions._catalog_read,
    catalog.SNAPSHOT_READ: Functions._snapshot_read,
    catalog.BUCKET_WRITE: Functions._bucket_write,
    catalog.BUCKET_DELETE: Functions._bucket_delete,
    catalog.LOCK_TABLE: Functions._lock_table,
    catalog.LOCK_TABLE_READ: Functions._lock_table_read,
    catalog.KMS_USE: Functions._kms_use,
    catalog.STATES_TASK: Functions._states_task,
    catalog.TOPIC_PUBLISH: Functions._topic_publish,
    catalog.DNS_READ: Functions._dns_read,
    catalog.MIGRATION_RECORDS_READ: Functions._migration_records_read,
    catalog.SNAPSHOT_CONFIRM: Functions._snapshot_confirm,
    catalog.MIGRATION_RECORDS_WRITE: Functions._migration_records_write,
    catalog.LOCK_TABLE_SCAN: Functions._lock_table_scan,
    catalog.POLICIES_READ: Functions._policies_read,
    catalog.RESTORE_URL_SIGNER_READ: Functions._restore_url_signer_read,
}

_STATE_MACHINE_GRANTS: dict[
    str,
    Callable[
        [Functions, catalog.LambdaFunctionSpec, iam.Policy, dict[str, sfn.StateMachine]], None
    ],
] = {
    catalog.MIGRATION_START: Functions._migration_start,
    catalog.MIGRATION_HISTORY: Functions._migration_history,
    catalog.MIGRATION_DESCRIBE: Functions._migration_describe,
    catalog.BACKUP_DESCRIBE: Functions._backup_describe,
}
