"""The sandbox's Deployment pods, seen through the real kubernetes client: they exist, a
scale-down leaves them Terminating for the shutdown time while the Deployment already says 0,
and they go with their Deployment or namespace. This is what quiesce and teardown wait for."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from kubernetes import client

from sandbox.controllers.deployment_pods import DeploymentPodsController
from sandbox.controllers.workload_status import WorkloadStatusController
from sandbox.kubeapi import EmulatedCluster
from tests.contract.kubeapi.cluster_access import CRDS_413, api_client_for

SHUTDOWN_SECONDS = 0.6
NAMESPACE = "clusters-pods"


@pytest.fixture(scope="module")
def core_and_apps() -> Iterator[tuple[client.CoreV1Api, client.AppsV1Api]]:
    with EmulatedCluster.start("pods", CRDS_413) as cluster:
        controllers = [WorkloadStatusController(cluster.store).start(),
                       DeploymentPodsController(cluster.store, "pods-worker-0",
                                                SHUTDOWN_SECONDS).start()]
        try:
            with api_client_for(cluster) as api:
                yield client.CoreV1Api(api), client.AppsV1Api(api)
        finally:
            for controller in controllers:
                controller.stop()
            assert not [e for c in controllers for e in c.errors]


def _deployment(name: str, replicas: int) -> dict:
    labels = {"app": name}
    return {"metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": name, "image": "x"}]}}}}


def _eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> float:
    """Seconds until `predicate` held."""
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < timeout, "condition not reached"
        time.sleep(0.02)
    return time.monotonic() - start


def _pods(core: client.CoreV1Api, namespace: str, app: str) -> list[client.V1Pod]:
    return core.list_namespaced_pod(namespace, label_selector=f"app={app}").items


def _namespace(core: client.CoreV1Api, name: str) -> str:
    core.create_namespace({"metadata": {"name": name}})
    return name


def test_scale_down_leaves_pods_terminating_for_the_shutdown_time(core_and_apps):
    core, apps = core_and_apps
    ns = _namespace(core, NAMESPACE)
    apps.create_namespaced_deployment(ns, _deployment("kube-apiserver", 3))
    _eventually(lambda: len(_pods(core, ns, "kube-apiserver")) == 3)
    pod = _pods(core, ns, "kube-apiserver")[0]
    assert pod.status.phase == "Running" and pod.spec.node_name == "pods-worker-0"
    assert pod.metadata.labels["pod-template-hash"]

    apps.patch_namespaced_deployment_scale("kube-apiserver", ns, {"spec": {"replicas": 0}})
    _eventually(lambda: all(p.metadata.deletion_timestamp
                            for p in _pods(core, ns, "kube-apiserver")))
    assert len(_pods(core, ns, "kube-apiserver")) == 3  # still there, terminating
    assert apps.read_namespaced_deployment_status("kube-apiserver", ns).status.replicas == 0
    gone_after = _eventually(lambda: not _pods(core, ns, "kube-apiserver"))
    assert gone_after > SHUTDOWN_SECONDS / 3  # they stayed a while, not gone at once

    apps.patch_namespaced_deployment_scale("kube-apiserver", ns, {"spec": {"replicas": 2}})
    _eventually(lambda: len(_pods(core, ns, "kube-apiserver")) == 2)
    time.sleep(0.2)
    assert len(_pods(core, ns, "kube-apiserver")) == 2  # no more than asked for


def test_pods_go_with_their_deployment_and_with_their_namespace(core_and_apps):
    core, apps = core_and_apps
    ns = _namespace(core, NAMESPACE + "-2")
    apps.create_namespaced_deployment(ns, _deployment("operator", 2))
    apps.create_namespaced_deployment(ns, _deployment("etcd-writer", 1))
    _eventually(lambda: len(_pods(core, ns, "operator")) == 2
                and len(_pods(core, ns, "etcd-writer")) == 1)

    apps.delete_namespaced_deployment("operator", ns)
    _eventually(lambda: not _pods(core, ns, "operator"))
    assert len(_pods(core, ns, "etcd-writer")) == 1

    core.delete_namespace(ns)
    _eventually(lambda: ns not in [n.metadata.name for n in core.list_namespace().items])
