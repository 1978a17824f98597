"""The backup stack's stateful resources, created in the sandbox as the CDK stack defines them.

Only what the handlers touch at run time: the KMS key, the versioned SSE-KMS backup bucket
(owner-enforced, public access blocked), the lock/idempotency table (pk/sk, TTL on
`expires_at`, PITR) and the failure topic. Left out, as moto would not act on them anyway: the
access-log bucket, lifecycle rules, the TLS-only bucket policy and Object Lock (off by default
in the stack). The returned
`environment` carries the same HCP_DR_* variables the stack sets on every function
(functions/hcp_dr/settings.py); the caller applies it to `os.environ`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sandbox.aws.lambdas import ACCOUNT_ID
from stacks.catalog import FUNCTION_ENVIRONMENT

if TYPE_CHECKING:
    from sandbox.aws.server import LocalAws


@dataclass(frozen=True)
class BackupEnvironment:
    """Names and ARNs of the provisioned resources, and the functions' environment."""

    bucket: str
    kms_key_id: str
    kms_key_arn: str
    lock_table: str
    failure_topic_arn: str

    @property
    def environment(self) -> dict[str, str]:
        """The variables stacks/functions.py sets that have no default in Settings (the key
        by ARN, as the stack passes it), and what every function gets (`FUNCTION_ENVIRONMENT`:
        Powertools' service and namespace)."""
        return {
            "HCP_DR_BACKUP_BUCKET": self.bucket,
            "HCP_DR_BACKUP_KMS_KEY_ID": self.kms_key_arn,
            "HCP_DR_LOCK_TABLE": self.lock_table,
            **FUNCTION_ENVIRONMENT,
        }

    @property
    def substitutions(self) -> dict[str, str]:
        """The non-function ASL substitutions these resources provide."""
        return {"FailureTopicArn": self.failure_topic_arn}


def provision_backup_environment(local_aws: LocalAws, prefix: str = "hcp-dr") -> BackupEnvironment:
    """Create the resources (idempotent only across fresh sandboxes: moto starts empty)."""
    kms = local_aws.client("kms")
    key = kms.create_key(Description=f"{prefix} backup encryption", KeyUsage="ENCRYPT_DECRYPT")
    key_id, key_arn = key["KeyMetadata"]["KeyId"], key["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName=f"alias/{prefix}-backups", TargetKeyId=key_id)
    kms.enable_key_rotation(KeyId=key_id)

    bucket = f"{prefix}-backups-{ACCOUNT_ID}-{local_aws.region}"
    s3 = local_aws.client("s3")
    location = {} if local_aws.region == "us-east-1" else {
        "CreateBucketConfiguration": {"LocationConstraint": local_aws.region}
    }
    s3.create_bucket(Bucket=bucket, **location)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn,
            },
            "BucketKeyEnabled": True,
        }]},
    )
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
        },
    )

    table = f"{prefix}-locks"
    dynamodb = local_aws.client("dynamodb")
    dynamodb.create_table(
        TableName=table,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_continuous_backups(
        TableName=table,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )
    dynamodb.update_time_to_live(
        TableName=table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )

    topic_arn = local_aws.client("sns").create_topic(Name=f"{prefix}-backup-failures")["TopicArn"]
    return BackupEnvironment(bucket, key_id, key_arn, table, topic_arn)


@dataclass(frozen=True)
class RestoreUrlSignerKey:
    """The dedicated restore-URL signer the stack creates by default (stacks/signer.py): an IAM
    user, its access key, and the secret holding the pair, encrypted with the backup key."""

    secret_arn: str
    access_key_id: str
    secret_access_key: str = field(repr=False)


def provision_restore_url_signer(local_aws: LocalAws, kms_key_arn: str,
                                 prefix: str = "hcp-dr") -> RestoreUrlSignerKey:
    user = f"{prefix}-restore-url-signer"
    iam = local_aws.client("iam")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    # The JSON keys stacks/signer.py writes and signer_from_secret reads.
    document = {"access_key_id": key["AccessKeyId"],
                "secret_access_key": key["SecretAccessKey"]}
    secret = local_aws.client("secretsmanager").create_secret(
        Name=f"{prefix}/restore-url-signer", KmsKeyId=kms_key_arn,
        SecretString=json.dumps(document))
    return RestoreUrlSignerKey(secret["ARN"], key["AccessKeyId"], key["SecretAccessKey"])
