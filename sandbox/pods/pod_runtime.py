"""Pods as private filesystems on one host: what `pods/exec` and the etcd processes run in.

The domain code execs the very commands it would run in a HyperShift etcd pod
(`etcdctl ... snapshot save /var/lib/data/snapshot.db`, `curl -T ...`, `rm -f ...`). Nothing
in them may be rewritten, so each command runs in its own mount namespace where the pod's
directories are bind-mounted over the paths the pod would see:

- `/var/lib`   <- the pod's PV (HyperShift mounts the `data` PVC at /var/lib; etcd's
                  `--data-dir` is /var/lib/data, and the guide's snapshot lands in it);
- `/etc/etcd`  <- the pod's TLS material (`tls/etcd-ca`, `tls/client`, `tls/server`, ...);
- `/etc/hosts` <- the pod's hosts file: `localhost` is the pod IP, peers resolve by name;
- `/tmp`       <- the pod's scratch space (the restore init container downloads there).

The host's own files are never touched: the binds live only as long as the command.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import subprocess
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.pods.network import allocate_pod_ip, release_pod_ip
from sandbox.pods.processes import kill_group, reap_leftovers

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
UNSHARE = "/usr/bin/unshare"
# Mountpoints the binds need on the host; only /etc/etcd is usually missing.
HOST_MOUNTPOINTS = (Path("/var/lib"), Path("/etc/etcd"), Path("/tmp"))
# Sources are relative to the pod root (the shell's cwd), so they stay reachable even when the
# root itself lives under a path that an earlier bind hides (e.g. a pytest dir under /tmp).
_ENTER_POD = (
    'cd "$1" && mount --bind var/lib /var/lib && mount --bind etc/etcd /etc/etcd'
    ' && mount --bind etc/hosts /etc/hosts && mount --bind tmp /tmp && cd / && shift'
    ' && exec "$@"'
)
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_CHUNK = 64 * 1024

OutputSink = Callable[[bytes], Awaitable[None]]
PodKey = tuple[str, str, str]


def exit_status(returncode: int) -> int:
    """Shell convention (128 + signal), which is what a container runtime reports."""
    return 128 - returncode if returncode < 0 else returncode


@dataclass
class PodSandbox:
    """One pod: its IP, its root directory on the host and the environment of its container."""

    cluster: str
    namespace: str
    name: str
    root: Path
    ip: str
    containers: tuple[str, ...] = ("etcd",)
    env: dict[str, str] = field(default_factory=dict)
    # Main process per container (set by whoever starts it); exec needs it to be alive.
    main_processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _exec_pids: set[int] = field(default_factory=set)

    @property
    def pv_dir(self) -> Path:
        """Host directory the pod sees as /var/lib (the PVC)."""
        return self.root / "var/lib"

    @property
    def data_dir(self) -> Path:
        """Host directory the pod sees as /var/lib/data (etcd's data dir)."""
        return self.pv_dir / "data"

    @property
    def etc_etcd(self) -> Path:
        return self.root / "etc/etcd"

    @property
    def hosts_file(self) -> Path:
        return self.root / "etc/hosts"

    @property
    def log_dir(self) -> Path:
        """Container logs: next to the pod root, invisible from inside the pod."""
        return self.root / "log"

    def prepare(self) -> None:
        for path in (self.pv_dir, self.etc_etcd, self.root / "tmp", self.log_dir):
            path.mkdir(parents=True, exist_ok=True)
        (self.root / "tmp").chmod(0o1777)
        self.write_hosts({})

    def write_hosts(self, others: Mapping[str, Iterable[str]]) -> None:
        """Write /etc/hosts: localhost and the pod's names are its IP, `others` map IP -> names.

        No ::1 line: a client that tried ::1 first would miss the pod's listeners.
        """
        lines = [
            "# Kubernetes-managed hosts file (hcp-dr sandbox).",
            f"{self.ip}\tlocalhost",
            f"{self.ip}\t{self.name}",
        ]
        lines += [f"{ip}\t{' '.join(names)}" for ip, names in others.items()]
        self.hosts_file.write_text("\n".join(lines) + "\n")

    def environment(self) -> dict[str, str]:
        """What a container process sees: a minimal PATH, HOME=/, no host secrets."""
        return {
            "PATH": PATH,
            "HOME": "/",
            "HOSTNAME": self.name,
            "POD_IP": self.ip,
            "NAMESPACE": self.namespace,
            **self.env,
        }

    def command(self, argv: Sequence[str]) -> list[str]:
        """`argv` wrapped so that it runs inside the pod's mount namespace."""
        return [UNSHARE, "--mount", "--propagation", "private", "--",
                "/bin/sh", "-c", _ENTER_POD, "enter-pod", str(self.root), *argv]

    def is_running(self, container: str) -> bool:
        process = self.main_processes.get(container)
        return process is None or process.poll() is None

    def spawn(self, container: str, argv: Sequence[str],
              env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Start a container's main process (in its own process group), logging to log_dir.

        `env` adds variables for this container only (an init container's own `env:`).
        """
        with (self.log_dir / f"{container}.log").open("ab") as log:
            process = subprocess.Popen(
                self.command(argv), env={**self.environment(), **(env or {})}, cwd="/",
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.main_processes[container] = process
        return process

    def run_sync(self, argv: Sequence[str], stdin: bytes = b"",
                 timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
        """Run a command to completion in the pod (for set-up steps such as a restore)."""
        return subprocess.run(
            self.command(argv), env=self.environment(), cwd="/", input=stdin,
            capture_output=True, timeout=timeout, start_new_session=True, check=False,
        )

    async def run(self, argv: Sequence[str], *, stdin: AsyncIterator[bytes] | None = None,
                  stdout: OutputSink | None = None, stderr: OutputSink | None = None) -> int:
        """Run `argv` in the pod, streaming output as it is produced; return its exit status.

        Cancelling the call kills the command's whole process group (the client went away).
        """
        process = await asyncio.create_subprocess_exec(
            *self.command(argv), env=self.environment(), cwd="/",
            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
            stdout=subprocess.DEVNULL if stdout is None else subprocess.PIPE,
            stderr=subprocess.DEVNULL if stderr is None else subprocess.PIPE,
            start_new_session=True,
        )
        self._exec_pids.add(process.pid)
        pumps = [asyncio.create_task(_drain(process.stdout, stdout)),
                 asyncio.create_task(_drain(process.stderr, stderr))]
        feeder = None if stdin is None else asyncio.create_task(_feed(stdin, process.stdin))
        try:
            await asyncio.gather(*pumps)
            return exit_status(await process.wait())
        finally:
            # On failure (the client went away mid-output) nothing may keep running.
            for task in [*pumps, feeder]:
                if task is not None:
                    task.cancel()
            if process.returncode is None:
                kill_group(process.pid)
                await asyncio.shield(process.wait())
            self._exec_pids.discard(process.pid)

    def kill_all(self) -> None:
        """Kill running execs and main processes (the pod is being deleted)."""
        for pid in list(self._exec_pids):
            kill_group(pid)
        for process in self.main_processes.values():
            if process.poll() is None:
                kill_group(process.pid)
                process.wait()


async def _feed(chunks: AsyncIterator[bytes], pipe: asyncio.StreamWriter | None) -> None:
    assert pipe is not None
    # The command may exit (or close stdin) before the client stops sending: not an error.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        async for chunk in chunks:
            pipe.write(chunk)
            await pipe.drain()
    pipe.close()


async def _drain(pipe: asyncio.StreamReader | None, sink: OutputSink | None) -> None:
    if pipe is None or sink is None:
        return
    while chunk := await pipe.read(_CHUNK):
        await sink(chunk)


class PodRuntime:
    """The pods of every emulated management cluster, keyed by (cluster, namespace, pod).

    `base_dir` belongs to this runtime alone: whatever a crashed earlier run left there
    (etcd processes still running, pod directories) is killed and removed at start.
    """

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        base_dir.mkdir(parents=True, exist_ok=True)
        reap_leftovers(base_dir)
        for leftover in base_dir.iterdir():
            shutil.rmtree(leftover)
        for mountpoint in HOST_MOUNTPOINTS:
            mountpoint.mkdir(parents=True, exist_ok=True)
        self._pods: dict[PodKey, PodSandbox] = {}
        self._lock = threading.Lock()

    def add(self, cluster: str, namespace: str, name: str, *,
            containers: tuple[str, ...] = ("etcd",), env: Mapping[str, str] | None = None,
            ) -> PodSandbox:
        for part in (cluster, namespace, name):
            if not _NAME.match(part):
                raise ValueError(f"not a DNS name: {part!r}")
        key = (cluster, namespace, name)
        with self._lock:
            if key in self._pods:
                raise KeyError(f"pod {namespace}/{name} already exists in {cluster}")
            pod = PodSandbox(cluster, namespace, name, self.base_dir / cluster / namespace / name,
                             allocate_pod_ip(), containers, dict(env or {}))
            self._pods[key] = pod
        pod.prepare()
        return pod

    def get(self, cluster: str, namespace: str, name: str) -> PodSandbox | None:
        with self._lock:
            return self._pods.get((cluster, namespace, name))

    def pods(self, cluster: str | None = None) -> list[PodSandbox]:
        with self._lock:
            return [pod for pod in self._pods.values() if cluster in (None, pod.cluster)]

    def remove(self, cluster: str, namespace: str, name: str) -> None:
        """Delete the pod and its PV: kill its processes, free its IP, remove its directory."""
        with self._lock:
            pod = self._pods.pop((cluster, namespace, name), None)
        if pod is None:
            return
        pod.kill_all()
        if pod.root.exists():
            shutil.rmtree(pod.root)
        for parent in (pod.root.parent, pod.root.parent.parent):
            # Namespace and cluster directories go with their last pod.
            with contextlib.suppress(OSError):
                parent.rmdir()
        release_pod_ip(pod.ip)

    def close(self) -> None:
        for pod in self.pods():
            self.remove(pod.cluster, pod.namespace, pod.name)
