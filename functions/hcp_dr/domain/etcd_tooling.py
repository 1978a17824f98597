"""The etcd command lines a hosted control plane's version needs.

Certificate paths moved in OCP 4.12 (the CA got its own directory) and etcd 3.6 (OCP 4.21)
moved `snapshot status` and `snapshot restore` from etcdctl to etcdutl. Guessing wrong makes
the snapshot fail with a TLS error, so the version decides, read from the HostedCluster. During
an upgrade across 4.12 the etcd pods may still have (or already have) the other certificate
layout than the version the HC rolls out: the command falls back to the other CA path when
the version's is not in the pod (`select_ca`).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

SNAPSHOT_DIR = "/var/lib/data"
CLIENT_CERT = "/etc/etcd/tls/client/etcd-client.crt"
CLIENT_KEY = "/etc/etcd/tls/client/etcd-client.key"
CA_SINCE_4_12 = "/etc/etcd/tls/etcd-ca/ca.crt"
CA_BEFORE_4_12 = "/etc/etcd/tls/client/etcd-client-ca.crt"
DEFAULT_MINOR = 13  # the guide's release, used when the HC reports no version yet

_VERSION = re.compile(r"^4\.(\d+)(\.|$)")


@dataclass(frozen=True)
class EtcdTooling:
    """etcdctl flags and the tool that reads snapshot files, for one OCP minor version."""

    ocp_minor: int

    @property
    def ca_file(self) -> str:
        return CA_SINCE_4_12 if self.ocp_minor >= 12 else CA_BEFORE_4_12

    @property
    def snapshot_file_tool(self) -> str:
        return "etcdutl" if self.ocp_minor >= 21 else "ETCDCTL_API=3 etcdctl"

    def select_ca(self) -> str:
        """Shell setting ETCD_CA, which `etcdctl` uses: the version's CA file, or the other
        layout's when the pod lacks it (mid-upgrade, etcd may run either)."""
        other = CA_BEFORE_4_12 if self.ca_file == CA_SINCE_4_12 else CA_SINCE_4_12
        return f'ETCD_CA={self.ca_file}; [ -r "$ETCD_CA" ] || ETCD_CA={other}'

    def etcdctl(self, *args: str) -> str:
        """Run after `select_ca` in the same shell."""
        flags = ["--cert", CLIENT_CERT, "--key", CLIENT_KEY, "--endpoints=localhost:2379"]
        return 'env ETCDCTL_API=3 etcdctl --cacert "$ETCD_CA" ' + shlex.join([*flags, *args])

    def snapshot_status(self, path: str) -> str:
        return f"{self.snapshot_file_tool} -w json snapshot status {shlex.quote(path)}"


def ocp_minor_version(hosted_cluster: dict) -> int:
    """The OCP minor version the hosted cluster runs (or is rolling out)."""
    status_version = (hosted_cluster.get("status") or {}).get("version") or {}
    candidates = [(status_version.get("desired") or {}).get("version")]
    candidates += [h.get("version") for h in status_version.get("history") or []]
    for version in candidates:
        match = _VERSION.match(version or "")
        if match:
            return int(match.group(1))
    return DEFAULT_MINOR


def tooling_for(hosted_cluster: dict) -> EtcdTooling:
    return EtcdTooling(ocp_minor_version(hosted_cluster))
