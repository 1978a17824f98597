"""The restore-URL signer: a dedicated IAM user whose long-term access key signs the
`restoreSnapshotURL` presigned GETs of a migration (README, "The restore URL").

Why a user: a URL signed with the Lambda role's temporary credentials carries
`X-Amz-Security-Token` (~1 KB; the CRD allows 1024 characters in all) and dies with the
session. A long-term key signs ~400-character URLs that may live up to 7 days. The user can do
nothing but read etcd snapshots (`s3:GetObject` on `backups/*/etcd/snapshot.db`, not the stored
encryption keys or objects; `kms:Decrypt` on the backup key
through S3); it has no password, so no console access. Its key pair is kept in a Secrets
Manager secret encrypted with the backup key, as `{"access_key_id", "secret_access_key"}` (the
keys `hcp_dr.adapters.restore_url_signer.signer_from_secret` reads), filled from the access
key's CloudFormation attributes: the secret access key never appears in the template.

Rotation: raise context `restoreUrlSignerKeySerial` and deploy. CloudFormation creates the new
key, rewrites the secret, then deletes the old key, which also ends every URL it signed: do not
rotate while a migration is between RestoreOnDestination and the destination's etcd restore.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy, SecretValue, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.config import BACKUP_KEY_PREFIX, StackConfig
from stacks.nag import acknowledge, acknowledge_wildcard_resource
from stacks.storage import Storage

# Only etcd snapshots: a leaked signer key must not read the stored AES keys or secrets.
SIGNED_OBJECTS = f"{BACKUP_KEY_PREFIX}*/etcd/snapshot.db"

# The JSON keys of the secret (functions/hcp_dr/adapters/restore_url_signer.py).
ACCESS_KEY_ID = "access_key_id"
SECRET_ACCESS_KEY = "secret_access_key"


class RestoreUrlSigner(Construct):
    """The signer user, its access key and the secret holding the key pair."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: StackConfig, storage: Storage,
    ) -> None:
        super().__init__(scope, construct_id)
        self._storage = storage
        backups = storage.bucket.arn_for_objects(SIGNED_OBJECTS)

        self.user = iam.User(self, "User")  # no password: no console access
        self.policy = iam.Policy(
            self, "Policy",
            users=[self.user],
            statements=[
                iam.PolicyStatement(
                    sid="ReadEtcdSnapshots",
                    actions=["s3:GetObject"],
                    resources=[backups],
                ),
                iam.PolicyStatement(
                    sid="DecryptBackupObjectsThroughS3",
                    actions=["kms:Decrypt"],
                    resources=[storage.key.key_arn],
                    conditions={"StringEquals": {"kms:ViaService": via_service("s3", self)}},
                ),
            ],
        )
        acknowledge_wildcard_resource(
            self.policy, backups,
            f"The signer signs a presigned GET of whichever snapshot a migration restores, "
            f"and snapshot keys are generated per cluster and per run "
            f"('{SIGNED_OBJECTS}'); the user can read those snapshots and nothing else.",
        )

        self.access_key = iam.AccessKey(
            self, "AccessKey", user=self.user, serial=config.restore_url_signer_key_serial,
        )
        self.secret = secretsmanager.Secret(
            self, "Secret",
            description=(
                "hcp-dr: long-term access key of the restore-URL signer user (presigned GETs "
                "of etcd snapshots for restoreSnapshotURL)"
            ),
            encryption_key=storage.key,
            secret_object_value={
                ACCESS_KEY_ID: SecretValue.unsafe_plain_text(self.access_key.access_key_id),
                SECRET_ACCESS_KEY: self.access_key.secret_access_key,
            },
            removal_policy=RemovalPolicy.DESTROY,
        )
        acknowledge(
            self.secret, "AwsSolutions-SMG4",
            "The secret holds an IAM access key that Secrets Manager cannot rotate without a "
            "rotation Lambda; it is rotated by raising context restoreUrlSignerKeySerial and "
            "redeploying (CloudFormation replaces the key and rewrites this secret), as "
            "stacks/signer.py documents.",
        )

    def grant_read(self, grantee: iam.IGrantable) -> None:
        """GetSecretValue on the secret and Decrypt of it, through Secrets Manager only."""
        grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
            sid="ReadRestoreUrlSigner",
            actions=["secretsmanager:GetSecretValue"],
            resources=[self.secret.secret_arn],
        ))
        grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
            sid="DecryptRestoreUrlSigner",
            actions=["kms:Decrypt"],
            resources=[self._storage.key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": via_service("secretsmanager", self)}},
        ))


def via_service(service: str, scope: Construct) -> str:
    """The kms:ViaService value of a service's calls in the stack's region and partition
    (`amazonaws.com.cn` in China)."""
    stack = Stack.of(scope)
    return f"{service}.{stack.region}.{stack.url_suffix}"
