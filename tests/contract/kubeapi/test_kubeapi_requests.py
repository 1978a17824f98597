"""Request options DR code may use: delete collections and preconditions, dry runs,
pagination, resuming watches, namespace finalize, and concurrent writers."""

from __future__ import annotations

import threading

import pytest
from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException

from sandbox.kubeapi import EmulatedCluster


def test_delete_collection_by_label(core: client.CoreV1Api) -> None:
    for name, tier in (("a", "etcd"), ("b", "etcd"), ("c", "other")):
        core.create_namespaced_secret("default", {"metadata": {"name": name,
                                                               "labels": {"tier": tier}}})
    core.delete_collection_namespaced_secret("default", label_selector="tier=etcd")
    assert [s.metadata.name for s in core.list_namespaced_secret("default").items] == ["c"]


def test_delete_preconditions(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_config_map("default", {"metadata": {"name": "c"}})
    core.patch_namespaced_config_map("c", "default", {"data": {"k": "v"}})
    stale = client.V1DeleteOptions(preconditions=client.V1Preconditions(
        resource_version=created.metadata.resource_version))
    with pytest.raises(ApiException) as conflict:
        core.delete_namespaced_config_map("c", "default", body=stale)
    assert conflict.value.status == 409
    matching = client.V1DeleteOptions(preconditions=client.V1Preconditions(
        uid=created.metadata.uid))
    core.delete_namespaced_config_map("c", "default", body=matching)
    assert core.list_namespaced_config_map("default").items == []


def test_dry_run_persists_nothing(cluster: EmulatedCluster, core: client.CoreV1Api) -> None:
    before = cluster.store.resource_version
    answer = core.create_namespaced_secret("default", {"metadata": {"name": "s"}},
                                           dry_run="All")
    assert answer.metadata.name == "s"
    assert core.list_namespaced_secret("default").items == []
    assert cluster.store.resource_version == before


def test_pagination_with_limit_and_continue(core: client.CoreV1Api) -> None:
    for n in range(5):
        core.create_namespaced_config_map("default", {"metadata": {"name": f"c{n}"}})
    names, token = [], None
    while True:
        page = core.list_namespaced_config_map("default", limit=2, _continue=token)
        names.extend(c.metadata.name for c in page.items)
        token = page.metadata._continue
        if not token:
            break
    assert names == ["c0", "c1", "c2", "c3", "c4"]


def test_watch_resumes_from_a_resource_version(core: client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", {"metadata": {"name": "old"}})
    since = core.list_namespaced_config_map("default").metadata.resource_version
    core.create_namespaced_config_map("default", {"metadata": {"name": "new"}})
    events = list(watch.Watch().stream(core.list_namespaced_config_map, "default",
                                       resource_version=since, timeout_seconds=1))
    assert [(e["type"], e["object"].metadata.name) for e in events] == [("ADDED", "new")]


def test_namespace_finalize_orphans_like_the_manual_fix(cluster: EmulatedCluster,
                                                        core: client.CoreV1Api) -> None:
    core.create_namespace({"metadata": {"name": "stuck"}})
    core.create_namespaced_secret("stuck", {"metadata": {"name": "held",
                                                         "finalizers": ["x/hold"]}})
    core.delete_namespace("stuck")
    namespace = core.read_namespace("stuck")
    assert namespace.spec.finalizers == ["kubernetes"]
    namespace.spec.finalizers = []
    core.replace_namespace_finalize("stuck", namespace)
    with pytest.raises(ApiException) as gone:
        core.read_namespace("stuck")
    assert gone.value.status == 404
    orphan = cluster.store.get(("", "v1", "secrets"), "stuck", "held")
    assert orphan["metadata"]["deletionTimestamp"]


def test_concurrent_writers_get_unique_resource_versions(cluster: EmulatedCluster,
                                                         core: client.CoreV1Api) -> None:
    versions: list[int] = []
    lock = threading.Lock()

    def controller(worker: int) -> None:
        for n in range(40):
            created = cluster.store.create(("", "v1", "configmaps"), "default",
                                           {"metadata": {"name": f"w{worker}-{n}"}})
            with lock:
                versions.append(int(created["metadata"]["resourceVersion"]))

    workers = [threading.Thread(target=controller, args=(w,)) for w in range(4)]
    for worker in workers:
        worker.start()
    for n in range(40):
        created = core.create_namespaced_config_map("default", {"metadata": {"name": f"h{n}"}})
        with lock:
            versions.append(int(created.metadata.resource_version))
    for worker in workers:
        worker.join()
    assert len(versions) == len(set(versions)) == 200
    assert len(core.list_namespaced_config_map("default").items) == 200
