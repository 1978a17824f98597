"""Finding and ending the processes of emulated pods, by what they have mounted.

Pod processes run in their own sessions so that a stop takes their whole group. The flip
side: if the Python process dies hard (SIGKILL, a CI timeout), its etcds live on. Every pod
process has the pod's PV bind-mounted at /var/lib, and /proc/<pid>/mountinfo names the
source directory, so the processes of a runtime's base directory can be found without
psutil and without marking the pods' environment.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path


def _mount_relative(path: Path) -> str:
    """`path` as mountinfo prints it: relative to the root of its filesystem's mount."""
    path = path.resolve()
    mount = path
    while not os.path.ismount(mount):
        mount = mount.parent
    relative = path.relative_to(mount).as_posix()
    return "/" if relative == "." else f"/{relative}"


def pids_mounted_from(base_dir: Path) -> list[int]:
    """Processes whose /var/lib is a bind mount of a directory under `base_dir`."""
    prefix = _mount_relative(base_dir).rstrip("/") + "/"
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            mounts = (proc / "mountinfo").read_text()
        except OSError:
            continue  # exited while we looked, or not ours to read
        for line in mounts.splitlines():
            fields = line.split()
            if len(fields) > 4 and fields[4] == "/var/lib" and fields[3].startswith(prefix):
                found.append(int(proc.name))
                break
    return found


def kill_group(pid: int, signum: int = signal.SIGKILL) -> None:
    """Signal the process group led by `pid` (pod processes start their own sessions)."""
    # Gone already (exited and reaped in the meantime): nothing to do.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


def reap_leftovers(base_dir: Path) -> list[int]:
    """Kill what an earlier, crashed run left running under `base_dir`; returns the pids."""
    pids = pids_mounted_from(base_dir)
    ours = os.getpgid(0)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            group = os.getpgid(pid)
            if group != ours:
                os.killpg(group, signal.SIGKILL)
    return pids
