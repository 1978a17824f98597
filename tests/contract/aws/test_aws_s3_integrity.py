"""The backup upload path: a presigned PUT that S3 must refuse unless the body's SHA-256 is the
one signed into the URL, and the bucket's SSE-KMS default (LocalAws's strict S3)."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from presigned_put import curl_put, presign_put, sha256_b64

from sandbox.aws import BackupEnvironment, LocalAws, provision_backup_environment

SNAPSHOT = b"etcd snapshot bytes " * 4096
CORRUPTED = SNAPSHOT[:-1] + b"!"


@pytest.fixture(scope="module")
def backup_environment(local_aws: LocalAws) -> BackupEnvironment:
    return provision_backup_environment(local_aws)


def test_provisioned_resources_match_the_stack(
    local_aws: LocalAws, backup_environment: BackupEnvironment
) -> None:
    s3, env = local_aws.client("s3"), backup_environment
    assert s3.get_bucket_versioning(Bucket=env.bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=env.bucket)["ServerSideEncryptionConfiguration"][
        "Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": env.kms_key_arn
    }
    block = s3.get_public_access_block(Bucket=env.bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    table = local_aws.client("dynamodb").describe_table(TableName=env.lock_table)["Table"]
    assert {(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]} == {
        ("pk", "HASH"), ("sk", "RANGE")
    }
    ttl = local_aws.client("dynamodb").describe_time_to_live(TableName=env.lock_table)
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    assert set(env.environment) >= {
        "HCP_DR_BACKUP_BUCKET", "HCP_DR_BACKUP_KMS_KEY_ID", "HCP_DR_LOCK_TABLE"
    }


def test_plain_boto3_in_handlers_reaches_the_sandbox(backup_environment: BackupEnvironment) -> None:
    # What a handler does: no endpoint, no credentials, no region in code.
    s3 = boto3.client("s3")
    s3.put_object(Bucket=backup_environment.bucket, Key="backups/probe", Body=b"probe")

    head = s3.head_object(Bucket=backup_environment.bucket, Key="backups/probe")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == backup_environment.kms_key_arn
    assert os.environ["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")


def test_presigned_put_with_matching_checksum_is_stored(
    local_aws: LocalAws, backup_environment: BackupEnvironment, tmp_path: Path
) -> None:
    # As hcp_dr.adapters.backup_bucket signs it: with ChecksumAlgorithm, so S3 records the
    # checksum and confirm_upload can read it back from HEAD (ChecksumMode=ENABLED).
    s3, bucket, checksum = local_aws.client("s3"), backup_environment.bucket, sha256_b64(SNAPSHOT)
    url = presign_put(s3, bucket, "backups/good.db", checksum, ChecksumAlgorithm="SHA256")

    result = curl_put(url, SNAPSHOT, tmp_path, {
        "x-amz-checksum-sha256": checksum, "x-amz-sdk-checksum-algorithm": "SHA256",
    })

    assert result.status == 200, result.body
    stored = s3.get_object(Bucket=bucket, Key="backups/good.db")
    assert stored["Body"].read() == SNAPSHOT
    assert stored["ServerSideEncryption"] == "aws:kms"
    head = s3.head_object(Bucket=bucket, Key="backups/good.db", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == checksum


def test_presigned_put_with_corrupted_body_is_rejected(
    local_aws: LocalAws, backup_environment: BackupEnvironment, tmp_path: Path
) -> None:
    s3, bucket, checksum = local_aws.client("s3"), backup_environment.bucket, sha256_b64(SNAPSHOT)
    url = presign_put(s3, bucket, "backups/corrupt.db", checksum)

    result = curl_put(url, CORRUPTED, tmp_path, {"x-amz-checksum-sha256": checksum})

    assert result.status == 400
    assert "<Code>BadDigest</Code>" in result.body
    with pytest.raises(s3.exceptions.ClientError, match="404"):
        s3.head_object(Bucket=bucket, Key="backups/corrupt.db")


@pytest.mark.parametrize(
    "headers",
    [{}, {"x-amz-checksum-sha256": sha256_b64(CORRUPTED)}],
    ids=["checksum-header-dropped", "checksum-header-recomputed-for-corrupt-body"],
)
def test_presigned_put_that_changes_the_signed_checksum_is_rejected(
    local_aws: LocalAws, backup_environment: BackupEnvironment, tmp_path: Path,
    headers: dict[str, str],
) -> None:
    s3, bucket = local_aws.client("s3"), backup_environment.bucket
    url = presign_put(s3, bucket, "backups/tampered.db", sha256_b64(SNAPSHOT))

    result = curl_put(url, CORRUPTED, tmp_path, headers)

    assert result.status == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in result.body


def test_presigned_put_with_explicit_sse_kms_headers(
    local_aws: LocalAws, backup_environment: BackupEnvironment, tmp_path: Path
) -> None:
    s3, env, checksum = local_aws.client("s3"), backup_environment, sha256_b64(SNAPSHOT)
    url = presign_put(
        s3, env.bucket, "backups/kms.db", checksum,
        ServerSideEncryption="aws:kms", SSEKMSKeyId=env.kms_key_arn,
    )
    signed = {
        "x-amz-checksum-sha256": checksum,
        "x-amz-server-side-encryption": "aws:kms",
        "x-amz-server-side-encryption-aws-kms-key-id": env.kms_key_arn,
    }

    assert curl_put(url, SNAPSHOT, tmp_path, signed).status == 200
    without_kms_headers = {"x-amz-checksum-sha256": checksum}
    assert curl_put(url, SNAPSHOT, tmp_path, without_kms_headers).status == 403
    head = s3.head_object(Bucket=env.bucket, Key="backups/kms.db")
    assert head["SSEKMSKeyId"] == env.kms_key_arn


def test_sigv2_presigned_url_is_refused(
    local_aws: LocalAws, backup_environment: BackupEnvironment, tmp_path: Path
) -> None:
    # boto3's default for S3 presigning (no signature_version configured) is SigV2, which
    # cannot sign the checksum header: handlers must build their client with s3v4.
    s3 = boto3.client("s3")
    checksum = sha256_b64(SNAPSHOT)
    url = presign_put(s3, backup_environment.bucket, "backups/v2.db", checksum)
    assert "AWSAccessKeyId=" in url

    result = curl_put(url, SNAPSHOT, tmp_path, {"x-amz-checksum-sha256": checksum})

    assert result.status == 400
    assert "AWS4-HMAC-SHA256" in result.body


def _get(url: str, method: str = "GET") -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method),
                                    timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def test_presigned_gets_are_checked_like_s3_does(
    local_aws: LocalAws, backup_environment: BackupEnvironment
) -> None:
    """The restore URL the etcd init script fetches: a valid signature reads the object; a
    tampered one, another key's path or an unknown signer is refused; a key trusted later
    (the restore-URL signer user's) signs valid URLs."""
    env = backup_environment
    s3 = boto3.client("s3", config=boto3.session.Config(signature_version="s3v4"))
    s3.put_object(Bucket=env.bucket, Key="backups/get.db", Body=SNAPSHOT)

    def presign(client, key: str = "backups/get.db") -> str:
        return client.generate_presigned_url("get_object", Params={
            "Bucket": env.bucket, "Key": key}, ExpiresIn=300)

    url = presign(s3)
    assert _get(url) == (200, SNAPSHOT)
    signature = url.rsplit("X-Amz-Signature=", 1)[1][:64]
    tampered = url.replace(signature, ("0" if signature[0] != "0" else "1") + signature[1:])
    assert _get(tampered)[0] == 403
    assert _get(url.replace("backups/get.db", "backups/other.db"))[0] == 403
    assert _get(url, method="HEAD")[0] == 403  # signed for GET

    iam = local_aws.client("iam")
    iam.create_user(UserName="restore-url-signer-test")
    key = iam.create_access_key(UserName="restore-url-signer-test")["AccessKey"]
    signer = boto3.client("s3", aws_access_key_id=key["AccessKeyId"],
                          aws_secret_access_key=key["SecretAccessKey"],
                          config=boto3.session.Config(signature_version="s3v4"))
    status, body = _get(presign(signer))
    assert status == 403 and b"InvalidAccessKeyId" in body
    local_aws.trust_access_key(key["AccessKeyId"], key["SecretAccessKey"])
    assert _get(presign(signer)) == (200, SNAPSHOT)
