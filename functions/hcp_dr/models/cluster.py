"""Who a DR operation is about: a hosted cluster on a management cluster, and the ids its
backups go by."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

# RFC 1123 label, as Kubernetes requires for namespaces and HostedCluster names.
DnsLabel = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)
]
# Management cluster ids name a Secrets Manager secret suffix: keep them to a safe alphabet.
ManagementClusterId = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", max_length=128)
]
# A backup id: the run's UTC start time, then 8 hex digits of its execution name.
BACKUP_ID_PATTERN = r"^\d{8}T\d{6}Z-[0-9a-f]{8}$"


class HostedClusterRef(BaseModel):
    """A HostedCluster by management cluster, namespace and name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    management_cluster: ManagementClusterId
    namespace: DnsLabel
    name: DnsLabel

    @property
    def hcp_namespace(self) -> str:
        """The control-plane namespace HyperShift derives from the HC: `<ns>-<name>`."""
        return f"{self.namespace}-{self.name}"

    @property
    def key(self) -> str:
        """Identity of the hosted cluster itself, independent of where it runs now."""
        return f"{self.namespace}/{self.name}"
