"""Lambda-side peak memory of verifying a 64 MiB and a 1 GiB snapshot (target: the same).

The snapshot files are built like etcd's (bbolt magic at offset 16, SHA-256 trailer), put in
local S3, then the real VerifySnapshot handler streams each in a fresh interpreter whose peak
RSS is reported (`ru_maxrss`, the number Lambda bills as "Max Memory Used").
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sandbox.aws.provisioning import provision_backup_environment
from sandbox.aws.server import LocalAws

SIZES_MIB = (64, 1024)
REPO = Path(__file__).resolve().parents[1]
_CHUNK = 8 << 20


def _write_snapshot(path: Path, size_mib: int) -> tuple[str, int]:
    """An etcd-shaped file of `size_mib` MiB + 32-byte trailer; returns (sha256, size)."""
    body = hashlib.sha256()
    whole = hashlib.sha256()
    block = bytearray(_CHUNK)
    with path.open("wb") as out:
        for index in range(size_mib * (1 << 20) // _CHUNK):
            block[16:20] = (0xED0CDAED).to_bytes(4, "little") if index == 0 else b"\0\0\0\0"
            block[100:108] = index.to_bytes(8, "little")
            body.update(block)
            whole.update(block)
            out.write(block)
        trailer = body.digest()
        whole.update(trailer)
        out.write(trailer)
    return whole.hexdigest(), path.stat().st_size


def _event(bucket_key_prefix: str, backup_id: str, sha256: str, size: int) -> dict:
    return {
        "request": {"management_cluster": "bench", "namespace": "clusters",
                    "name": bucket_key_prefix, "consistency": "online"},
        "backup": {"backup_id": backup_id, "started_at": datetime.now(UTC).isoformat(),
                   "execution_id": "bench"},
        "snapshot": {"pod": "etcd-0", "path": "/var/lib/data/x.db", "sha256": sha256,
                     "size_bytes": size, "revision": 1, "total_keys": 1, "etcd_hash": 1},
    }


def _measure(local: LocalAws, bucket: str, size_mib: int, scratch: Path) -> dict[str, object]:
    name = f"mem-{size_mib}"
    backup_id = "20260101T000000Z-0000abcd"
    path = scratch / f"{name}.db"
    sha256, size = _write_snapshot(path, size_mib)
    key = f"backups/clusters/{name}/{backup_id}/etcd/snapshot.db"
    local.client("s3").upload_file(str(path), bucket, key)
    path.unlink()
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'functions'}:{REPO}",
           "POWERTOOLS_LOG_LEVEL": "WARNING"}
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("snapshot_memory_probe.py"))],
        input=json.dumps(_event(name, backup_id, sha256, size)), env=env,
        capture_output=True, text=True, check=True)
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    local.client("s3").delete_object(Bucket=bucket, Key=key)
    return {"bytes": size, "peak_rss_mib": round(report["peak_rss_kib"] / 1024, 1),
            "rss_before_verify_mib": round(report["rss_before_kib"] / 1024, 1),
            "seconds": round(report["seconds"], 2),
            "throughput_mib_s": round(size / (1 << 20) / report["seconds"], 1),
            "verified": report["result"]["trailer_valid"]}


def run() -> dict[str, object]:
    with LocalAws() as local, tempfile.TemporaryDirectory() as scratch:
        environment = provision_backup_environment(local)
        os.environ.update(environment.environment)
        results = {f"{size}_mib": _measure(local, environment.bucket, size, Path(scratch))
                   for size in SIZES_MIB}
    small, large = (results[f"{size}_mib"]["peak_rss_mib"] for size in SIZES_MIB)
    return {**results, "peak_ratio_1gib_vs_64mib": round(large / small, 3),
            "same_within_10_percent": large <= small * 1.10}
