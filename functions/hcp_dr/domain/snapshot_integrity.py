"""Prove a stored snapshot is intact without holding it in memory.

An etcd snapshot file is a bbolt database followed by a 32-byte SHA-256 of everything before
it; `etcdctl snapshot restore` refuses a file whose trailer does not match. Checking the
trailer here, streaming, finds a bad backup when it is made instead of during a disaster.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from hcp_dr.domain.backup_run import location, snapshot_of
from hcp_dr.errors import SnapshotCorrupted
from hcp_dr.models.backup_records import SnapshotVerification

if TYPE_CHECKING:
    from hcp_dr.adapters.backup_bucket import BackupBucket
    from hcp_dr.models.backup_state import BackupState

TRAILER_BYTES = 32
_BBOLT_MAGIC = (0xED0CDAED).to_bytes(4, "little")
_MAGIC_OFFSET = 16


def verify_snapshot_stream(chunks: Iterable[bytes], expected_sha256: str,
                           expected_size: int) -> SnapshotVerification:
    """Hash the stream once, keeping only the last 32 bytes back for the trailer."""
    whole = hashlib.sha256()
    body = hashlib.sha256()
    pending = b""
    size = 0
    head = b""
    for chunk in chunks:
        whole.update(chunk)
        size += len(chunk)
        if len(head) < _MAGIC_OFFSET + 4:
            head += chunk[: _MAGIC_OFFSET + 4]
        pending += chunk
        if len(pending) > TRAILER_BYTES:
            body.update(pending[:-TRAILER_BYTES])
            pending = pending[-TRAILER_BYTES:]
    if size != expected_size or whole.hexdigest() != expected_sha256:
        raise SnapshotCorrupted(
            f"stored snapshot ({size} bytes) differs from the one taken ({expected_size} bytes)"
        )
    if head[_MAGIC_OFFSET:_MAGIC_OFFSET + 4] != _BBOLT_MAGIC:
        raise SnapshotCorrupted("stored snapshot is not an etcd (bbolt) database")
    if size % 512 != TRAILER_BYTES or body.digest() != pending:
        raise SnapshotCorrupted("etcd SHA-256 trailer does not match the snapshot body")
    return SnapshotVerification(size_bytes=size, sha256=whole.hexdigest(), trailer_valid=True)


def verify_snapshot(bucket: BackupBucket, state: BackupState) -> SnapshotVerification:
    """The backup stage: stream the stored snapshot back and check it against the pod's."""
    snapshot = snapshot_of(state)
    chunks = bucket.read_chunks(location(state).snapshot_key)
    return verify_snapshot_stream(chunks, snapshot.sha256, snapshot.size_bytes)
