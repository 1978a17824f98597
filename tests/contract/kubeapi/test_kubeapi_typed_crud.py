"""CRUD through the typed APIs (CoreV1Api, AppsV1Api) as DR code uses them."""

from __future__ import annotations

import base64
import json

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException


def _deployment(name: str, replicas: int | None = 2) -> dict:
    spec: dict = {
        "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}},
                     "spec": {"containers": [{"name": name, "image": "quay.io/x/y:1"}]}},
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": {"app": name}}, "spec": spec}


def test_namespace_crud_is_cluster_scoped(core: client.CoreV1Api) -> None:
    created = core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(
        name="clusters-cesar", labels={"hypershift.openshift.io/hosted-control-plane": "true"})))
    assert created.status.phase == "Active"
    assert created.metadata.uid and created.metadata.creation_timestamp
    names = [n.metadata.name for n in core.list_namespace().items]
    assert "clusters-cesar" in names and "default" in names
    listed = core.list_namespace(label_selector="hypershift.openshift.io/hosted-control-plane")
    assert [n.metadata.name for n in listed.items] == ["clusters-cesar"]
    read = core.read_namespace("clusters-cesar")
    assert read.metadata.namespace is None


def test_secret_crud_roundtrip(core: client.CoreV1Api, clusters_ns: str) -> None:
    key = base64.b64encode(b"aescbc-key").decode()
    created = core.create_namespaced_secret(clusters_ns, client.V1Secret(
        metadata=client.V1ObjectMeta(name="cesar-etcd-encryption-key"), data={"key": key}))
    assert created.metadata.namespace == clusters_ns
    read = core.read_namespaced_secret("cesar-etcd-encryption-key", clusters_ns)
    assert base64.b64decode(read.data["key"]) == b"aescbc-key"
    read.data["key"] = base64.b64encode(b"rotated").decode()
    replaced = core.replace_namespaced_secret("cesar-etcd-encryption-key", clusters_ns, read)
    assert int(replaced.metadata.resource_version) > int(read.metadata.resource_version)
    status = core.delete_namespaced_secret("cesar-etcd-encryption-key", clusters_ns)
    # client 37 types this answer as a plain dict
    assert status["status"] == "Success" and status["details"]["kind"] == "secrets"
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_secret("cesar-etcd-encryption-key", clusters_ns)
    assert missing.value.status == 404


def test_configmap_supported_versions(core: client.CoreV1Api) -> None:
    core.create_namespace({"metadata": {"name": "hypershift"}})
    body = {"metadata": {"name": "supported-versions"},
            "data": {"supported-versions": '{"versions":["4.13","4.12"]}'}}
    core.create_namespaced_config_map("hypershift", body)
    cm = core.read_namespaced_config_map("supported-versions", "hypershift")
    assert cm.data["supported-versions"] == '{"versions":["4.13","4.12"]}'
    core.patch_namespaced_config_map("supported-versions", "hypershift",
                                     {"data": {"supported-versions": '{"versions":["4.14"]}'}})
    cm = core.read_namespaced_config_map("supported-versions", "hypershift")
    assert cm.data == {"supported-versions": '{"versions":["4.14"]}'}


def test_pods_services_events_serviceaccounts(core: client.CoreV1Api, clusters_ns: str) -> None:
    pod = core.create_namespaced_pod(clusters_ns, {
        "metadata": {"name": "etcd-0", "labels": {"app": "etcd"}},
        "spec": {"containers": [{"name": "etcd", "image": "etcd"}], "nodeName": "node-a"}})
    assert pod.status.phase == "Pending"
    core.create_namespaced_service(clusters_ns, {
        "metadata": {"name": "etcd-client"},
        "spec": {"selector": {"app": "etcd"}, "ports": [{"name": "client", "port": 2379}]}})
    core.create_namespaced_event(clusters_ns, {
        "metadata": {"name": "etcd-0.1"}, "reason": "Started", "type": "Normal",
        "involvedObject": {"kind": "Pod", "name": "etcd-0", "namespace": clusters_ns}})
    core.create_namespaced_service_account(clusters_ns, {"metadata": {"name": "etcd"}})
    assert core.read_namespaced_service("etcd-client", clusters_ns).spec.ports[0].port == 2379
    events = core.list_namespaced_event(clusters_ns,
                                        field_selector="involvedObject.name=etcd-0")
    assert [e.reason for e in events.items] == ["Started"]
    assert core.list_namespaced_pod(clusters_ns, field_selector="spec.nodeName=node-a").items
    assert not core.list_namespaced_pod(clusters_ns, field_selector="spec.nodeName=b").items
    deleted = core.delete_namespaced_pod("etcd-0", clusters_ns)
    assert isinstance(deleted, client.V1Pod) and deleted.metadata.name == "etcd-0"
    assert core.delete_namespaced_service_account("etcd", clusters_ns).metadata.name == "etcd"
    assert core.delete_namespaced_service("etcd-client", clusters_ns).metadata.name
    assert core.list_namespaced_pod(clusters_ns).items == []


