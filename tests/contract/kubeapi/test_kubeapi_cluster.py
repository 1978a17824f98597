"""The cluster process model: start-up time, kubeconfig, clean stop, exec routing, watches,
pod logs and the access log."""

from __future__ import annotations

import json
import socket
import threading
from typing import Any

import pytest
import yaml
from aiohttp import web
from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException
from kubernetes.stream import stream

from sandbox.kubeapi import EmulatedCluster
from tests.contract.kubeapi.cluster_access import CRDS_413, api_client_for


def _port_of(cluster: EmulatedCluster) -> int:
    return int(cluster.url.rsplit(":", 1)[1])


def test_kubeconfig_shape(cluster: EmulatedCluster) -> None:
    kubeconfig = yaml.safe_load(cluster.kubeconfig())
    assert kubeconfig["current-context"] == "mgmt-a"
    assert kubeconfig["contexts"][0]["name"] == "mgmt-a"
    assert kubeconfig["clusters"][0]["cluster"]["server"] == cluster.url
    assert cluster.url.startswith("https://127.0.0.1:")
    assert kubeconfig["users"][0]["user"]["token"] == cluster.token
    assert kubeconfig["clusters"][0]["cluster"]["certificate-authority-data"]


def test_start_serves_and_stop_leaves_nothing_behind() -> None:
    """(Start-up time is measured by `make bench`, not asserted here.)"""
    EmulatedCluster.start("warm-up", CRDS_413).stop()  # CRD cache warm, as in a session
    threads_before = set(threading.enumerate())
    cluster = EmulatedCluster.start("mgmt-x", CRDS_413)
    with api_client_for(cluster) as api:
        assert client.CoreV1Api(api).read_namespace("default").metadata.name == "default"
        port = _port_of(cluster)
        cluster.stop()
        cluster.stop()  # idempotent
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert set(threading.enumerate()) == threads_before


def test_two_clusters_are_independent() -> None:
    with (EmulatedCluster.start("src", CRDS_413) as source,
          EmulatedCluster.start("dst", CRDS_413) as destination,
          api_client_for(source) as source_api, api_client_for(destination) as dest_api):
        client.CoreV1Api(source_api).create_namespace({"metadata": {"name": "clusters"}})
        names = [n.metadata.name for n in client.CoreV1Api(dest_api).list_namespace().items]
        assert "clusters" not in names
        assert source.token != destination.token
        with api_client_for(destination, token=source.token) as crossed, pytest.raises(
                ApiException) as denied:
            client.CoreV1Api(crossed).list_namespace()
        assert denied.value.status == 401


async def _echo_exec(request: web.Request, namespace: str,
                     pod: dict[str, Any]) -> web.StreamResponse:
    """A stub of the exec channel protocol: prints the command on stdout and succeeds."""
    socket_ = web.WebSocketResponse(protocols=("v4.channel.k8s.io",))
    await socket_.prepare(request)
    command = " ".join(request.query.getall("command"))
    await socket_.send_bytes(b"\x01" + f"{namespace}/{pod['metadata']['name']}: {command}\n"
                             .encode())
    await socket_.send_bytes(b"\x03" + json.dumps({"status": "Success"}).encode())
    await socket_.close()
    return socket_


def test_exec_is_routed_to_the_injected_handler() -> None:
    with (EmulatedCluster.start("exec", None, exec_handler=_echo_exec) as cluster,
          api_client_for(cluster) as api):
        core = client.CoreV1Api(api)
        core.create_namespaced_pod("default", {"metadata": {"name": "etcd-0"}, "spec": {
            "containers": [{"name": "etcd", "image": "etcd"}]}})
        output = stream(core.connect_get_namespaced_pod_exec, "etcd-0", "default",
                        command=["etcdctl", "snapshot", "save", "/var/lib/data/snapshot.db"],
                        stderr=True, stdin=False, stdout=True, tty=False)
        assert output == "default/etcd-0: etcdctl snapshot save /var/lib/data/snapshot.db\n"
        with pytest.raises(ApiException) as missing:
            stream(core.connect_get_namespaced_pod_exec, "etcd-1", "default",
                   command=["true"], stderr=True, stdin=False, stdout=True, tty=False)
        # the stream client turns a failed WebSocket handshake into status 0 + the reason
        assert "404" in str(missing.value.reason)
        assert any(r.path == "/api/v1/namespaces/default/pods/etcd-0/exec" and r.status == 101
                   for r in cluster.access_log)


def test_exec_without_handler_is_bad_request(cluster: EmulatedCluster,
                                             core: client.CoreV1Api) -> None:
    core.create_namespaced_pod("default", {"metadata": {"name": "etcd-0"}, "spec": {
        "containers": [{"name": "etcd", "image": "etcd"}]}})
    with pytest.raises(ApiException) as refused:
        stream(core.connect_get_namespaced_pod_exec, "etcd-0", "default", command=["true"],
               stderr=True, stdin=False, stdout=True, tty=False)
    assert "400" in str(refused.value.reason)
    assert cluster.access_log[-1].status == 400


def test_pod_log(cluster: EmulatedCluster, core: client.CoreV1Api) -> None:
    core.create_namespaced_pod("default", {"metadata": {"name": "op"}, "spec": {
        "containers": [{"name": "op", "image": "op"}]}})
    cluster.pod_logs[("default", "op")] = "reconciling\n"
    assert core.read_namespaced_pod_log("op", "default") == "reconciling\n"


def test_watch_streams_backlog_and_live_events(cluster: EmulatedCluster,
                                               core: client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", {"metadata": {"name": "before"}})
    core.create_namespaced_secret("default", {"metadata": {"name": "not-a-configmap"}})
    configmaps = ("", "v1", "configmaps")
    seen: list[tuple[str, str]] = []
    watcher = watch.Watch()
    for event in watcher.stream(core.list_namespaced_config_map, "default", timeout_seconds=5):
        seen.append((event["type"], event["object"].metadata.name))
        if len(seen) == 1:  # the watch is open: a controller writes now
            cluster.store.create(configmaps, "default", {"metadata": {"name": "after"}})
            cluster.store.create(configmaps, "kube-system", {"metadata": {"name": "elsewhere"}})
            cluster.store.delete(configmaps, "default", "before")
        if len(seen) == 3:
            watcher.stop()
    assert seen == [("ADDED", "before"), ("ADDED", "after"), ("DELETED", "before")]


def test_access_log_records_what_the_client_did(cluster: EmulatedCluster,
                                                core: client.CoreV1Api) -> None:
    core.create_namespaced_secret("default", {"metadata": {"name": "s"}})
    with pytest.raises(ApiException):
        core.read_namespaced_secret("missing", "default")
    calls = [(r.method, r.path, r.status) for r in cluster.access_log]
    assert calls[-2:] == [("POST", "/api/v1/namespaces/default/secrets", 201),
                          ("GET", "/api/v1/namespaces/default/secrets/missing", 404)]
