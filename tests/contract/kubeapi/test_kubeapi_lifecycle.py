"""Object lifecycle: resourceVersion, generation, finalizers, namespace deletion, status
subresource isolation and the store's change feed."""

from __future__ import annotations

import queue

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from sandbox.kubeapi import AlreadyExists, Conflict, EmulatedCluster, NotFound
from tests.contract.kubeapi.cluster_access import HYPERSHIFT, JSON_PATCH, rendered


def test_resource_version_moves_on_every_write_only(core: client.CoreV1Api) -> None:
    versions = [core.create_namespaced_config_map(
        "default", {"metadata": {"name": "c"}, "data": {"n": "0"}}).metadata.resource_version]
    for n in range(1, 4):
        versions.append(core.patch_namespaced_config_map(
            "c", "default", {"data": {"n": str(n)}}).metadata.resource_version)
    assert len(set(versions)) == 4
    assert [int(v) for v in versions] == sorted(int(v) for v in versions)
    # a patch that changes nothing is no write: same resourceVersion, like etcd3 storage
    same = core.patch_namespaced_config_map("c", "default", {"data": {"n": "3"}})
    assert same.metadata.resource_version == versions[-1]
    other = core.create_namespaced_secret("default", {"metadata": {"name": "s"}})
    assert int(other.metadata.resource_version) > int(versions[-1])  # one counter per cluster


def test_generation_tracks_spec_only(custom: client.CustomObjectsApi, clusters_ns: str) -> None:
    created = custom.create_namespaced_custom_object(
        HYPERSHIFT, "v1beta1", clusters_ns, "hostedclusters", rendered("HostedCluster"))
    assert created["metadata"]["generation"] == 1
    labelled = custom.patch_namespaced_custom_object(
        HYPERSHIFT, "v1beta1", clusters_ns, "hostedclusters", "cesar",
        {"metadata": {"labels": {"dr": "source"}}})
    assert labelled["metadata"]["generation"] == 1
    paused = custom.patch_namespaced_custom_object(
        HYPERSHIFT, "v1beta1", clusters_ns, "hostedclusters", "cesar",
        {"spec": {"pausedUntil": "true"}})
    assert paused["metadata"]["generation"] == 2


def test_status_subresource_isolation(custom: client.CustomObjectsApi, clusters_ns: str) -> None:
    hosted = rendered("HostedCluster")
    created = custom.create_namespaced_custom_object(
        HYPERSHIFT, "v1beta1", clusters_ns, "hostedclusters", hosted)
    assert "status" not in created  # dropped on create when status is a subresource
    status = {"status": {"kubeconfig": {"name": "cesar-admin-kubeconfig"},
                         "version": {"history": [{"version": "4.13.0", "state": "Completed"}]}}}
    with_status = custom.patch_namespaced_custom_object_status(
        HYPERSHIFT, "v1beta1", clusters_ns, "hostedclusters", "cesar",
        {**status, "spec": {"pausedUntil": "true"}})
    assert with_status["status"]["kubeconfig"]["name"] == "cesar-admin-kubeconfig"
    assert "pausedUntil" not in with_status["spec"]  # /status ignores spec
    main = custom.patch_namespaced_custom_object(
        HYPERSHIFT, "v1beta1", clusters_ns, "hostedclusters", "cesar",
        {"status": {"kubeconfig": {"name": "forged"}}, "spec": {"pausedUntil": "true"}})
    assert main["status"]["kubeconfig"]["name"] == "cesar-admin-kubeconfig"
    assert main["spec"]["pausedUntil"] == "true"
    read = custom.get_namespaced_custom_object_status(
        HYPERSHIFT, "v1beta1", clusters_ns, "hostedclusters", "cesar")
    assert read["status"]["version"]["history"][0]["version"] == "4.13.0"


def test_builtin_status_subresource(apps: client.AppsV1Api, clusters_ns: str) -> None:
    body = {"metadata": {"name": "etcd"}, "spec": {
        "replicas": 3, "serviceName": "etcd", "selector": {"matchLabels": {"app": "etcd"}},
        "template": {"metadata": {"labels": {"app": "etcd"}},
                     "spec": {"containers": [{"name": "etcd", "image": "etcd"}]}}},
        "status": {"replicas": 3, "readyReplicas": 3}}
    created = apps.create_namespaced_stateful_set(clusters_ns, body)
    assert created.status.ready_replicas is None
    created.status = client.V1StatefulSetStatus(replicas=3, ready_replicas=3)
    updated = apps.replace_namespaced_stateful_set_status("etcd", clusters_ns, created)
    assert updated.status.ready_replicas == 3


