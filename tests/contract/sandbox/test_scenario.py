"""What the sandbox's scenario puts on the clusters, read back with the real clients only."""

from __future__ import annotations

import base64
import json
import time

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException

from sandbox.crd_admission import crd_mutator, crd_validator
from sandbox.environment import Sandbox, SandboxOptions
from sandbox.kubeapi.cluster import EmulatedCluster
from sandbox.scenario.fixture import crd_dir, rendered

HS = "hypershift.openshift.io"


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(SandboxOptions()) as running:
        yield running


def _api(kubeconfig: str) -> k8s.ApiClient:
    return k8s_config.new_client_from_config_dict(yaml.safe_load(kubeconfig))


def test_management_clusters_run_the_operator_with_supported_versions(sandbox: Sandbox):
    for role in ("source", "destination"):
        api = _api(sandbox.management[role].cluster.kubeconfig())
        apps = k8s.AppsV1Api(api)
        assert apps.read_namespaced_deployment("operator", "hypershift").spec.replicas >= 1
        # As `hypershift install --external-dns-*` makes it: ExternalDNS beside the operator.
        external_dns = apps.read_namespaced_deployment("external-dns", "hypershift")
        args = external_dns.spec.template.spec.containers[0].args
        assert "--provider=aws" in args
        assert f"--domain-filter={sandbox.plan.external_dns_domain}" in args
        versions = k8s.CoreV1Api(api).read_namespaced_config_map("supported-versions",
                                                                 "hypershift")
        assert "4.13" in json.loads(versions.data["supported-versions"])["versions"]


def test_source_holds_every_object_of_a_hosted_cluster(sandbox: Sandbox):
    api = _api(sandbox.management["source"].cluster.kubeconfig())
    custom = k8s.CustomObjectsApi(api)
    plan = sandbox.plan
    hc = custom.get_namespaced_custom_object(HS, "v1beta1", "clusters", "hostedclusters",
                                             plan.name)
    assert hc["spec"]["controllerAvailabilityPolicy"] == "SingleReplica"
    assert {s["servicePublishingStrategy"]["type"] for s in hc["spec"]["services"]} == {"Route"}
    assert hc["status"]["kubeconfig"]["name"] == plan.admin_kubeconfig_secret
    ns = plan.hcp_namespace
    for group, version, plural in [
        (HS, "v1beta1", "hostedcontrolplanes"), ("cluster.x-k8s.io", "v1beta1", "clusters"),
        ("cluster.x-k8s.io", "v1beta1", "machinedeployments"),
        ("cluster.x-k8s.io", "v1beta1", "machinesets"), ("cluster.x-k8s.io", "v1beta1", "machines"),
        ("infrastructure.cluster.x-k8s.io", "v1beta2", "awsclusters"),
        ("infrastructure.cluster.x-k8s.io", "v1beta2", "awsmachinetemplates"),
        ("infrastructure.cluster.x-k8s.io", "v1beta2", "awsmachines"),
        ("route.openshift.io", "v1", "routes"),
    ]:
        items = custom.list_namespaced_custom_object(group, version, ns, plural)["items"]
        assert items, f"no {plural} in {ns}"
    nodepools = custom.list_namespaced_custom_object(HS, "v1beta1", "clusters", "nodepools")
    assert [n["spec"]["clusterName"] for n in nodepools["items"]] == [plan.name]
    core = k8s.CoreV1Api(api)
    secrets = {s.metadata.name for s in core.list_namespaced_secret("clusters").items}
    assert {plan.encryption_secret, plan.admin_kubeconfig_secret} <= secrets
    key = core.read_namespaced_secret(plan.encryption_secret, "clusters").data["key"]
    assert len(base64.b64decode(key)) == 32
    deployments = {d.metadata.name for d in k8s.AppsV1Api(api).list_namespaced_deployment(ns).items}
    assert {"kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver",
            "control-plane-operator"} <= deployments
    etcd = k8s.AppsV1Api(api).read_namespaced_stateful_set("etcd", ns)
    assert etcd.status.ready_replicas == 1


