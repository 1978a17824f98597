"""The etcd StatefulSet of a hosted control plane: real etcd processes in emulated pods.

Each member runs inside its pod (see pod_runtime) with the flags the control-plane operator
gives it: data dir /var/lib/data, TLS from /etc/etcd/tls, client and peer auth by
certificate, peers addressed as `etcd-N.etcd-discovery.<ns>.svc` (resolved by the pod's
/etc/hosts), clients on https://<pod-ip>:2379. A member whose PV already holds a data dir
(for instance one written by `etcdctl snapshot restore`) starts from it; etcd then ignores
the initial-cluster flags, exactly as in a pod that restarts.
"""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass

from sandbox.pods import etcd_tls
from sandbox.pods.etcd_client import EtcdClient, client_context
from sandbox.pods.etcd_tls import EtcdPki
from sandbox.pods.network import listening_ports
from sandbox.pods.pod_runtime import PodRuntime, PodSandbox
from sandbox.pods.processes import kill_group

CLUSTER_TOKEN = "etcd-cluster"
QUOTA_BACKEND_BYTES = 8 * 1024**3  # HyperShift's EtcdSTSQuotaBackendSize
_POLL_SECONDS = 0.02


class EtcdStartFailed(RuntimeError):
    """A member exited or did not become healthy; the message carries its log tail."""


