"""The TLS material HyperShift mounts into an etcd pod under /etc/etcd/tls.

Paths are the ones the guide's commands name: `etcd-ca/ca.crt` (4.12 and later),
`client/etcd-client-ca.crt` (before 4.12, the same CA), `client/etcd-client.{crt,key}`, plus
what etcd itself is started with: `server/server.{crt,key}` and `peer/peer.{crt,key}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sandbox.tls import CertificateAuthority, IssuedCertificate

CA_CERT = "tls/etcd-ca/ca.crt"
CLIENT_CERT = "tls/client/etcd-client.crt"
CLIENT_KEY = "tls/client/etcd-client.key"
LEGACY_CLIENT_CA = "tls/client/etcd-client-ca.crt"
SERVER_CERT = "tls/server/server.crt"
SERVER_KEY = "tls/server/server.key"
PEER_CERT = "tls/peer/peer.crt"
PEER_KEY = "tls/peer/peer.key"


def member_dns_names(member: str, namespace: str) -> list[str]:
    """Names a member is reached by: its discovery-service record and the client service."""
    discovery = f"{member}.etcd-discovery.{namespace}.svc"
    return [
        discovery, f"{discovery}.cluster.local",
        f"*.etcd-discovery.{namespace}.svc", f"*.etcd-discovery.{namespace}.svc.cluster.local",
        "etcd-client", f"etcd-client.{namespace}.svc", f"etcd-client.{namespace}.svc.cluster.local",
        "localhost",
    ]


@dataclass(frozen=True)
class EtcdPki:
    """One hosted control plane's etcd CA and the client certificate its tools use."""

    ca: CertificateAuthority
    client: IssuedCertificate

    @classmethod
    def create(cls, cluster: str, namespace: str) -> EtcdPki:
        ca = CertificateAuthority(f"etcd-signer {cluster}/{namespace}")
        return cls(ca, ca.issue("etcd-client", server=False, client=True))

    def install(self, etc_etcd: Path, member: str, namespace: str, pod_ip: str) -> None:
        """Write a member's /etc/etcd/tls tree (certificates for its pod IP and DNS names)."""
        hosts = [pod_ip, *member_dns_names(member, namespace)]
        # The 3.4 gRPC gateway dials etcd's own gRPC port with the server certificate, so
        # under --client-cert-auth that certificate must also be valid for client auth.
        server = self.ca.issue(f"etcd-server {member}", hosts, server=True, client=True)
        # etcd checks a peer's source address against its certificate. Without network
        # namespaces every pod connects out from the host's 127.0.0.1, so peers carry it too.
        peer = self.ca.issue(f"etcd-peer {member}", [*hosts, "127.0.0.1"], server=True,
                             client=True)
        files = {
            CA_CERT: self.ca.cert_pem,
            LEGACY_CLIENT_CA: self.ca.cert_pem,
            CLIENT_CERT: self.client.cert_pem,
            CLIENT_KEY: self.client.key_pem,
            SERVER_CERT: server.cert_pem,
            SERVER_KEY: server.key_pem,
            PEER_CERT: peer.cert_pem,
            PEER_KEY: peer.key_pem,
        }
        for relative, content in files.items():
            path = etc_etcd / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            path.chmod(0o600 if relative.endswith(".key") else 0o644)
        (etc_etcd / "clusterstate").mkdir(exist_ok=True)
