"""The S3 bucket that holds backup sets, SSE-KMS encrypted with the project's key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from hcp_dr.adapters.aws_network import NETWORK_ERRORS, network_failure
from hcp_dr.errors import AwsRequestRejected, AwsServiceUnavailable, RecordUnreadable

# Virtual-hosted, regional endpoint (`<bucket>.s3.<region>.amazonaws.com`, us-east-1 too):
# S3 answers it directly where the global name may redirect, and curl follows no redirect.
S3_REGIONAL_SIGV4 = Config(signature_version="s3v4", s3={
    "addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"})
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_DENIED = frozenset({"403", "AccessDenied", "Forbidden"})
_THROTTLING = {"SlowDown", "Throttling", "ThrottlingException", "InternalError",
               "ServiceUnavailable", "RequestTimeout"}


def _translate(exc: ClientError, what: str) -> Exception:
    code = exc.response.get("Error", {}).get("Code", "")
    if code in _THROTTLING:
        return AwsServiceUnavailable(f"S3 {what}: {code}")
    return AwsRequestRejected(f"S3 {what}: {code}")


@contextmanager
def _s3_call(what: str) -> Iterator[None]:
    """S3 refusals by their code, network failures as AwsServiceUnavailable (retried)."""
    try:
        yield
    except ClientError as exc:
        raise _translate(exc, what) from None
    except NETWORK_ERRORS as exc:
        raise network_failure(f"S3 {what}", exc) from None


def canonical_json(document: Any) -> bytes:
    """The bytes a JSON document is stored as: parsing them back and serializing again gives
    the same bytes, so a reader can check a document against the digest taken at writing."""
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def json_sha256(document: Any) -> str:
    return hashlib.sha256(canonical_json(document)).hexdigest()


class BackupBucket:
    def __init__(self, s3: Any, bucket: str, kms_key_id: str) -> None:
        self._s3 = s3
        self.bucket = bucket
        self._kms_key_id = kms_key_id

    def presign_put(self, key: str, sha256_b64: str,
                    ttl_seconds: int) -> tuple[str, dict[str, str]]:
        """A SigV4 presigned PUT that S3 only accepts with a body of that SHA-256.

        Returns the URL and the headers the uploader must send (they are signed). The URL is
        a credential for its lifetime: callers hand it to the pod over stdin and never log or
        return it.
        """
        url = self._s3.generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": key, "ChecksumSHA256": sha256_b64,
                    "ChecksumAlgorithm": "SHA256"},
            ExpiresIn=ttl_seconds,
        )
        return url, {"x-amz-checksum-sha256": sha256_b64, "x-amz-sdk-checksum-algorithm": "SHA256"}

    def head(self, key: str) -> dict | None:
        with _s3_call(f"head {key}"):
            try:
                return self._s3.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
            except ClientError as exc:
                if self._absent(exc, key):
                    return None
                raise

    def _absent(self, exc: ClientError, key: str) -> bool:
        """Whether a refused read means the key does not exist. S3 answers a missing key
        with 404 only to a caller allowed s3:ListBucket, with 403 otherwise; a listing of the
        key itself (which a prefix-scoped grant allows) settles a 403."""
        code = exc.response.get("Error", {}).get("Code")
        if code in _MISSING:
            return True
        if code not in _DENIED:
            return False
        try:
            found = self._s3.list_objects_v2(Bucket=self.bucket, Prefix=key, MaxKeys=1)
        except ClientError as listing:  # the read's own refusal is what to diagnose
            listing_code = listing.response.get("Error", {}).get("Code", "")
            raise _translate(exc, f"read {key} (listing it: {listing_code})") from None
        return all(entry["Key"] != key for entry in found.get("Contents", []))

    def put_json(self, key: str, document: Any) -> str:
        """Store a JSON document SSE-KMS encrypted; returns its SHA-256 (hex, `json_sha256`)."""
        body = canonical_json(document)
        with _s3_call(f"put {key}"):
            self._s3.put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType="application/json",
                ServerSideEncryption="aws:kms", SSEKMSKeyId=self._kms_key_id,
                ChecksumAlgorithm="SHA256",
            )
        return hashlib.sha256(body).hexdigest()

    def get_json(self, key: str) -> Any | None:
        with _s3_call(f"get {key}"):
            try:
                body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except ClientError as exc:
                if self._absent(exc, key):
                    return None
                raise
        try:
            return json.loads(body)
        except ValueError:  # a truncated or foreign object: unreadable, as if invalid
            raise RecordUnreadable(f"S3 object {key} is not JSON") from None

    def read_chunks(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Stream an object in bounded chunks: memory stays flat whatever the size."""
        with _s3_call(f"get {key}"):
            body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        try:
            with _s3_call(f"read {key}"):
                yield from body.iter_chunks(chunk_size)
        finally:
            body.close()

    def child_prefixes(self, prefix: str) -> list[str]:
        """The 'folders' directly below a prefix."""
        found: list[str] = []
        paginator = self._s3.get_paginator("list_objects_v2")
        with _s3_call(f"list {prefix}"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/"):
                found += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        return found

    def keys_under(self, prefix: str) -> list[str]:
        keys: list[str] = []
        paginator = self._s3.get_paginator("list_objects_v2")
        with _s3_call(f"list {prefix}"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                keys += [o["Key"] for o in page.get("Contents", [])]
        return keys

    def delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start:start + 1000]]
            with _s3_call("delete objects"):
                answer = self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": batch})
            # DeleteObjects answers 200 with per-key errors: a manifest that was not deleted
            # must stop the caller before the parts it points at go.
            failed = answer.get("Errors") or []
            if failed:
                codes = sorted({e.get("Code", "") for e in failed})
                raise AwsServiceUnavailable(
                    f"S3 delete objects: {len(failed)} not deleted ({', '.join(codes)})")
