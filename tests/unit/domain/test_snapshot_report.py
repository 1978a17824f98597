"""What the etcd pod reports of its snapshot is checked before anything is uploaded: a digest
that is not one, an empty file or a status that is not etcdctl's fails the backup as
`SnapshotFailed` (before: a raw ValueError or TypeError at upload, or a ValidationError at
the manifest), and its message never quotes what the pod printed."""

from __future__ import annotations

import json

import pytest

from hcp_dr.adapters.management_cluster import PodCommandResult
from hcp_dr.domain.etcd_snapshot import take_snapshot
from hcp_dr.domain.etcd_tooling import EtcdTooling
from hcp_dr.errors import SnapshotFailed

DIGEST = "3" * 64
STATUS = json.dumps({"hash": 1, "revision": 16, "totalKey": 1607, "totalSize": 3846176})


class Pod:
    def __init__(self, stdout: str) -> None:
        self.stdout = stdout

    def run_in_pod(self, namespace, pod, container, command, **_kwargs) -> PodCommandResult:
        return PodCommandResult(0, self.stdout, "")


def _report(**fields: str) -> str:
    values = {"sha256": DIGEST, "size": "3846176", "status": STATUS, **fields}
    return "".join(f"{key}={value}\n" for key, value in values.items())


def _snapshot(stdout: str):
    return take_snapshot(Pod(stdout), "clusters-cesar", "etcd-0",  # type: ignore[arg-type]
                         EtcdTooling(13), "20261129T010000Z-0a1b2c3d")


def test_a_complete_report_is_the_record():
    record = _snapshot(_report())
    assert (record.sha256, record.size_bytes, record.revision, record.total_keys) == (
        DIGEST, 3846176, 16, 1607)


@pytest.mark.parametrize("stdout", [
    _report(sha256="not-a-digest-SECRETLOOKING"),
    _report(sha256="A" * 64),
    _report(size="0"),
    _report(status='"SECRETLOOKING"'),
    _report(status=json.dumps({"revision": -1, "totalKey": 1, "hash": 1})),
    _report(status="[1, 2]"),
    _report(size="lots"),
    "sha256=" + DIGEST + "\n",
])
def test_a_report_that_does_not_hold_fails_the_snapshot_without_quoting_it(stdout: str):
    with pytest.raises(SnapshotFailed, match="clusters-cesar/etcd-0") as raised:
        _snapshot(stdout)
    assert "SECRETLOOKING" not in str(raised.value)
