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


def external_dns_deployment(cluster_name: str, domain: str) -> PlannedObject:
    """ExternalDNS as `hypershift install --external-dns-provider=aws
    --external-dns-domain-filter=<domain>` runs it: a deployment of its own beside the
    operator, publishing the Routes' hostnames to Route 53 with TXT ownership records."""
    labels = {"name": "external-dns", "app": "external-dns",
              "hypershift.openshift.io/operator-component": "external-dns"}
    args = ["--source=service", "--source=openshift-route", f"--domain-filter={domain}",
            "--provider=aws", "--registry=txt", "--txt-suffix=-external-dns",
            f"--txt-owner-id={cluster_name}", "--interval=1m", "--aws-zone-type=public"]
    return PlannedObject("apps", "v1", "deployments", OPERATOR_NAMESPACE, {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": _meta("external-dns", OPERATOR_NAMESPACE, labels=labels),
        "spec": {"replicas": 1, "selector": {"matchLabels": {"name": "external-dns"}},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                     {"name": "external-dns", "image": "sandbox/external-dns",
                      "command": ["/external-dns"], "args": args}]}}},
    }, {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1, "updatedReplicas": 1})


def operator_objects(cluster_name: str, external_dns_domain: str,
                     supported_minors: tuple[str, ...]) -> list[PlannedObject]:
    ns = OPERATOR_NAMESPACE
    args = ["run", "--namespace=hypershift", f"--management-cluster-name={cluster_name}"]
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
        external_dns_deployment(cluster_name, external_dns_domain),
        PlannedObject("", "v1", "configmaps", ns, {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": _meta("supported-versions", ns,
                              labels={"hypershift.openshift.io/supported-versions": "true"}),
            "data": {"supported-versions": json.dumps(versions)}}),
    ]