def test_finalizers_hold_deletion_until_removed(core: client.CoreV1Api,
                                                custom: client.CustomObjectsApi,
                                                clusters_ns: str) -> None:
    node_pool = rendered("NodePool")
    node_pool["metadata"]["finalizers"] = ["hypershift.openshift.io/finalizer"]
    custom.create_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns, "nodepools",
                                           node_pool)
    answer = custom.delete_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns,
                                                    "nodepools", "cesar-us-east-2a")
    assert answer["metadata"]["deletionTimestamp"]
    kept = custom.get_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns, "nodepools",
                                               "cesar-us-east-2a")
    assert kept["metadata"]["finalizers"] == ["hypershift.openshift.io/finalizer"]
    with pytest.raises(ApiException) as adding:
        custom.patch_namespaced_custom_object(
            HYPERSHIFT, "v1beta1", clusters_ns, "nodepools", "cesar-us-east-2a",
            {"metadata": {"finalizers": ["hypershift.openshift.io/finalizer", "other/x"]}})
    assert adding.value.status == 422
    custom.patch_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns, "nodepools",
                                          "cesar-us-east-2a", {"metadata": {"finalizers": None}})
    with pytest.raises(ApiException) as gone:
        custom.get_namespaced_custom_object(HYPERSHIFT, "v1beta1", clusters_ns, "nodepools",
                                            "cesar-us-east-2a")
    assert gone.value.status == 404


def test_namespace_deletion_removes_contents(core: client.CoreV1Api, apps: client.AppsV1Api,
                                             custom: client.CustomObjectsApi) -> None:
    core.create_namespace({"metadata": {"name": "clusters-cesar"}})
    core.create_namespaced_secret("clusters-cesar", {"metadata": {"name": "etcd-client-tls"}})
    core.create_namespaced_config_map("clusters-cesar", {"metadata": {"name": "c"}})
    hcp = {"apiVersion": f"{HYPERSHIFT}/v1beta1", "kind": "HostedControlPlane",
           "metadata": {"name": "cesar", "finalizers": ["hypershift.openshift.io/finalizer"]},
           "spec": {}}
    custom.create_namespaced_custom_object(HYPERSHIFT, "v1beta1", "clusters-cesar",
                                           "hostedcontrolplanes", hcp)
    answer = core.delete_namespace("clusters-cesar")
    assert answer["status"]["phase"] == "Terminating"
    assert core.read_namespace("clusters-cesar").status.phase == "Terminating"
    assert core.list_namespaced_secret("clusters-cesar").items == []
    assert core.list_namespaced_config_map("clusters-cesar").items == []
    stuck = custom.get_namespaced_custom_object(HYPERSHIFT, "v1beta1", "clusters-cesar",
                                                "hostedcontrolplanes", "cesar")
    assert stuck["metadata"]["deletionTimestamp"]
    custom.patch_namespaced_custom_object(
        HYPERSHIFT, "v1beta1", "clusters-cesar", "hostedcontrolplanes", "cesar",
        [{"op": "remove", "path": "/metadata/finalizers"}], _content_type=JSON_PATCH)
    with pytest.raises(ApiException) as gone:
        core.read_namespace("clusters-cesar")
    assert gone.value.status == 404
    assert apps.list_deployment_for_all_namespaces().items == []


def test_store_change_feed_and_python_api(cluster: EmulatedCluster,
                                          core: client.CoreV1Api) -> None:
    feed = cluster.store.subscribe()
    core.create_namespaced_config_map("default", {"metadata": {"name": "c"}})
    core.patch_namespaced_config_map("c", "default", {"data": {"k": "v"}})
    core.delete_namespaced_config_map("c", "default")
    events = [feed.get(timeout=2) for _ in range(3)]
    assert [e.type for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert {e.resource_type.kind for e in events} == {"ConfigMap"}
    assert events[1].object["data"] == {"k": "v"}
    events[1].object["data"]["k"] = "mutated"  # copies: the store must not change
    with pytest.raises(queue.Empty):
        feed.get(timeout=0.05)
    # a controller writes through the Python API; the client sees it at once
    cluster.store.create(("", "v1", "pods"), "default", {
        "metadata": {"name": "etcd-0"}, "spec": {"containers": [{"name": "e", "image": "e"}]},
        "status": {"phase": "Running"}}, keep_status=True)
    assert core.read_namespaced_pod("etcd-0", "default").status.phase == "Running"
    assert feed.get(timeout=2).object["metadata"]["name"] == "etcd-0"
    cluster.store.unsubscribe(feed)


def test_python_api_raises_typed_errors(cluster: EmulatedCluster) -> None:
    store = cluster.store
    secrets = ("", "v1", "secrets")
    with pytest.raises(NotFound):
        store.get(secrets, "default", "missing")
    created = store.create(secrets, "default", {"metadata": {"name": "s"}})
    with pytest.raises(AlreadyExists):
        store.create(secrets, "default", {"metadata": {"name": "s"}})
    store.patch(secrets, "default", "s", {"data": {"k": "dg=="}})
    with pytest.raises(Conflict):
        store.replace(secrets, "default", "s", created)
    pods = ("", "v1", "pods")
    store.create(pods, "default", {"metadata": {"name": "p"}, "spec": {"containers": []}})
    running = store.update_status(pods, "default", "p", {"status": {"phase": "Running"}})
    assert running["status"] == {"phase": "Running"}
    with pytest.raises(NotFound):  # secrets have no status subresource
        store.update_status(secrets, "default", "s", {"status": {}})