def test_nodes_are_cluster_scoped(core: client.CoreV1Api) -> None:
    core.create_node({"metadata": {"name": "ip-10-0-1-1", "labels": {"role": "worker"}}})
    core.create_node({"metadata": {"name": "ip-10-0-1-2", "labels": {"role": "infra"}}})
    workers = core.list_node(label_selector="role=worker")
    assert [n.metadata.name for n in workers.items] == ["ip-10-0-1-1"]
    assert core.read_node("ip-10-0-1-2").metadata.labels == {"role": "infra"}
    core.delete_node("ip-10-0-1-1")
    assert [n.metadata.name for n in core.list_node().items] == ["ip-10-0-1-2"]


def test_deployment_and_statefulset_crud(apps: client.AppsV1Api, clusters_ns: str) -> None:
    created = apps.create_namespaced_deployment(clusters_ns, _deployment("kube-apiserver"))
    assert created.metadata.generation == 1 and created.spec.replicas == 2
    defaulted = apps.create_namespaced_deployment(clusters_ns, _deployment("cpo", None))
    assert defaulted.spec.replicas == 1  # defaulted like the real apps/v1 API
    sts = _deployment("etcd", 3)
    sts.update(kind="StatefulSet")
    sts["spec"]["serviceName"] = "etcd-discovery"
    apps.create_namespaced_stateful_set(clusters_ns, sts)
    read = apps.read_namespaced_stateful_set("etcd", clusters_ns)
    assert read.spec.replicas == 3 and read.spec.service_name == "etcd-discovery"
    names = [d.metadata.name for d in apps.list_namespaced_deployment(clusters_ns).items]
    assert names == ["cpo", "kube-apiserver"]
    all_namespaces = apps.list_deployment_for_all_namespaces()
    assert {d.metadata.namespace for d in all_namespaces.items} == {clusters_ns}
    apps.delete_namespaced_deployment("cpo", clusters_ns)
    apps.delete_namespaced_stateful_set("etcd", clusters_ns)
    assert [d.metadata.name for d in apps.list_namespaced_deployment(clusters_ns).items] == [
        "kube-apiserver"]
    assert apps.list_namespaced_stateful_set(clusters_ns).items == []


def test_list_reports_kind_and_resource_version(api: client.ApiClient, core: client.CoreV1Api,
                                                clusters_ns: str) -> None:
    core.create_namespaced_secret(clusters_ns, {"metadata": {"name": "a"}})
    response = core.list_namespaced_secret_with_http_info(clusters_ns, _preload_content=False)
    document = json.loads(response.data)
    assert document["kind"] == "SecretList" and document["apiVersion"] == "v1"
    created = core.read_namespaced_secret("a", clusters_ns)
    assert int(document["metadata"]["resourceVersion"]) >= int(
        created.metadata.resource_version)
    assert "kind" not in document["items"][0]  # typed lists carry no per-item TypeMeta


def test_cross_namespace_list_and_selectors(core: client.CoreV1Api) -> None:
    for namespace in ("clusters", "clusters-cesar", "other"):
        core.create_namespace({"metadata": {"name": namespace}})
    core.create_namespaced_secret("clusters", {"metadata": {"name": "cesar-pull", "labels": {
        "hypershift.openshift.io/safe-to-delete-with-cluster": "true"}}})
    core.create_namespaced_secret("clusters-cesar", {"metadata": {"name": "etcd-client-tls",
                                                                  "labels": {"tier": "etcd"}}})
    core.create_namespaced_secret("other", {"metadata": {"name": "docker", "labels": {
        "tier": "registry"}}})

    def names(**selectors: str) -> list[str]:
        items = core.list_secret_for_all_namespaces(**selectors).items
        return sorted(f"{s.metadata.namespace}/{s.metadata.name}" for s in items)

    assert names() == ["clusters-cesar/etcd-client-tls", "clusters/cesar-pull",
                       "other/docker"]
    assert names(label_selector="tier==etcd") == ["clusters-cesar/etcd-client-tls"]
    assert names(label_selector="tier!=etcd") == ["clusters/cesar-pull", "other/docker"]
    assert names(label_selector="tier in (etcd,registry)") == [
        "clusters-cesar/etcd-client-tls", "other/docker"]
    assert names(label_selector="tier notin (etcd)") == ["clusters/cesar-pull", "other/docker"]
    assert names(label_selector="!tier") == ["clusters/cesar-pull"]
    assert names(label_selector="hypershift.openshift.io/safe-to-delete-with-cluster") == [
        "clusters/cesar-pull"]
    assert names(field_selector="metadata.namespace=other") == ["other/docker"]
    assert names(field_selector="metadata.name=docker,metadata.namespace!=other") == []
    with pytest.raises(ApiException) as unsupported:
        names(field_selector="spec.nodeName=x")
    assert unsupported.value.status == 400
