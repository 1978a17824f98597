"""What a management cluster runs before it hosts anything: the HyperShift operator.

The operator deployment carries the external-DNS flags the migration preflight looks for, and
`supported-versions` lists the OCP minors it can deploy (the destination must list the HC's).
"""

from __future__ import annotations

import json

from sandbox.scenario.hosted_cluster import PlannedObject, _meta

OPERATOR_NAMESPACE = "hypershift"
OPERATOR_REPLICAS = 2


def router_hostname(cluster_name: str) -> str:
    """Where this management cluster's OpenShift router answers; DNS records point here."""
    return f"router-default.apps.{cluster_name}.sandbox-dr.example"


def operator_objects(cluster_name: str, external_dns_domain: str,
                     supported_minors: tuple[str, ...]) -> list[PlannedObject]:
    ns = OPERATOR_NAMESPACE
    args = ["run", "--namespace=hypershift", "--external-dns-provider=aws",
            f"--external-dns-domain-filter={external_dns_domain}",
            f"--management-cluster-name={cluster_name}"]
    labels = {"app": "operator", "hypershift.openshift.io/operator-component": "operator"}
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": _meta("operator", ns, labels=labels),
        "spec": {"replicas": OPERATOR_REPLICAS, "selector": {"matchLabels": {"app": "operator"}},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                     {"name": "operator", "image": "sandbox/hypershift-operator",
                      "args": args}]}}},
    }
    versions = {"versions": list(supported_minors)}
    return [
        PlannedObject("", "v1", "namespaces", None, {
            "apiVersion": "v1", "kind": "Namespace", "metadata": _meta(ns)}),
        PlannedObject("apps", "v1", "deployments", ns, deployment, {
            "replicas": OPERATOR_REPLICAS, "readyReplicas": OPERATOR_REPLICAS,
            "availableReplicas": OPERATOR_REPLICAS, "updatedReplicas": OPERATOR_REPLICAS}),
        PlannedObject("", "v1", "configmaps", ns, {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": _meta("supported-versions", ns,
                              labels={"hypershift.openshift.io/supported-versions": "true"}),
            "data": {"supported-versions": json.dumps(versions)}}),
    ]
