"""PATCH by Content-Type: merge, strategic merge (built-ins only) and JSON patch."""

from __future__ import annotations

import json

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from sandbox.kubeapi import EmulatedCluster
from tests.contract.kubeapi.cluster_access import HYPERSHIFT, JSON_PATCH, rendered


def _pod_deployment() -> dict:
    return {
        "metadata": {"name": "kube-apiserver"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "kas"}},
            "template": {"metadata": {"labels": {"app": "kas"}}, "spec": {
                "containers": [
                    {"name": "kube-apiserver", "image": "kas:1",
                     "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                    {"name": "konnectivity", "image": "konn:1"},
                ],
                "volumes": [{"name": "certs", "secret": {"secretName": "kas-certs"}}],
            }},
        },
    }


def test_strategic_merge_merges_containers_by_name(apps: client.AppsV1Api,
                                                   clusters_ns: str) -> None:
    apps.create_namespaced_deployment(clusters_ns, _pod_deployment())
    patch = {"spec": {"template": {"spec": {"containers": [
        {"name": "kube-apiserver", "image": "kas:2", "env": [{"name": "B", "value": "3"}]},
        {"name": "konnectivity", "$patch": "delete"},
    ]}}}}
    patched = apps.patch_namespaced_deployment("kube-apiserver", clusters_ns, patch)
    containers = patched.spec.template.spec.containers
    assert [c.name for c in containers] == ["kube-apiserver"]
    assert containers[0].image == "kas:2"
    assert [(e.name, e.value) for e in containers[0].env] == [("A", "1"), ("B", "3")]
    assert patched.spec.template.spec.volumes[0].name == "certs"  # untouched list kept


def test_strategic_merge_cannot_clear_finalizers_with_empty_list(core: client.CoreV1Api) -> None:
    core.create_namespaced_secret("default", {"metadata": {"name": "s",
                                                           "finalizers": ["a/x", "b/y"]}})
    kept = core.patch_namespaced_secret("s", "default", {"metadata": {"finalizers": []}})
    assert kept.metadata.finalizers == ["a/x", "b/y"]  # merge strategy: [] adds nothing
    cleared = core.patch_namespaced_secret("s", "default", {"metadata": {"finalizers": None}})
    assert cleared.metadata.finalizers is None


def test_merge_patch_replaces_lists(custom: client.CustomObjectsApi, clusters_ns: str) -> None:
    custom.create_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns, "hostedclusters",
                                           rendered("HostedCluster"))
    patched = custom.patch_namespaced_custom_object(
        HYPERSHIFT, "v1beta1", clusters_ns, "hostedclusters", "cesar",
        {"spec": {"pausedUntil": "true", "services": [{"service": "APIServer",
                                                       "servicePublishingStrategy": {
                                                           "type": "Route"}}]},
         "metadata": {"annotations": {"hypershift.openshift.io/cleanup-cloud-resources": None}}})
    assert patched["spec"]["pausedUntil"] == "true"
    assert len(patched["spec"]["services"]) == 1
    assert "hypershift.openshift.io/cleanup-cloud-resources" not in patched["metadata"][
        "annotations"]
    assert patched["spec"]["platform"]["aws"]["region"] == "us-east-2"


def test_json_patch_removes_finalizers_and_test_op_guards(custom: client.CustomObjectsApi,
                                                          clusters_ns: str) -> None:
    node_pool = rendered("NodePool")
    node_pool["metadata"]["finalizers"] = ["hypershift.openshift.io/finalizer"]
    custom.create_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns, "nodepools",
                                           node_pool)

    def json_patch(operations: list[dict]) -> dict:
        return custom.patch_namespaced_custom_object(
            HYPERSHIFT, "v1beta1", clusters_ns, "nodepools", "cesar-us-east-2a", operations,
            _content_type=JSON_PATCH)

    remove = {"op": "remove", "path": "/metadata/finalizers"}
    with pytest.raises(ApiException) as failed_test:
        json_patch([{"op": "test", "path": "/spec/replicas", "value": 5}, remove])
    assert failed_test.value.status == 422
    assert json_patch([{"op": "test", "path": "/spec/replicas", "value": 2}, remove])[
        "metadata"].get("finalizers") is None
    with pytest.raises(ApiException) as missing_path:
        json_patch([remove])
    assert missing_path.value.status == 422


def test_custom_objects_api_sends_lists_as_merge_patch(custom: client.CustomObjectsApi,
                                                       cluster: EmulatedCluster,
                                                       clusters_ns: str) -> None:
    """kubernetes 37 sends application/merge-patch+json for CustomObjectsApi patches even
    with a list body: without `_content_type` a JSON patch is rejected (400)."""
    custom.create_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns, "nodepools",
                                           rendered("NodePool"))
    with pytest.raises(ApiException) as rejected:
        custom.patch_namespaced_custom_object(
            HYPERSHIFT, "v1beta1", clusters_ns, "nodepools", "cesar-us-east-2a",
            [{"op": "replace", "path": "/spec/replicas", "value": 1}])
    assert rejected.value.status == 400
    patches = [r for r in cluster.access_log if r.method == "PATCH"]
    assert patches[-1].content_type == "application/merge-patch+json"


def test_typed_json_patch_on_builtin(core: client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", {"metadata": {"name": "c", "labels": {
        "keep": "yes", "drop": "yes"}}})
    patched = core.patch_namespaced_config_map(
        "c", "default", [{"op": "remove", "path": "/metadata/labels/drop"},
                         {"op": "add", "path": "/data", "value": {"k": "v"}}])
    assert patched.metadata.labels == {"keep": "yes"} and patched.data == {"k": "v"}


def test_strategic_merge_on_custom_resource_is_unsupported(api: client.ApiClient,
                                                           custom: client.CustomObjectsApi,
                                                           clusters_ns: str) -> None:
    custom.create_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns, "nodepools",
                                           rendered("NodePool"))
    with pytest.raises(ApiException) as unsupported:
        custom.patch_namespaced_custom_object(
            HYPERSHIFT, "v1beta1", clusters_ns, "nodepools", "cesar-us-east-2a",
            {"spec": {"replicas": 3}},
            _content_type="application/strategic-merge-patch+json")
    assert unsupported.value.status == 415
    assert json.loads(unsupported.value.body)["reason"] == "UnsupportedMediaType"
