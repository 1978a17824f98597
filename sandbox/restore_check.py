"""Prove a backup restores: `etcdctl snapshot restore` into a fresh etcd and compare.

This is what makes a backup trustworthy: the snapshot is restored exactly as HyperShift's etcd
init container does (restore into an empty PV, then start etcd), in a throw-away pod, and
every key and value must equal the source etcd's at the snapshot's revision.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sandbox.pods.etcd_client import EtcdClient
from sandbox.pods.etcd_member import EtcdCluster
from sandbox.pods.pod_runtime import PodRuntime


@dataclass(frozen=True)
class RestoreComparison:
    source_keys: int
    restored_keys: int
    missing: int
    extra: int
    different: int

    @property
    def identical(self) -> bool:
        return self.source_keys == self.restored_keys and not (
            self.missing or self.extra or self.different)


def compare_dumps(source: dict[bytes, bytes], restored: dict[bytes, bytes]) -> RestoreComparison:
    missing = source.keys() - restored.keys()
    extra = restored.keys() - source.keys()
    different = [k for k in source.keys() & restored.keys() if source[k] != restored[k]]
    return RestoreComparison(len(source), len(restored), len(missing), len(extra),
                             len(different))


def restore_and_compare(pods: PodRuntime, snapshot_file: Path, source: EtcdClient,
                        revision: int, namespace: str = "restore-check") -> RestoreComparison:
    """Restore `snapshot_file` into a new single-member etcd and compare with `source`."""
    check = EtcdCluster(pods, "restore-check", namespace, replicas=1)
    try:
        member = check.members[0]
        shutil.copyfile(snapshot_file, member.pod.root / "tmp" / "snapshot.db")
        restored = member.pod.run_sync(check.restore_argv(member, "/tmp/snapshot.db"))
        if restored.returncode != 0:
            raise RuntimeError(f"snapshot restore failed: {restored.stderr.decode()[-500:]}")
        check.start()
        return compare_dumps(source.dump(revision), check.client().dump())
    finally:
        check.destroy()
