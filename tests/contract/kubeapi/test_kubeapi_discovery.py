"""Discovery documents and `kubernetes.dynamic.DynamicClient` on top of them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import NotFoundError, UnprocessibleEntityError

from sandbox.kubeapi import EmulatedCluster
from tests.contract.kubeapi.cluster_access import HYPERSHIFT, JSON_PATCH, rendered


@pytest.fixture
def dynamic(api: client.ApiClient, tmp_path: Path) -> Iterator[DynamicClient]:
    # its own discovery cache file: ports are reused between clusters of a session
    yield DynamicClient(api, cache_file=str(tmp_path / "discovery.json"))


def _get(api: client.ApiClient, path: str) -> dict:
    response = api.call_api(*api.param_serialize("GET", path, auth_settings=["BearerToken"]))
    response.read()
    assert response.status == 200, response.data
    return json.loads(response.data)


def test_discovery_documents_are_shaped_like_the_real_ones(api: client.ApiClient) -> None:
    assert _get(api, "/api")["versions"] == ["v1"]
    groups = {g["name"]: g for g in _get(api, "/apis")["groups"]}
    assert groups[HYPERSHIFT]["preferredVersion"] == {
        "groupVersion": f"{HYPERSHIFT}/v1beta1", "version": "v1beta1"}
    assert {"apps", "route.openshift.io", "cluster.x-k8s.io"} <= set(groups)
    apps = {r["name"]: r for r in _get(api, "/apis/apps/v1")["resources"]}
    assert apps["deployments"]["shortNames"] == ["deploy"]
    assert apps["deployments/scale"]["kind"] == "Scale"
    assert apps["deployments/scale"]["group"] == "autoscaling"
    core = {r["name"]: r for r in _get(api, "/api/v1")["resources"]}
    assert core["pods/exec"]["verbs"] == ["create", "get"]
    assert core["namespaces"]["namespaced"] is False
    assert "deletecollection" in core["secrets"]["verbs"]
    hyper = {r["name"]: r for r in _get(api, f"/apis/{HYPERSHIFT}/v1beta1")["resources"]}
    assert hyper["hostedclusters"]["shortNames"] == ["hc", "hcs"]
    assert hyper["hostedclusters"]["singularName"] == "hostedcluster"
    assert hyper["hostedclusters/status"]["kind"] == "HostedCluster"
    assert "nodepools/scale" in hyper and "hostedclusters/scale" not in hyper
    assert _get(api, f"/apis/{HYPERSHIFT}")["versions"][0]["version"] == "v1beta1"


def test_version_is_openshift_4_13_kubernetes(api: client.ApiClient) -> None:
    version = client.VersionApi(api).get_code()
    assert (version.major, version.minor) == ("1", "26")
    assert version.git_version.startswith("v1.26.")


def test_dynamic_client_crud(dynamic: DynamicClient, clusters_ns: str) -> None:
    hosted_clusters = dynamic.resources.get(api_version=f"{HYPERSHIFT}/v1beta1",
                                            kind="HostedCluster")
    assert hosted_clusters.namespaced and hosted_clusters.short_names == ["hc", "hcs"]
    created = hosted_clusters.create(body=rendered("HostedCluster"), namespace=clusters_ns)
    assert created.metadata.name == "cesar"
    fetched = hosted_clusters.get(name="cesar", namespace=clusters_ns)
    assert fetched.spec.platform.aws.region == "us-east-2"
    patched = hosted_clusters.patch(name="cesar", namespace=clusters_ns,
                                    body={"spec": {"pausedUntil": "true"}},
                                    content_type="application/merge-patch+json")
    assert patched.spec.pausedUntil == "true"
    hosted_clusters.delete(name="cesar", namespace=clusters_ns)
    with pytest.raises(NotFoundError):
        hosted_clusters.get(name="cesar", namespace=clusters_ns)


def test_dynamic_client_builtins_and_subresources(dynamic: DynamicClient,
                                                  clusters_ns: str) -> None:
    namespaces = dynamic.resources.get(api_version="v1", kind="Namespace")
    assert not namespaces.namespaced
    assert "clusters" in [n.metadata.name for n in namespaces.get().items]
    deployments = dynamic.resources.get(api_version="apps/v1", kind="Deployment")
    deployments.create(namespace=clusters_ns, body={
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "cpo"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "cpo"}},
                 "template": {"metadata": {"labels": {"app": "cpo"}},
                              "spec": {"containers": [{"name": "cpo", "image": "cpo"}]}}}})
    # the dynamic client's default PATCH content type is strategic merge
    deployments.patch(name="cpo", namespace=clusters_ns, body={"metadata": {"labels": {
        "paused": "yes"}}})
    assert deployments.get(name="cpo", namespace=clusters_ns).metadata.labels.paused == "yes"
    scale = deployments.subresources["scale"]
    scale.patch(name="cpo", namespace=clusters_ns, body={"spec": {"replicas": 0}})
    assert deployments.get(name="cpo", namespace=clusters_ns).spec.replicas == 0
    node_pools = dynamic.resources.get(api_version=f"{HYPERSHIFT}/v1beta1", kind="NodePool")
    node_pools.create(namespace=clusters_ns, body=rendered("NodePool"))
    with pytest.raises(UnprocessibleEntityError):
        node_pools.patch(name="cesar-us-east-2a", namespace=clusters_ns,
                         body=[{"op": "test", "path": "/spec/replicas", "value": 9}],
                         content_type=JSON_PATCH)


def test_dynamic_client_discovers_a_second_crd_set(cluster: EmulatedCluster,
                                                   tmp_path: Path) -> None:
    from tests.contract.kubeapi.cluster_access import CRDS_MAIN, api_client_for

    with EmulatedCluster.start("mgmt-b", CRDS_MAIN) as other, api_client_for(other) as api:
        dynamic = DynamicClient(api, cache_file=str(tmp_path / "b.json"))
        aws_machines = dynamic.resources.get(api_version="infrastructure.cluster.x-k8s.io/v1beta2",
                                             kind="AWSMachine")
        assert aws_machines.get(namespace="default").items == []
    assert cluster.url != other.url
