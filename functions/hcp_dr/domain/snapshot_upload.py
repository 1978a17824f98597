"""Upload a snapshot straight from the etcd pod to S3.

The pod gets no AWS credentials: only a SigV4 presigned PUT, valid for a short time and for one
key, which also pins the body's SHA-256 so S3 itself refuses bytes that changed after the pod
measured them. The URL reaches the pod on stdin and is handed to curl as a config file on a
pipe, so it appears in no argv, no exec request and no log.
"""

from __future__ import annotations

import base64
import re
import shlex
from typing import TYPE_CHECKING

from hcp_dr.adapters.backup_bucket import BackupBucket
from hcp_dr.domain.etcd_members import ETCD_CONTAINER
from hcp_dr.errors import (
    SnapshotChecksumMismatch,
    SnapshotCorrupted,
    SnapshotTooLarge,
    SnapshotUploadFailed,
)
from hcp_dr.models.backup_records import SnapshotRecord, UploadRecord

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

MAX_SINGLE_PUT_BYTES = 5 * 1024**3
_CHECKSUM_ERROR_CODES = {"BadDigest", "InvalidDigest", "XAmzContentChecksumMismatch",
                         "XAmzContentSHA256Mismatch", "InvalidRequest"}
_ERROR_CODE = re.compile(r"<Code>([A-Za-z0-9]+)</Code>")


def sha256_hex_to_b64(sha256_hex: str) -> str:
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode()


def _upload_script(path: str, headers: dict[str, str]) -> str:
    # `read` and `printf` are shell builtins: the URL never becomes a process argument.
    header_flags = " ".join(f"-H {shlex.quote(f'{k}: {v}')}" for k, v in sorted(headers.items()))
    return "\n".join([
        "set -eu",
        "IFS= read -r url",
        "printf 'url = \"%s\"\\n' \"$url\" | curl -sS -X PUT -K - "
        f"{header_flags} -H 'content-type: application/octet-stream' "
        f"-T {shlex.quote(path)} -o - -w '\\nhttp_code=%{{http_code}}\\n'",
    ])


def _http_outcome(stdout: str) -> tuple[int, str]:
    """HTTP status and S3 error code (never the raw body: it can echo signed parameters)."""
    status = 0
    for line in stdout.splitlines():
        if line.startswith("http_code="):
            status = int(line.partition("=")[2] or 0)
    match = _ERROR_CODE.search(stdout)
    return status, (match.group(1) if match else "")


def upload_from_pod(api: ManagementClusterApi, hcp_namespace: str, snapshot: SnapshotRecord,
                    bucket: BackupBucket, key: str, url_ttl_seconds: int) -> UploadRecord:
    if snapshot.size_bytes > MAX_SINGLE_PUT_BYTES:
        raise SnapshotTooLarge(
            f"snapshot of {snapshot.size_bytes} bytes exceeds a single presigned PUT "
            f"({MAX_SINGLE_PUT_BYTES} bytes): compact and defragment etcd"
        )
    sha256_b64 = sha256_hex_to_b64(snapshot.sha256)
    url, headers = bucket.presign_put(key, sha256_b64, url_ttl_seconds)
    result = api.run_in_pod(hcp_namespace, snapshot.pod, ETCD_CONTAINER,
                            ["/bin/sh", "-c", _upload_script(snapshot.path, headers)],
                            stdin_line=url, timeout_seconds=840)
    status, code = _http_outcome(result.stdout)
    if status in (400, 403) and code in _CHECKSUM_ERROR_CODES:
        raise SnapshotChecksumMismatch(
            f"S3 refused {key}: {code} (body differs from SHA-256 {snapshot.sha256[:12]}...)"
        )
    if result.exit_code != 0 or status != 200:
        raise SnapshotUploadFailed(
            f"upload of {key} from {hcp_namespace}/{snapshot.pod}: exit {result.exit_code}, "
            f"HTTP {status} {code}".strip()
        )
    return confirm_upload(bucket, key, snapshot)


def confirm_upload(bucket: BackupBucket, key: str, snapshot: SnapshotRecord) -> UploadRecord:
    """Check what S3 stored: size, the SHA-256 it computed, and KMS encryption."""
    head = bucket.head(key)
    if head is None:
        raise SnapshotUploadFailed(f"{key} is not in the bucket after upload")
    if head.get("ContentLength") != snapshot.size_bytes or (
        head.get("ChecksumSHA256") != sha256_hex_to_b64(snapshot.sha256)
    ):
        raise SnapshotCorrupted(f"{key}: stored object differs from the pod's snapshot")
    return UploadRecord(bucket=bucket.bucket, key=key, size_bytes=snapshot.size_bytes,
                        sha256=snapshot.sha256,
                        server_side_encryption=head.get("ServerSideEncryption", ""))
