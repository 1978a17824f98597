"""Signers of the restoreSnapshotURL: a dedicated long-term key from Secrets Manager, or the
function's own credentials.

The dedicated signer is an IAM user allowed only `s3:GetObject` on the backup prefix and
`kms:Decrypt` on the backup key; its secret holds `{"access_key_id", "secret_access_key"}`.
Its signatures carry no session token (URLs of ~400 characters) and may live 7 days. Key
material is read here and handed to botocore only: never logged, returned or put in an error.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from hcp_dr.adapters.aws_network import NETWORK_ERRORS, network_failure
from hcp_dr.adapters.backup_bucket import S3_REGIONAL_SIGV4
from hcp_dr.domain.migration.restore_url import SignerIdentity
from hcp_dr.errors import AwsServiceUnavailable, RestoreUrlSignerInvalid

_THROTTLING = {"ThrottlingException", "InternalServiceError", "ServiceUnavailable"}


class S3UrlSigner:
    """Presigns GETs with one set of credentials for the bucket's region."""

    def __init__(self, region: str, identity: SignerIdentity, access_key_id: str,
                 secret_access_key: str, session_token: str | None = None, *,
                 session: boto3.session.Session | None = None) -> None:
        self._identity = identity
        # Explicit credentials on a client of the container's session: botocore's parsed
        # endpoint and S3 model are reused instead of loaded again.
        self._client = (session or boto3.session.Session()).client(
            "s3", aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key,
            aws_session_token=session_token, region_name=region,
            config=S3_REGIONAL_SIGV4)  # the etcd init script's curl follows no redirect

    @property
    def identity(self) -> SignerIdentity:
        return self._identity

    def presign_get(self, bucket: str, key: str, ttl_seconds: int) -> str:
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=ttl_seconds)

    def __repr__(self) -> str:
        return f"S3UrlSigner({self._identity.kind})"


def signer_from_secret(secretsmanager: Any, secret_id: str, region: str,
                       session: boto3.session.Session | None = None) -> S3UrlSigner:
    try:
        text = secretsmanager.get_secret_value(SecretId=secret_id).get("SecretString")
    except NETWORK_ERRORS as exc:
        raise network_failure("Secrets Manager", exc) from None
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        if code in _THROTTLING:
            raise AwsServiceUnavailable(f"Secrets Manager: {code}") from None
        raise RestoreUrlSignerInvalid(
            f"restore-URL signer secret {secret_id!r} cannot be read ({code})") from None
    try:
        document = json.loads(text)
        access_key_id = document.get("access_key_id") or document["AccessKeyId"]
        secret_access_key = document.get("secret_access_key") or document["SecretAccessKey"]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise RestoreUrlSignerInvalid(
            f"restore-URL signer secret {secret_id!r} holds no access key pair") from None
    identity = SignerIdentity(kind="dedicated-signer", session=False, expires_at=None)
    return S3UrlSigner(region, identity, access_key_id, secret_access_key, session=session)


def signer_from_function_credentials(
        region: str, session: boto3.session.Session | None = None) -> S3UrlSigner:
    """The Lambda role's credentials (a session); their expiry is known only when botocore
    refreshes them itself (container credentials), not for the environment's variables."""
    session = session or boto3.session.Session()
    credentials = session.get_credentials()
    if credentials is None:
        raise RestoreUrlSignerInvalid("the function has no AWS credentials to sign with")
    frozen = credentials.get_frozen_credentials()
    expiry = getattr(credentials, "_expiry_time", None)  # RefreshableCredentials only
    if isinstance(expiry, datetime) and expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=UTC)
    identity = SignerIdentity(kind="function-credentials", session=bool(frozen.token),
                              expires_at=expiry if isinstance(expiry, datetime) else None)
    return S3UrlSigner(region, identity, frozen.access_key, frozen.secret_key, frozen.token,
                       session=session)
