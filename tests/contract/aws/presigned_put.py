"""Presigned-PUT helpers shared by the S3 contract tests: sign as the handler would, upload
as the etcd pod would (curl)."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class CurlResult:
    status: int
    body: str


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def presign_put(s3: Any, bucket: str, key: str, checksum: str, **params: str) -> str:
    return s3.generate_presigned_url(
        "put_object",
        Params={"Bucket": bucket, "Key": key, "ChecksumSHA256": checksum, **params},
        ExpiresIn=300,
    )


def curl_put(url: str, body: bytes, tmp_path: Path, headers: dict[str, str]) -> CurlResult:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    upload, response = tmp_path / "upload.bin", tmp_path / "response.xml"
    upload.write_bytes(body)
    command = ["curl", "-sS", "-o", str(response), "-w", "%{http_code}", "-T", str(upload)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    completed = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    return CurlResult(int(completed.stdout), response.read_text() if response.exists() else "")
