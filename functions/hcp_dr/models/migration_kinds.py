"""Built-in Kubernetes resources the migration reads and writes, in the same shape as the
custom resources of `models.kinds` (group "" is the core API), so one adapter surface serves
all of them."""

from __future__ import annotations

from hcp_dr.models.kinds import (
    AWS_CLUSTERS,
    AWS_MACHINE_TEMPLATES,
    AWS_MACHINES,
    CAPI_CLUSTERS,
    HOSTED_CONTROL_PLANES,
    MACHINE_DEPLOYMENTS,
    MACHINE_SETS,
    MACHINES,
    CustomResource,
)

NAMESPACES = CustomResource("", "v1", "namespaces")
SECRETS = CustomResource("", "v1", "secrets")
CONFIG_MAPS = CustomResource("", "v1", "configmaps")
SERVICE_ACCOUNTS = CustomResource("", "v1", "serviceaccounts")
PODS = CustomResource("", "v1", "pods")
NODES = CustomResource("", "v1", "nodes")
EVENTS = CustomResource("", "v1", "events")
DEPLOYMENTS = CustomResource("apps", "v1", "deployments")
STATEFULSETS = CustomResource("apps", "v1", "statefulsets")

# The CAPI/CAPA kinds of an HCP namespace, for teardown: everything that may carry finalizers
# and block the namespace's deletion (DOMAIN "Known failure modes").
HCP_NAMESPACE_CAPI_KINDS: tuple[CustomResource, ...] = (
    MACHINES, MACHINE_SETS, MACHINE_DEPLOYMENTS, CAPI_CLUSTERS, AWS_MACHINES,
    AWS_MACHINE_TEMPLATES, AWS_CLUSTERS, HOSTED_CONTROL_PLANES,
)
