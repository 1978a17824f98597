"""Every object a HyperShift hosted cluster has on its management cluster (DOMAIN.md).

Built from the upstream render in ../shared/fixtures; pure data, no I/O, so tests can inspect
exactly what the sandbox creates. Status is planned separately because the API server only
accepts it through the status subresource, as on a real cluster.
"""

from __future__ import annotations

import base64
import copy
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from sandbox.scenario.fixture import rendered

Availability = Literal["SingleReplica", "HighlyAvailable"]
CONTROL_PLANE_DEPLOYMENTS = (
    "kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver",
    "control-plane-operator", "cluster-api", "capi-provider", "ignition-server",
)
# Deployments that follow the availability policy (the rest run one replica).
HA_SCALED = {"kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver"}
ROUTED_SERVICES = {
    "APIServer": "kube-apiserver", "OAuthServer": "oauth",
    "Konnectivity": "konnectivity-server", "Ignition": "ignition-server",
}


@dataclass(frozen=True)
class PlannedObject:
    """One object to create: its API coordinates, body, and status to set afterwards."""

    group: str
    version: str
    plural: str
    namespace: str | None
    body: dict
    status: dict | None = None

    @property
    def name(self) -> str:
        return self.body["metadata"]["name"]


@dataclass(frozen=True)
class HostedClusterPlan:
    """What kind of hosted cluster the sandbox builds."""

    availability: Availability = "SingleReplica"
    external_dns_domain: str = "hcp.sandbox-dr.example"
    ocp_version: str = "4.13.10"
    nodepool_replicas: int = 2
    infra_suffix: str = field(default_factory=lambda: secrets.token_hex(3))
    # Another name than the render's `cesar`, for fleets of hosted clusters (benchmarks).
    hosted_cluster_name: str | None = None

    @property
    def namespace(self) -> str:
        return rendered("HostedCluster")["metadata"]["namespace"]

    @property
    def name(self) -> str:
        return self.hosted_cluster_name or rendered("HostedCluster")["metadata"]["name"]

    @property
    def hcp_namespace(self) -> str:
        return f"{self.namespace}-{self.name}"

    @property
    def infra_id(self) -> str:
        return f"{self.name}-{self.infra_suffix}"

    @property
    def etcd_members(self) -> int:
        return 3 if self.availability == "HighlyAvailable" else 1

    def hostname(self, service: str) -> str:
        prefix = {"APIServer": "api", "OAuthServer": "oauth", "Konnectivity": "konnectivity",
                  "Ignition": "ignition"}[service]
        return f"{prefix}-{self.name}.{self.external_dns_domain}"

    def route_hostnames(self) -> list[str]:
        return [self.hostname(service) for service in ROUTED_SERVICES]

    @property
    def encryption_secret(self) -> str:
        return f"{self.name}-etcd-encryption-key"

    @property
    def admin_kubeconfig_secret(self) -> str:
        return f"{self.name}-admin-kubeconfig"

    @property
    def nodepool_name(self) -> str:
        # The render says "cesar-fakeName"; a real API server rejects upper case in names.
        rendered_name = rendered("NodePool")["metadata"]["name"].lower()
        return rendered_name.replace(rendered("HostedCluster")["metadata"]["name"], self.name, 1)


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def condition(kind: str, status: str, reason: str, message: str = "") -> dict:
    return {"type": kind, "status": status, "reason": reason, "message": message,
            "lastTransitionTime": now_rfc3339(), "observedGeneration": 1}


def _meta(name: str, namespace: str | None = None, **extra: dict) -> dict:
    meta: dict = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta.update(extra)
    return meta


def _secret(name: str, namespace: str, data: dict[str, bytes],
            kind: str = "Opaque", labels: dict | None = None) -> PlannedObject:
    body = {"apiVersion": "v1", "kind": "Secret", "type": kind,
            "metadata": _meta(name, namespace, **({"labels": labels} if labels else {})),
            "data": {k: base64.b64encode(v).decode() for k, v in data.items()}}
    return PlannedObject("", "v1", "secrets", namespace, body)


