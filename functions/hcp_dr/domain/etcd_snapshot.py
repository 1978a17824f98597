"""Where the etcd snapshot is taken: inside one healthy etcd pod, onto the etcd volume.

The snapshot never leaves the pod through this Lambda: the pod writes it to its own volume,
computes its SHA-256 and reads its revision and key count; a later stage uploads it straight
from the pod to S3.
"""

from __future__ import annotations

import json
import shlex
from typing import TYPE_CHECKING

from pydantic import ValidationError

from hcp_dr.domain.etcd_members import ETCD_CONTAINER
from hcp_dr.domain.etcd_tooling import SNAPSHOT_DIR, EtcdTooling
from hcp_dr.errors import InsufficientSnapshotSpace, PodCommandFailed, SnapshotFailed
from hcp_dr.models.backup_records import SnapshotRecord
from hcp_dr.models.validation_summary import where_invalid

if TYPE_CHECKING:
    from hcp_dr.adapters.management_cluster import ManagementClusterApi

# Exit code the snapshot script uses when the volume cannot hold another copy of the db.
_NO_SPACE_EXIT = 28
# Under RemoveSnapshotFile's 60-s Lambda timeout, so a hung exec ends as the adapter's own
# KubernetesApiUnavailable (retried three times) rather than as a Lambda timeout.
REMOVE_TIMEOUT_SECONDS = 40
_SAVE_TIMEOUT_SECONDS = 180
# Headroom over the current database size that must be free before snapshotting.
_SPACE_FACTOR_PERCENT = 120


def snapshot_path(backup_id: str) -> str:
    """One file name per backup, so a retried stage overwrites its own file only."""
    return f"{SNAPSHOT_DIR}/hcp-dr-{backup_id}.db"


def _snapshot_script(tooling: EtcdTooling, path: str) -> str:
    quoted = shlex.quote(path)
    return "\n".join([
        "set -eu",
        # We hold the hosted cluster's lock, so no other run of ours uses this volume: any
        # other hcp-dr snapshot here is what an earlier run's failed cleanup left. Removing it
        # keeps leftovers from filling etcd's data volume run after run (ours goes too: a
        # retried stage starts afresh).
        "stale=0",
        # etcdctl writes `<path>.part` and renames it when done: a killed save leaves that.
        f"for f in {SNAPSHOT_DIR}/hcp-dr-*.db {SNAPSHOT_DIR}/hcp-dr-*.db.part; do",
        "  [ -e \"$f\" ] || continue",
        f"  case \"$f\" in {quoted}|{quoted}.part) ;; *) stale=$((stale + 1)) ;; esac",
        "  rm -f \"$f\"",
        "done",
        "echo \"stale_removed=$stale\"",
        f"free_kb=$(df -Pk {SNAPSHOT_DIR} | awk 'NR==2 {{print $4}}')",
        f"used_kb=$(du -sk {SNAPSHOT_DIR} | cut -f1)",
        f"if [ \"$free_kb\" -lt $((used_kb * {_SPACE_FACTOR_PERCENT} / 100)) ]; then",
        f"  echo \"free ${{free_kb}}KiB < needed for ${{used_kb}}KiB\" >&2; exit {_NO_SPACE_EXIT}",
        "fi",
        # etcdctl 3.4 can wait forever on a refused TLS handshake: bound it in the pod.
        tooling.select_ca(),
        f"timeout {_SAVE_TIMEOUT_SECONDS} {tooling.etcdctl('snapshot', 'save', path)} >&2",
        f"echo \"sha256=$(sha256sum {quoted} | cut -d' ' -f1)\"",
        f"echo \"size=$(stat -c %s {quoted})\"",
        f"echo \"status=$({tooling.snapshot_status(path)})\"",
    ])


def _parse_report(stdout: str) -> dict[str, str]:
    report: dict[str, str] = {}
    for line in stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            report[key.strip()] = value.strip()
    return report


def take_snapshot(api: ManagementClusterApi, hcp_namespace: str, pod: str,
                  tooling: EtcdTooling, backup_id: str) -> SnapshotRecord:
    """Run `etcdctl snapshot save` in the pod and return what it produced."""
    path = snapshot_path(backup_id)
    result = api.run_in_pod(hcp_namespace, pod, ETCD_CONTAINER,
                            ["/bin/sh", "-c", _snapshot_script(tooling, path)],
                            timeout_seconds=240)
    if result.exit_code == _NO_SPACE_EXIT:
        raise InsufficientSnapshotSpace(f"{hcp_namespace}/{pod}: {result.stderr.strip()[-300:]}")
    if result.exit_code != 0:
        raise SnapshotFailed(
            f"{hcp_namespace}/{pod}: exit {result.exit_code}: {result.stderr.strip()[-500:]}"
        )
    return _snapshot_record(_parse_report(result.stdout), pod, path, f"{hcp_namespace}/{pod}")


def _snapshot_record(report: dict[str, str], pod: str, path: str, where: str) -> SnapshotRecord:
    """What the pod reported, checked: a digest that is not one, an empty file or a status
    that is not etcdctl's is `SnapshotFailed`, before anything is uploaded."""
    try:
        status = json.loads(report["status"])
        return SnapshotRecord(
            pod=pod, path=path, sha256=report["sha256"], size_bytes=int(report["size"]),
            revision=int(status["revision"]), total_keys=int(status["totalKey"]),
            etcd_hash=int(status["hash"]), stale_removed=int(report.get("stale_removed", 0)),
        )
    except ValidationError as exc:
        raise SnapshotFailed(f"{where}: snapshot report: {where_invalid(exc)}") from None
    except (KeyError, ValueError, TypeError) as exc:
        raise SnapshotFailed(
            f"{where}: unreadable snapshot report ({type(exc).__name__})") from None


def remove_snapshot_file(api: ManagementClusterApi, hcp_namespace: str, pod: str,
                         backup_id: str) -> bool:
    """Delete this backup's snapshot file from the pod's volume; True if the pod answered."""
    path = shlex.quote(snapshot_path(backup_id))
    result = api.run_in_pod(hcp_namespace, pod, ETCD_CONTAINER,
                            ["/bin/sh", "-c", f"rm -f {path} {path}.part"],
                            timeout_seconds=REMOVE_TIMEOUT_SECONDS)
    if result.exit_code != 0:
        raise PodCommandFailed(f"{hcp_namespace}/{pod}: rm exited {result.exit_code}")
    return True
