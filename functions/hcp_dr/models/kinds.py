"""The Kubernetes resources hcp-dr reads and writes, by API group, version and plural.

Custom resources use the versions both the 4.13 and the current HyperShift CRDs serve; core
resources have group "" so one adapter surface serves all of them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ApiResource:
    group: str
    version: str
    plural: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"


HOSTED_CLUSTERS = ApiResource("hypershift.openshift.io", "v1beta1", "hostedclusters")
NODE_POOLS = ApiResource("hypershift.openshift.io", "v1beta1", "nodepools")
HOSTED_CONTROL_PLANES = ApiResource("hypershift.openshift.io", "v1beta1", "hostedcontrolplanes")
CAPI_CLUSTERS = ApiResource("cluster.x-k8s.io", "v1beta1", "clusters")
MACHINE_DEPLOYMENTS = ApiResource("cluster.x-k8s.io", "v1beta1", "machinedeployments")
MACHINE_SETS = ApiResource("cluster.x-k8s.io", "v1beta1", "machinesets")
MACHINES = ApiResource("cluster.x-k8s.io", "v1beta1", "machines")
AWS_CLUSTERS = ApiResource("infrastructure.cluster.x-k8s.io", "v1beta2", "awsclusters")
AWS_MACHINE_TEMPLATES = ApiResource(
    "infrastructure.cluster.x-k8s.io", "v1beta2", "awsmachinetemplates"
)
AWS_MACHINES = ApiResource("infrastructure.cluster.x-k8s.io", "v1beta2", "awsmachines")
ROUTES = ApiResource("route.openshift.io", "v1", "routes")

# HCP-namespace custom resources in the order a destination must create them (guide step 7).
HCP_NAMESPACE_KINDS: tuple[ApiResource, ...] = (
    HOSTED_CONTROL_PLANES, CAPI_CLUSTERS, AWS_CLUSTERS, AWS_MACHINE_TEMPLATES, AWS_MACHINES,
    MACHINE_DEPLOYMENTS, MACHINES, MACHINE_SETS,
)

NAMESPACES = ApiResource("", "v1", "namespaces")
SECRETS = ApiResource("", "v1", "secrets")
CONFIG_MAPS = ApiResource("", "v1", "configmaps")
SERVICE_ACCOUNTS = ApiResource("", "v1", "serviceaccounts")
PODS = ApiResource("", "v1", "pods")
NODES = ApiResource("", "v1", "nodes")
EVENTS = ApiResource("", "v1", "events")
DEPLOYMENTS = ApiResource("apps", "v1", "deployments")
STATEFULSETS = ApiResource("apps", "v1", "statefulsets")
LEASES = ApiResource("coordination.k8s.io", "v1", "leases")
NODE_LEASE_NAMESPACE = "kube-node-lease"  # one Lease per node, renewed by its kubelet

# The CAPI/CAPA kinds of an HCP namespace, for teardown: everything that may carry finalizers
# and block the namespace's deletion (DOMAIN "Known failure modes").
HCP_NAMESPACE_CAPI_KINDS: tuple[ApiResource, ...] = (
    MACHINES, MACHINE_SETS, MACHINE_DEPLOYMENTS, CAPI_CLUSTERS, AWS_MACHINES,
    AWS_MACHINE_TEMPLATES, AWS_CLUSTERS, HOSTED_CONTROL_PLANES,
)
