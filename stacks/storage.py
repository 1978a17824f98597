"""Where backups and locks live: the KMS key, the backup bucket (with its access-log bucket)
and the lock table."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.config import BACKUP_KEY_PREFIX, StackConfig


class Storage(Construct):
    """The stateful resources; everything here is retained when the stack is deleted."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig) -> None:
        super().__init__(scope, construct_id)

        self.key = kms.Key(
            self, "BackupKey",
            description="hcp-dr: encrypts etcd snapshots, backed-up objects and manifests",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )

        # S3 server access logs can only be delivered to an SSE-S3 bucket, hence its own key.
        self.access_log_bucket = s3.Bucket(
            self, "AccessLogBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=Duration.days(config.access_log_retention_days),
                    noncurrent_version_expiration=Duration.days(1),
                ),
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        object_lock = (
            s3.ObjectLockRetention.governance(Duration.days(config.object_lock_days))
            if config.object_lock_days
            else None
        )
        self.bucket = s3.Bucket(
            self, "BackupBucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_log_bucket,
            server_access_logs_prefix="backup-bucket/",
            object_lock_enabled=True if object_lock else None,
            object_lock_default_retention=object_lock,
            lifecycle_rules=[
                # A backstop behind the GFS pruner, not the retention policy: it only catches
                # what a broken pruner would leave behind for far longer than the policy keeps.
                s3.LifecycleRule(
                    id="expire-old-backups",
                    prefix=BACKUP_KEY_PREFIX,
                    expiration=Duration.days(config.backup_max_age_days),
                ),
                s3.LifecycleRule(
                    id="expire-noncurrent-versions",
                    noncurrent_version_expiration=Duration.days(
                        config.noncurrent_version_expiration_days
                    ),
                    expired_object_delete_marker=True,
                ),
                s3.LifecycleRule(
                    id="abort-incomplete-multipart-uploads",
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )

        self.table = dynamodb.Table(
            self, "LockTable",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute="expires_at",
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
