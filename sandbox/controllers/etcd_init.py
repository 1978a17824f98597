"""HyperShift's etcd init container, run inside an emulated etcd pod.

The script is the init script's logic, step for step, so that a restoreSnapshotURL that would
fail on a real management cluster fails here too:

1. restore only into an empty PV (a pod that restarts keeps its data);
2. `curl -o /tmp/snapshot "$RESTORE_URL_ETCD"`: no `-L` (a redirect is not followed and its
   body is what lands in the file) and no `--fail` (an S3 error page is a 4xx *with a body*);
3. fail when that body starts with `<?xml`: an S3 error (expired or badly signed URL, missing
   key, PermanentRedirect);
4. `etcdctl snapshot restore /tmp/snapshot --data-dir=/var/lib/data` for this member (its
   name, the initial cluster and token, its peer URL), so every member of an HA control plane
   restores from the same snapshot.

The URL comes only through the container's environment and is never echoed: it is a bearer
credential for the snapshot. The container's log (stdout and stderr) is kept for the pod.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

from sandbox.pods.etcd_member import EtcdCluster, EtcdMember
from sandbox.scenario.operator_built import ETCD_INIT_CONTAINER, RESTORE_URL_ENV

INIT_SCRIPT = r"""set -eu
if [ -d /var/lib/data/member ]; then
  echo "etcd data directory is not empty: nothing to restore"
  exit 0
fi
echo "downloading the etcd snapshot"
curl -o /tmp/snapshot "$RESTORE_URL_ETCD"
if [ "$(head -c 5 /tmp/snapshot)" = "<?xml" ]; then
  code=$(sed -n 's:.*<Code>\([^<]*\)</Code>.*:\1:p' /tmp/snapshot | head -n 1)
  echo "snapshot download returned an XML document (S3 error ${code:-unknown}), not a snapshot" >&2
  exit 1
fi
echo "restoring the etcd snapshot"
"$@"
"""
INIT_TIMEOUT_SECONDS = 300.0
_POLL_SECONDS = 0.02
# curl's progress meter (header and rows of numbers): noise in a failure message.
_PROGRESS = re.compile(r"^[\s\d.:kMG%-]*$|Dload|% Total")


@dataclass(frozen=True)
class InitOutcome:
    member: str
    exit_code: int
    log: str

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0

    @property
    def message(self) -> str:
        """The last lines of the init log: why it failed, without the URL."""
        lines = [line.strip() for line in self.log.splitlines()
                 if line.strip() and not _PROGRESS.search(line)]
        return " | ".join(lines[-3:]) or f"exit code {self.exit_code}"


def run_etcd_init(etcd: EtcdCluster, member: EtcdMember, restore_url: str,
                  stopping: threading.Event) -> InitOutcome:
    """Run the init container in `member`'s pod to completion (or until `stopping`)."""
    argv = ["/bin/sh", "-c", INIT_SCRIPT, ETCD_INIT_CONTAINER,
            *etcd.restore_argv(member, "/tmp/snapshot")]
    process = member.pod.spawn(ETCD_INIT_CONTAINER, argv, env={RESTORE_URL_ENV: restore_url})
    deadline = time.monotonic() + INIT_TIMEOUT_SECONDS
    try:
        while process.poll() is None:
            if stopping.is_set() or time.monotonic() > deadline:
                break
            time.sleep(_POLL_SECONDS)
    finally:
        # Killed with its process group (curl, etcdctl) when the sandbox stops meanwhile.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)
    return InitOutcome(member.name, process.returncode if process.returncode is not None else -1,
                       init_log(member))


def init_log(member: EtcdMember) -> str:
    log = member.pod.log_dir / f"{ETCD_INIT_CONTAINER}.log"
    return log.read_text(errors="replace") if log.exists() else ""
