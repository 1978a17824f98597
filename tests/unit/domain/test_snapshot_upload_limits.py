"""A snapshot larger than one presigned PUT can carry is refused for good, before any URL is
signed or any command runs in the pod: no retry could upload it."""

from __future__ import annotations

import pytest

from hcp_dr.domain.snapshot_upload import MAX_SINGLE_PUT_BYTES, upload_from_pod
from hcp_dr.errors import PermanentError, SnapshotTooLarge
from hcp_dr.models.backup_records import SnapshotRecord


class Untouchable:
    def __getattr__(self, name):
        raise AssertionError(f"{name} was called")


def test_a_snapshot_over_five_gib_is_a_permanent_refusal_that_touches_nothing():
    snapshot = SnapshotRecord(pod="etcd-0", path="/var/lib/data/hcp-dr-x.db", sha256="0" * 64,
                              size_bytes=MAX_SINGLE_PUT_BYTES + 1, revision=1, total_keys=1,
                              etcd_hash=1)
    with pytest.raises(SnapshotTooLarge, match="compact and defragment") as refused:
        upload_from_pod(Untouchable(), "clusters-cesar", snapshot, Untouchable(),
                        "backups/k", 900)
    assert isinstance(refused.value, PermanentError)
