"""Custom resources from the HyperShift CRDs and OpenShift Routes via CustomObjectsApi."""

from __future__ import annotations

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from sandbox.kubeapi import EmulatedCluster
from tests.contract.kubeapi.cluster_access import CRDS_MAIN, HYPERSHIFT, api_client_for, rendered

ROUTES = ("route.openshift.io", "v1")


def test_hostedcluster_and_nodepool_crud(custom: client.CustomObjectsApi,
                                         clusters_ns: str) -> None:
    hosted = custom.create_namespaced_custom_object(
        HYPERSHIFT, "v1beta1", clusters_ns, "hostedclusters", rendered("HostedCluster"))
    assert hosted["kind"] == "HostedCluster" and hosted["metadata"]["uid"]
    custom.create_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns, "nodepools",
                                           rendered("NodePool"))
    pools = custom.list_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns, "nodepools")
    assert pools["kind"] == "NodePoolList"
    assert [p["spec"]["clusterName"] for p in pools["items"]] == ["cesar"]
    hosted["spec"]["pausedUntil"] = "true"
    replaced = custom.replace_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns,
                                                       "hostedclusters", "cesar", hosted)
    assert replaced["spec"]["pausedUntil"] == "true"
    every = custom.list_cluster_custom_object(HYPERSHIFT, "v1beta1", "hostedclusters")
    assert [h["metadata"]["namespace"] for h in every["items"]] == [clusters_ns]
    custom.delete_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns,
                                           "nodepools", "cesar-us-east-2a")
    assert custom.list_namespaced_custom_object(
        HYPERSHIFT, "v1beta1", clusters_ns, "nodepools")["items"] == []


def test_upstream_render_nodepool_name_is_rejected(custom: client.CustomObjectsApi,
                                                   clusters_ns: str) -> None:
    """`cesar-fakeName` (uppercase) is no valid object name: real servers refuse it too."""
    with pytest.raises(ApiException) as invalid:
        custom.create_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns, "nodepools",
                                               rendered("NodePool", raw=True))
    assert invalid.value.status == 422


def test_every_served_version_reports_itself(custom: client.CustomObjectsApi,
                                             clusters_ns: str) -> None:
    custom.create_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns, "hostedclusters",
                                           rendered("HostedCluster"))
    as_alpha = custom.get_namespaced_custom_object(HYPERSHIFT, "v1alpha1", clusters_ns,
                                                   "hostedclusters", "cesar")
    assert as_alpha["apiVersion"] == f"{HYPERSHIFT}/v1alpha1"
    assert as_alpha["spec"]["release"]["image"] == "fakeReleaseImage"  # stored as sent


def test_main_crds_serve_only_served_versions(cluster: EmulatedCluster) -> None:
    with EmulatedCluster.start("mgmt-main", CRDS_MAIN) as main, api_client_for(main) as api:
        custom = client.CustomObjectsApi(api)
        with pytest.raises(ApiException) as unserved:
            custom.list_cluster_custom_object(HYPERSHIFT, "v1alpha1", "hostedclusters")
        assert unserved.value.status == 404
        assert custom.list_cluster_custom_object(
            "infrastructure.cluster.x-k8s.io", "v1beta2", "awsmachines")["items"] == []
        with pytest.raises(ApiException):
            custom.list_cluster_custom_object("infrastructure.cluster.x-k8s.io", "v1beta1",
                                              "awsmachines")
    node_pools = cluster.store.registry.find(HYPERSHIFT, "v1alpha1", "nodepools")
    assert node_pools is not None and node_pools.served_versions == ("v1alpha1", "v1beta1")
    assert node_pools.crd_schema and "spec" in node_pools.crd_schema["properties"]


def test_routes_crud_and_selector(custom: client.CustomObjectsApi) -> None:
    namespace = "clusters-cesar"
    client.CoreV1Api(custom.api_client).create_namespace({"metadata": {"name": namespace}})
    for name in ("oauth", "konnectivity"):
        custom.create_namespaced_custom_object(*ROUTES, namespace, "routes", {
            "apiVersion": "route.openshift.io/v1", "kind": "Route",
            "metadata": {"name": name, "labels": {"hypershift.openshift.io/hosted-control-plane":
                                                  namespace}},
            "spec": {"host": f"{name}-cesar.apps.example.com", "to": {"kind": "Service",
                                                                       "name": name}}})
    listed = custom.list_namespaced_custom_object(
        *ROUTES, namespace, "routes", label_selector="hypershift.openshift.io/hosted-control-plane")
    assert sorted(r["metadata"]["name"] for r in listed["items"]) == ["konnectivity", "oauth"]
    only = custom.list_namespaced_custom_object(*ROUTES, namespace, "routes",
                                                field_selector="metadata.name=oauth")
    assert [r["metadata"]["name"] for r in only["items"]] == ["oauth"]
    for route in listed["items"]:
        custom.delete_namespaced_custom_object(*ROUTES, namespace, "routes",
                                               route["metadata"]["name"])
    assert custom.list_namespaced_custom_object(*ROUTES, namespace, "routes")["items"] == []