@dataclass
class EtcdMember:
    """One etcd pod (`etcd-N`) and the etcd process inside it."""

    pod: PodSandbox
    namespace: str
    process: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        return self.pod.name

    @property
    def peer_url(self) -> str:
        return f"https://{self.name}.etcd-discovery.{self.namespace}.svc:2380"

    @property
    def client_url(self) -> str:
        return f"https://{self.pod.ip}:2379"

    @property
    def has_data(self) -> bool:
        """The PV holds an etcd data dir (etcd ran here, or a restore filled it)."""
        return (self.pod.data_dir / "member").is_dir()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def argv(self, initial_cluster: str) -> list[str]:
        """The etcd command line of HyperShift's etcd container, with the pod IP filled in."""
        return [
            "/usr/bin/etcd",
            "--data-dir=/var/lib/data",
            f"--name={self.name}",
            f"--initial-advertise-peer-urls={self.peer_url}",
            f"--listen-peer-urls=https://{self.pod.ip}:2380",
            f"--listen-client-urls={self.client_url}",
            f"--advertise-client-urls=https://{self.name}.etcd-discovery.{self.namespace}.svc:2379",
            f"--initial-cluster-token={CLUSTER_TOKEN}",
            f"--initial-cluster={initial_cluster}",
            "--initial-cluster-state=new",
            f"--quota-backend-bytes={QUOTA_BACKEND_BYTES}",
            "--snapshot-count=10000",
            "--logger=zap",
            "--peer-client-cert-auth=true",
            f"--peer-cert-file=/etc/etcd/{etcd_tls.PEER_CERT}",
            f"--peer-key-file=/etc/etcd/{etcd_tls.PEER_KEY}",
            f"--peer-trusted-ca-file=/etc/etcd/{etcd_tls.CA_CERT}",
            "--client-cert-auth=true",
            f"--cert-file=/etc/etcd/{etcd_tls.SERVER_CERT}",
            f"--key-file=/etc/etcd/{etcd_tls.SERVER_KEY}",
            f"--trusted-ca-file=/etc/etcd/{etcd_tls.CA_CERT}",
        ]

    def start(self, initial_cluster: str) -> None:
        self.process = self.pod.spawn("etcd", self.argv(initial_cluster))

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the process group, SIGKILL it if it lingers, and reap it.

        A deliberate stop also unregisters the container's main process, so the pod reads
        as "not started" (exec allowed, e.g. for a restore) rather than as crashed.
        """
        process, self.process = self.process, None
        if process is None:
            return
        if self.pod.main_processes.get("etcd") is process:
            del self.pod.main_processes["etcd"]
        if process.poll() is None:
            kill_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                kill_group(process.pid)
                process.wait()

    def log_tail(self, lines: int = 15) -> str:
        log = self.pod.log_dir / "etcd.log"
        if not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


class EtcdCluster:
    """Pods `etcd-0..N-1` of one hosted control plane in one management cluster.

    Creating the object creates the pods (IPs, PVs, TLS, /etc/hosts) but starts nothing:
    a restore can first fill the PVs, as HyperShift's etcd-init container does.
    """

    def __init__(self, runtime: PodRuntime, cluster: str, namespace: str, replicas: int = 1,
                 pki: EtcdPki | None = None) -> None:
        self.runtime, self.cluster, self.namespace = runtime, cluster, namespace
        self.pki = pki or EtcdPki.create(cluster, namespace)
        self.members: list[EtcdMember] = []
        try:
            for index in range(replicas):
                pod = runtime.add(cluster, namespace, f"etcd-{index}")
                self.members.append(EtcdMember(pod, namespace))
            self._write_pod_files()
        except BaseException:
            self.destroy()  # no half-created StatefulSet stays registered
            raise
        tls = self.members[0].pod.etc_etcd
        self._context = client_context(tls / etcd_tls.CA_CERT, tls / etcd_tls.CLIENT_CERT,
                                       tls / etcd_tls.CLIENT_KEY)

    def _write_pod_files(self) -> None:
        ips = {member.name: member.pod.ip for member in self.members}
        for member in self.members:
            self.pki.install(member.pod.etc_etcd, member.name, self.namespace, member.pod.ip)
            others = {
                ip: [f"{name}.etcd-discovery.{self.namespace}.svc",
                     f"{name}.etcd-discovery.{self.namespace}.svc.cluster.local"]
                for name, ip in ips.items()
            }
            # The etcd-client Service: the sandbox has no VIP, so it points at etcd-0.
            others[ips["etcd-0"]] += ["etcd-client", f"etcd-client.{self.namespace}.svc"]
            member.pod.write_hosts(others)

    @property
    def initial_cluster(self) -> str:
        return ",".join(f"{member.name}={member.peer_url}" for member in self.members)

    @property
    def pods(self) -> list[PodSandbox]:
        return [member.pod for member in self.members]

    def restore_argv(self, member: EtcdMember, snapshot: str) -> list[str]:
        """`etcdctl snapshot restore` of `snapshot` (a path inside the pod) into its PV."""
        return [
            "/usr/bin/etcdctl", "snapshot", "restore", snapshot, "--data-dir=/var/lib/data",
            f"--name={member.name}", f"--initial-cluster={self.initial_cluster}",
            f"--initial-cluster-token={CLUSTER_TOKEN}",
            f"--initial-advertise-peer-urls={member.peer_url}",
        ]

    def start(self, timeout: float = 30.0) -> float:
        """Start every member (from its PV's data if any) and wait until all are healthy.

        Returns the seconds it took. On failure every member is stopped again.
        """
        started = time.perf_counter()
        for member in self.members:
            if not member.running:
                member.start(self.initial_cluster)
        try:
            self._wait_healthy(started + timeout)
        except EtcdStartFailed:
            self.stop()
            raise
        return time.perf_counter() - started

    def _wait_healthy(self, deadline: float) -> None:
        pending = list(self.members)
        while pending:
            for member in list(pending):
                if not member.running:
                    raise EtcdStartFailed(f"{member.name} exited:\n{member.log_tail()}")
                if self._probe(member):
                    pending.remove(member)
            if pending and time.perf_counter() > deadline:
                raise EtcdStartFailed(f"{pending[0].name} not healthy in time:\n"
                                      f"{pending[0].log_tail()}")
            if pending:
                time.sleep(_POLL_SECONDS)

    def _probe(self, member: EtcdMember) -> bool:
        try:
            return self.client(member, timeout=2.0).health()
        except OSError:
            return False

    def client(self, member: EtcdMember | int = 0, timeout: float = 10.0) -> EtcdClient:
        """A gateway client for one member (default etcd-0), with the pods' client cert."""
        target = self.members[member] if isinstance(member, int) else member
        return EtcdClient(target.pod.ip, self._context, timeout=timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the etcd processes; pods and PVs stay (a StatefulSet scaled to 0)."""
        for member in self.members:
            member.stop(timeout)
        self.wait_ports_closed()

    def wait_ports_closed(self, timeout: float = 5.0) -> None:
        deadline = time.perf_counter() + timeout
        while any(listening_ports(pod.ip) for pod in self.pods):
            if time.perf_counter() > deadline:
                raise RuntimeError("etcd ports still listening after stop")
            time.sleep(_POLL_SECONDS)

    def destroy(self) -> None:
        """Stop etcd and delete the pods with their PVs."""
        self.stop()
        for pod in self.pods:
            self.runtime.remove(pod.cluster, pod.namespace, pod.name)

    def __enter__(self) -> EtcdCluster:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.destroy()