def _hosted_cluster_body(plan: HostedClusterPlan) -> dict:
    hc = copy.deepcopy(rendered("HostedCluster"))
    hc.pop("status", None)
    hc["metadata"]["name"] = plan.name
    hc["spec"]["pullSecret"] = {"name": f"{plan.name}-pull-secret"}
    spec = hc["spec"]
    spec["controllerAvailabilityPolicy"] = plan.availability
    spec["infraID"] = plan.infra_id
    spec["release"] = {"image": f"quay.io/openshift-release-dev/ocp-release:{plan.ocp_version}"
                                f"-x86_64"}
    spec["secretEncryption"] = {"type": "aescbc",
                                "aescbc": {"activeKey": {"name": plan.encryption_secret}}}
    spec["dns"] = {"baseDomain": plan.external_dns_domain}
    spec["issuerURL"] = f"https://oidc.{plan.external_dns_domain}/{plan.infra_id}"
    spec["services"] = [
        {"service": service, "servicePublishingStrategy": {
            "type": "Route", "route": {"hostname": plan.hostname(service)}}}
        for service in ROUTED_SERVICES
    ]
    return hc


def _hosted_cluster_status(plan: HostedClusterPlan) -> dict:
    return {
        "conditions": [condition("Available", "True", "AsExpected", "The hosted control plane"
                                 " is available")],
        "kubeconfig": {"name": plan.admin_kubeconfig_secret},
        "controlPlaneEndpoint": {"host": plan.hostname("APIServer"), "port": 443},
        "version": {
            "desired": {"version": plan.ocp_version, "image": _release_image(plan)},
            "history": [{"state": "Completed", "version": plan.ocp_version,
                         "image": _release_image(plan), "startedTime": now_rfc3339(),
                         "completionTime": now_rfc3339(), "verified": True}],
            "observedGeneration": 1,
            "availableUpdates": None,
        },
    }


def _release_image(plan: HostedClusterPlan) -> str:
    return f"quay.io/openshift-release-dev/ocp-release:{plan.ocp_version}-x86_64"


def _nodepool_body(plan: HostedClusterPlan) -> dict:
    nodepool = copy.deepcopy(rendered("NodePool"))
    nodepool.pop("status", None)
    nodepool["metadata"]["name"] = plan.nodepool_name
    nodepool["spec"]["clusterName"] = plan.name
    nodepool["spec"]["replicas"] = plan.nodepool_replicas
    nodepool["spec"]["release"] = {"image": _release_image(plan)}
    return nodepool


def hosted_cluster_namespace_objects(plan: HostedClusterPlan) -> list[PlannedObject]:
    """The HC namespace: namespace, secrets, the HostedCluster and its NodePool."""
    pull = rendered("Secret")
    objects = [
        PlannedObject("", "v1", "namespaces", None, {
            "apiVersion": "v1", "kind": "Namespace", "metadata": _meta(plan.namespace)}),
        _secret(f"{plan.name}-pull-secret", plan.namespace,
                {".dockerconfigjson": base64.b64decode(pull["data"][".dockerconfigjson"])},
                kind="kubernetes.io/dockerconfigjson", labels=pull["metadata"].get("labels")),
        _secret(plan.encryption_secret, plan.namespace, {"key": secrets.token_bytes(32)},
                labels={"hypershift.openshift.io/safe-to-delete-with-cluster": "true"}),
        PlannedObject("hypershift.openshift.io", "v1beta1", "hostedclusters", plan.namespace,
                      _hosted_cluster_body(plan), _hosted_cluster_status(plan)),
        PlannedObject("hypershift.openshift.io", "v1beta1", "nodepools", plan.namespace,
                      _nodepool_body(plan), {
                          "replicas": plan.nodepool_replicas, "version": plan.ocp_version,
                          "conditions": [condition("Ready", "True", "AsExpected")]}),
    ]
    return objects


def admin_kubeconfig_secret(plan: HostedClusterPlan, kubeconfig: str) -> PlannedObject:
    """The guest cluster's admin kubeconfig, as HyperShift publishes it in the HC namespace."""
    return _secret(plan.admin_kubeconfig_secret, plan.namespace,
                   {"kubeconfig": kubeconfig.encode()})
