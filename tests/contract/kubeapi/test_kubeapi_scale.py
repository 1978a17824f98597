"""The `/scale` subresource as the migration's pause/resume steps use it."""

from __future__ import annotations

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.contract.kubeapi.cluster_access import HYPERSHIFT, rendered


def _workload(kind: str, name: str, replicas: int) -> dict:
    spec = {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"containers": [{"name": name, "image": name}]}}}
    if kind == "StatefulSet":
        spec["serviceName"] = name
    return {"kind": kind, "metadata": {"name": name}, "spec": spec}


def test_deployment_scale_read_patch_replace(apps: client.AppsV1Api, clusters_ns: str) -> None:
    apps.create_namespaced_deployment(clusters_ns, _workload("Deployment", "kube-apiserver", 3))
    scale = apps.read_namespaced_deployment_scale("kube-apiserver", clusters_ns)
    assert scale.kind == "Scale" and scale.api_version == "autoscaling/v1"
    assert scale.spec.replicas == 3 and scale.status.selector == "app=kube-apiserver"
    scaled = apps.patch_namespaced_deployment_scale("kube-apiserver", clusters_ns,
                                                    {"spec": {"replicas": 0}})
    assert scaled.spec.replicas == 0
    deployment = apps.read_namespaced_deployment("kube-apiserver", clusters_ns)
    assert deployment.spec.replicas == 0 and deployment.metadata.generation == 2
    scaled.spec.replicas = 3
    restored = apps.replace_namespaced_deployment_scale("kube-apiserver", clusters_ns, scaled)
    assert restored.spec.replicas == 3
    assert apps.read_namespaced_deployment("kube-apiserver", clusters_ns).spec.replicas == 3


def test_stale_scale_replace_conflicts(apps: client.AppsV1Api, clusters_ns: str) -> None:
    apps.create_namespaced_deployment(clusters_ns, _workload("Deployment", "oauth", 2))
    stale = apps.read_namespaced_deployment_scale("oauth", clusters_ns)
    apps.patch_namespaced_deployment_scale("oauth", clusters_ns, {"spec": {"replicas": 1}})
    stale.spec.replicas = 5
    with pytest.raises(ApiException) as conflict:
        apps.replace_namespaced_deployment_scale("oauth", clusters_ns, stale)
    assert conflict.value.status == 409
    with pytest.raises(ApiException) as negative:
        apps.patch_namespaced_deployment_scale("oauth", clusters_ns, {"spec": {"replicas": -1}})
    assert negative.value.status == 422


def test_statefulset_scale(apps: client.AppsV1Api, clusters_ns: str) -> None:
    apps.create_namespaced_stateful_set(clusters_ns, _workload("StatefulSet", "etcd", 3))
    scale = apps.read_namespaced_stateful_set_scale("etcd", clusters_ns)
    assert scale.spec.replicas == 3 and scale.status.replicas == 0
    apps.patch_namespaced_stateful_set_scale("etcd", clusters_ns, {"spec": {"replicas": 0}})
    assert apps.read_namespaced_stateful_set("etcd", clusters_ns).spec.replicas == 0


def test_nodepool_scale_via_custom_objects(cluster, custom: client.CustomObjectsApi,
                                           clusters_ns: str) -> None:
    custom.create_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns, "nodepools",
                                           rendered("NodePool"))
    cluster.store.patch_status((HYPERSHIFT, "v1beta1", "nodepools"), clusters_ns,
                               "cesar-us-east-2a", {"status": {"replicas": 2}})
    scale = custom.get_namespaced_custom_object_scale(HYPERSHIFT, "v1beta1", clusters_ns,
                                                      "nodepools", "cesar-us-east-2a")
    assert scale["kind"] == "Scale"
    assert scale["spec"] == {"replicas": 2} and scale["status"]["replicas"] == 2
    patched = custom.patch_namespaced_custom_object_scale(
        HYPERSHIFT, "v1beta1", clusters_ns, "nodepools", "cesar-us-east-2a",
        {"spec": {"replicas": 4}})
    assert patched["spec"]["replicas"] == 4
    node_pool = custom.get_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns,
                                                    "nodepools", "cesar-us-east-2a")
    assert node_pool["spec"]["replicas"] == 4 and node_pool["status"]["replicas"] == 2


def test_scale_only_where_declared(custom: client.CustomObjectsApi, clusters_ns: str) -> None:
    custom.create_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns, "hostedclusters",
                                           rendered("HostedCluster"))
    with pytest.raises(ApiException) as missing:
        custom.get_namespaced_custom_object_scale(HYPERSHIFT, "v1beta1", clusters_ns,
                                                  "hostedclusters", "cesar")
    assert missing.value.status == 404