def test_guest_cluster_has_ready_nodes_and_ovn_pods(sandbox: Sandbox):
    core = k8s.CoreV1Api(_api(sandbox.management["source"].cluster.kubeconfig()))
    secret = core.read_namespaced_secret(sandbox.plan.admin_kubeconfig_secret, "clusters")
    guest = k8s.CoreV1Api(_api(base64.b64decode(secret.data["kubeconfig"]).decode()))
    nodes = guest.list_node().items
    assert len(nodes) == sandbox.plan.nodepool_replicas
    assert all(any(c.type == "Ready" and c.status == "True" for c in n.status.conditions)
               for n in nodes)
    ovn = guest.list_namespaced_pod("openshift-ovn-kubernetes").items
    assert sorted(p.spec.node_name for p in ovn) == sorted(n.metadata.name for n in nodes)


def test_external_dns_follows_routes_and_reports_to_eventbridge(sandbox: Sandbox):
    records = sandbox.dns_records()
    for host in sandbox.plan.route_hostnames():
        assert records[host].startswith("router-default.apps.source.")
    custom = k8s.CustomObjectsApi(_api(sandbox.management["source"].cluster.kubeconfig()))
    ns = sandbox.plan.hcp_namespace
    route = custom.get_namespaced_custom_object("route.openshift.io", "v1", ns, "routes", "oauth")
    host = route["spec"]["host"]
    seen: list[dict] = []
    sandbox.aws.runtime.register_handler("Route53EventProbe",
                                         lambda event, context: seen.append(event))
    events = sandbox.aws.client("events")
    events.put_rule(Name="probe-route53", EventPattern=json.dumps({
        "source": ["aws.route53"], "detail": {"eventName": ["ChangeResourceRecordSets"]}}))
    events.put_targets(Rule="probe-route53", Targets=[{
        "Id": "probe", "Arn": sandbox.aws.runtime.function_arn("Route53EventProbe")}])
    custom.delete_namespaced_custom_object("route.openshift.io", "v1", ns, "routes", "oauth")
    sandbox.wait_for_dns([host], present=False)
    deadline = time.monotonic() + 10
    while not seen and time.monotonic() < deadline:
        time.sleep(0.05)
    detail = seen[0]["detail"]
    assert detail["eventSource"] == "route53.amazonaws.com"
    changes = detail["requestParameters"]["changeBatch"]["changes"]
    assert {"action": "DELETE", "resourceRecordSet": {"name": host, "type": "CNAME"}} in changes
    route.pop("status", None)
    route["metadata"] = {"name": "oauth", "namespace": ns,
                         "annotations": route["metadata"]["annotations"],
                         "labels": route["metadata"]["labels"]}
    custom.create_namespaced_custom_object("route.openshift.io", "v1", ns, "routes", route)
    sandbox.wait_for_dns([host], present=True)


@pytest.mark.parametrize("version", ["release-4.13", "main"])
def test_two_restore_snapshot_urls_are_rejected(version: str):
    path = crd_dir(version)
    with EmulatedCluster.start(f"crd-{version.replace('.', '-')}", path,
                               validator=crd_validator(path), mutator=crd_mutator(path)) as cluster:
        api = _api(cluster.kubeconfig())
        k8s.CoreV1Api(api).create_namespace({"metadata": {"name": "clusters"}})
        hc = yaml.safe_load(yaml.safe_dump(rendered("HostedCluster")))
        hc.pop("status", None)
        hc["spec"]["issuerURL"] = "https://oidc.example.com/x"
        hc["spec"]["infraID"] = "cesar-abc12"
        hc["spec"]["secretEncryption"] = {"type": "aescbc",
                                          "aescbc": {"activeKey": {"name": "cesar-key"}}}
        storage = hc["spec"]["etcd"]["managed"]["storage"]
        storage["restoreSnapshotURL"] = ["https://a.example.com/s", "https://b.example.com/s"]
        custom = k8s.CustomObjectsApi(api)
        with pytest.raises(ApiException) as rejected:
            custom.create_namespaced_custom_object(HS, "v1beta1", "clusters", "hostedclusters",
                                                   hc)
        status = json.loads(rejected.value.body)
        assert (rejected.value.status, status["reason"]) == (422, "Invalid")
        assert any("restoreSnapshotURL" in c["field"] for c in status["details"]["causes"])
        storage["restoreSnapshotURL"] = ["https://a.example.com/s"]
        custom.create_namespaced_custom_object(HS, "v1beta1", "clusters", "hostedclusters", hc)
