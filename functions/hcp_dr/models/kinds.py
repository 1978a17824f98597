"""The custom resources hcp-dr reads and writes, by API group, version and plural.

Versions are the ones both the 4.13 and the current HyperShift CRDs serve.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CustomResource:
    group: str
    version: str
    plural: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"


HOSTED_CLUSTERS = CustomResource("hypershift.openshift.io", "v1beta1", "hostedclusters")
NODE_POOLS = CustomResource("hypershift.openshift.io", "v1beta1", "nodepools")
HOSTED_CONTROL_PLANES = CustomResource("hypershift.openshift.io", "v1beta1", "hostedcontrolplanes")
CAPI_CLUSTERS = CustomResource("cluster.x-k8s.io", "v1beta1", "clusters")
MACHINE_DEPLOYMENTS = CustomResource("cluster.x-k8s.io", "v1beta1", "machinedeployments")
MACHINE_SETS = CustomResource("cluster.x-k8s.io", "v1beta1", "machinesets")
MACHINES = CustomResource("cluster.x-k8s.io", "v1beta1", "machines")
AWS_CLUSTERS = CustomResource("infrastructure.cluster.x-k8s.io", "v1beta2", "awsclusters")
AWS_MACHINE_TEMPLATES = CustomResource(
    "infrastructure.cluster.x-k8s.io", "v1beta2", "awsmachinetemplates"
)
AWS_MACHINES = CustomResource("infrastructure.cluster.x-k8s.io", "v1beta2", "awsmachines")
ROUTES = CustomResource("route.openshift.io", "v1", "routes")

# HCP-namespace custom resources in the order a destination must create them (guide step 7).
HCP_NAMESPACE_KINDS: tuple[CustomResource, ...] = (
    HOSTED_CONTROL_PLANES, CAPI_CLUSTERS, AWS_CLUSTERS, AWS_MACHINE_TEMPLATES, AWS_MACHINES,
    MACHINE_DEPLOYMENTS, MACHINES, MACHINE_SETS,
)
