"""What stock moto 5.2.5 does with the same uploads (LocalAws with its S3 checks off).

Pinned so that a moto upgrade that starts enforcing checksums or signatures is noticed, and so
the reason for sandbox/aws/s3_integrity.py stays visible.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from presigned_put import curl_put, presign_put, sha256_b64

from sandbox.aws import LocalAws

SNAPSHOT = b"etcd snapshot bytes " * 1024
CORRUPTED = SNAPSHOT[:-1] + b"!"


@pytest.fixture(scope="module")
def stock_moto() -> Iterator[LocalAws]:
    with LocalAws(enforce_s3_integrity=False) as aws:
        aws.client("s3").create_bucket(Bucket="stock-moto-baseline")
        yield aws


@pytest.mark.parametrize(
    "headers",
    [
        {"x-amz-checksum-sha256": sha256_b64(SNAPSHOT)},  # body does not match the checksum
        {},  # signed checksum header dropped
    ],
    ids=["bad-body", "header-dropped"],
)
def test_moto_stores_what_aws_rejects(
    stock_moto: LocalAws, tmp_path: Path, headers: dict[str, str]
) -> None:
    s3 = stock_moto.client("s3")
    url = presign_put(s3, "stock-moto-baseline", "k", sha256_b64(SNAPSHOT))

    result = curl_put(url, CORRUPTED, tmp_path, headers)

    assert result.status == 200
    stored = s3.get_object(Bucket="stock-moto-baseline", Key="k", ChecksumMode="ENABLED")
    assert stored["Body"].read() == CORRUPTED
    assert "ChecksumSHA256" not in stored  # the header is neither checked nor recorded
