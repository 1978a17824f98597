"""The simulated HyperShift operator and etcd init container, driven by real clients.

A backup made by the real Backup state machine is restored on the destination the way a
migration does it: namespace, encryption key, and an HC (the source's, without status) whose
only restoreSnapshotURL is a SigV4 presigned GET made with boto3. The operator must build
the control plane, run the init script in the pod, and report Available only when the
restored etcd serves; broken URLs, a stopped or crash-looping operator and paused HCs must
leave the HC unavailable or unreconciled.
"""

from __future__ import annotations

import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from kubernetes import client

from sandbox.environment import Sandbox
from sandbox.restore_check import compare_dumps
from tests.contract.migration_sandbox.world import (
    DEPLOYMENTS,
    FINALIZER,
    HC,
    HCP,
    NODEPOOLS,
    PODS,
    ROUTES,
    STATEFULSETS,
    Snapshot,
    condition,
    create_nodepool_on_destination,
    create_on_destination,
    get_or_none,
    hc_available,
    kube,
    presigned_get,
    restored_hc_body,
    scale,
    take_backup,
    wait_until,
)

NEVER_AVAILABLE_SECONDS = 1.5


@pytest.fixture(scope="module")
def snapshot(sandbox: Sandbox) -> Snapshot:
    return take_backup(sandbox)


@pytest.fixture(scope="module")
def restored(sandbox: Sandbox, snapshot: Snapshot, timings: dict[str, float]) -> str:
    """The sandbox's HC restored on the destination; returns the URL it was restored from."""
    url = presigned_get(sandbox, snapshot.key)
    began = time.perf_counter()
    create_on_destination(sandbox, restored_hc_body(sandbox, url))
    create_nodepool_on_destination(sandbox)
    store = sandbox.management["destination"].cluster.store
    wait_until(lambda: hc_available(store, sandbox.plan.namespace, sandbox.plan.name),
               what="restored HC Available")
    timings["destination control plane incl. restore, SingleReplica [s]"] = (
        time.perf_counter() - began)
    return url


def test_operator_finalizes_the_source_objects(sandbox: Sandbox):
    store = sandbox.management["source"].cluster.store
    plan = sandbox.plan
    for ref, namespace, name in ((HC, plan.namespace, plan.name),
                                 (NODEPOOLS, plan.namespace, plan.nodepool_name),
                                 (HCP, plan.hcp_namespace, plan.name)):
        wait_until(lambda ref=ref, namespace=namespace, name=name: FINALIZER in (
            store.get(ref, namespace, name)["metadata"].get("finalizers") or []),
            what=f"finalizer on {name}")


def test_restore_builds_a_control_plane_equal_to_the_snapshot(sandbox: Sandbox,
                                                            snapshot: Snapshot, restored: str):
    plan = sandbox.plan
    store = sandbox.management["destination"].cluster.store
    etcd = sandbox.etcd_of("destination", plan.hcp_namespace)
    assert etcd is not None and all(member.running for member in etcd.members)
    with sandbox.hosted.etcd.client() as source, etcd.client() as destination:
        comparison = compare_dumps(source.dump(snapshot.revision), destination.dump())
    assert comparison.identical, comparison
    assert comparison.source_keys >= sandbox.options.etcd_seed_keys
    # The restore happened inside the pod, from the presigned URL, exactly these bytes.
    downloaded = etcd.members[0].pod.root / "tmp" / "snapshot"
    assert hashlib.sha256(downloaded.read_bytes()).hexdigest() == snapshot.sha256
    hc = store.get(HC, plan.namespace, plan.name)
    assert FINALIZER in hc["metadata"]["finalizers"]
    assert hc["status"]["version"]["desired"]["version"] == plan.ocp_version
    assert hc["status"]["kubeconfig"]["name"] == plan.admin_kubeconfig_secret
    assert hc["status"]["controlPlaneEndpoint"]["host"] == plan.hostname("APIServer")
    hcp = store.get(HCP, plan.hcp_namespace, plan.name)
    assert hcp["status"]["ready"] is True and FINALIZER in hcp["metadata"]["finalizers"]
    nodepool = wait_until(lambda: condition(store.get(NODEPOOLS, plan.namespace,
                                                      plan.nodepool_name), "Ready")
                          .get("status") == "True" and store.get(
                              NODEPOOLS, plan.namespace, plan.nodepool_name), what="NodePool")
    assert nodepool["status"]["replicas"] == plan.nodepool_replicas
    assert nodepool["status"]["version"] == plan.ocp_version
    assert FINALIZER in nodepool["metadata"]["finalizers"]
    assert store.get(STATEFULSETS, plan.hcp_namespace, "etcd")["status"]["readyReplicas"] == 1
    pod = store.get(PODS, plan.hcp_namespace, "etcd-0")
    assert condition(pod, "Ready")["status"] == "True"
    assert pod["status"]["podIP"] == etcd.members[0].pod.ip
    assert store.get(DEPLOYMENTS, plan.hcp_namespace, "kube-apiserver")["spec"]["replicas"] == 1
    hosts = {r["spec"]["host"] for r in store.list(ROUTES, plan.hcp_namespace)}
    assert hosts == set(plan.route_hostnames())


def test_init_container_log_tells_the_story_without_the_url(sandbox: Sandbox, restored: str):
    plan = sandbox.plan
    with kube(sandbox.management["destination"].cluster) as api:
        log = client.CoreV1Api(api).read_namespaced_pod_log("etcd-0", plan.hcp_namespace)
    assert "downloading the etcd snapshot" in log and "restoring the etcd snapshot" in log
    signature = restored.split("X-Amz-Signature=")[1]
    assert signature not in log and restored not in log
    init = sandbox.management["destination"].cluster.store.get(PODS, plan.hcp_namespace,
                                                               "etcd-0")
    assert init["spec"]["initContainers"][0]["name"] == "etcd-init"


def test_xml_body_fails_the_init_and_the_hc_never_becomes_available(sandbox: Sandbox):
    """A presigned GET of a key that does not exist: S3 answers 404 with an XML error
    document, curl (no --fail) saves it, the script refuses it."""
    url = presigned_get(sandbox, "backups/nothing-here/etcd-snapshot.db")
    namespace = "xml-body"
    create_on_destination(sandbox, restored_hc_body(sandbox, url, namespace))
    store = sandbox.management["destination"].cluster.store
    hcp_namespace = f"{namespace}-{sandbox.plan.name}"
    pod = wait_until(lambda: _failed_pod(store, hcp_namespace), what="etcd-0 init failure")
    ready = condition(pod, "Ready")
    assert ready["status"] == "False" and ready["reason"] == "InitContainerFailed"
    assert "XML document" in ready["message"] and "NoSuchKey" in ready["message"]
    assert "X-Amz-Signature" not in ready["message"]
    assert pod["status"]["initContainerStatuses"][0]["state"]["terminated"]["exitCode"] == 1
    etcd = sandbox.etcd_of("destination", hcp_namespace)
    assert etcd is not None and not any(member.running for member in etcd.members)
    assert not etcd.members[0].has_data
    _never_available(store, namespace, sandbox.plan.name)
    available = condition(store.get(HC, namespace, sandbox.plan.name), "Available")
    assert available["reason"] == "EtcdUnavailable" and "XML document" in available["message"]


def test_redirect_is_not_followed(sandbox: Sandbox, snapshot: Snapshot):
    """A URL answered by a redirect (as S3 does for a global or wrong-region endpoint): curl
    without -L keeps the redirect's XML body; the real snapshot is never fetched."""
    target = presigned_get(sandbox, snapshot.key)
    requests: list[str] = []

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            body = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PermanentRedirect'
                    b"</Code><Message>use the regional endpoint</Message></Error>")
            self.send_response(301)
            self.send_header("Location", target)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/snapshot.db?X-Amz-Signature=x"
        namespace = "redirected"
        create_on_destination(sandbox, restored_hc_body(sandbox, url, namespace))
        store = sandbox.management["destination"].cluster.store
        pod = wait_until(lambda: _failed_pod(store, f"{namespace}-{sandbox.plan.name}"),
                         what="etcd-0 init failure")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert requests == ["/snapshot.db?X-Amz-Signature=x"]
    assert "PermanentRedirect" in condition(pod, "Ready")["message"]
    assert not hc_available(store, namespace, sandbox.plan.name)


def test_operator_scaled_to_zero_reconciles_nothing_until_scaled_back(sandbox: Sandbox,
                                                                     snapshot: Snapshot):
    destination = sandbox.management["destination"].cluster
    operator = sandbox.operator("destination")
    scale(destination, "hypershift", "operator", 0)
    wait_until(lambda: not operator.running, what="operator stopped")
    namespace = "operator-stopped"
    create_on_destination(sandbox, restored_hc_body(
        sandbox, presigned_get(sandbox, snapshot.key), namespace))
    time.sleep(NEVER_AVAILABLE_SECONDS)
    store = destination.store
    hc = store.get(HC, namespace, sandbox.plan.name)
    assert not hc["metadata"].get("finalizers") and not hc.get("status")
    assert get_or_none(store, STATEFULSETS, f"{namespace}-{sandbox.plan.name}", "etcd") is None
    scale(destination, "hypershift", "operator", 2)
    wait_until(lambda: hc_available(store, namespace, sandbox.plan.name),
               what="HC built once the operator is back")
    assert FINALIZER in store.get(HC, namespace, sandbox.plan.name)["metadata"]["finalizers"]


def test_etcd_statefulset_scaled_to_zero_stops_and_restarts_from_its_pvs(sandbox: Sandbox):
    namespace = f"operator-stopped-{sandbox.plan.name}"  # built by the previous test
    destination = sandbox.management["destination"].cluster
    etcd = sandbox.etcd_of("destination", namespace)
    assert etcd is not None
    with etcd.client() as member:
        before = member.dump()
    with kube(destination) as api:
        apps = client.AppsV1Api(api)
        apps.patch_namespaced_stateful_set_scale("etcd", namespace, {"spec": {"replicas": 0}})
        wait_until(lambda: get_or_none(destination.store, PODS, namespace, "etcd-0") is None,
                   what="etcd pod gone")
        assert not etcd.members[0].running and etcd.members[0].has_data
        assert sandbox.etcd_final_state("destination", namespace).dump == before
        apps.patch_namespaced_stateful_set_scale("etcd", namespace, {"spec": {"replicas": 1}})
    wait_until(lambda: condition(get_or_none(destination.store, PODS, namespace, "etcd-0"),
                                 "Ready").get("status") == "True", what="etcd back")
    with etcd.client() as member:
        assert member.dump() == before  # started from its PV: no second restore


def test_paused_hc_is_left_alone_until_unpaused(sandbox: Sandbox):
    namespace = "paused"
    url = presigned_get(sandbox, "backups/nothing-here/etcd-snapshot.db")
    create_on_destination(sandbox, restored_hc_body(sandbox, url, namespace,
                                                    pausedUntil="true"))
    store = sandbox.management["destination"].cluster.store
    time.sleep(NEVER_AVAILABLE_SECONDS)
    hc = store.get(HC, namespace, sandbox.plan.name)
    assert not hc["metadata"].get("finalizers")
    assert get_or_none(store, STATEFULSETS, f"{namespace}-{sandbox.plan.name}", "etcd") is None
    with kube(sandbox.management["destination"].cluster) as api:
        client.CustomObjectsApi(api).patch_namespaced_custom_object(
            "hypershift.openshift.io", "v1beta1", namespace, "hostedclusters",
            sandbox.plan.name, {"spec": {"pausedUntil": None}})
    wait_until(lambda: get_or_none(store, STATEFULSETS, f"{namespace}-{sandbox.plan.name}",
                                   "etcd"), what="control plane built after unpausing")


def test_crashlooping_operator_drops_the_new_hc_until_restarted(sandbox: Sandbox,
                                                               snapshot: Snapshot):
    namespace = "crashloop"
    store = sandbox.management["destination"].cluster.store
    sandbox.set_operator_crashlooping("destination", True)
    try:
        create_on_destination(sandbox, restored_hc_body(
            sandbox, presigned_get(sandbox, snapshot.key), namespace))
        time.sleep(NEVER_AVAILABLE_SECONDS)
        assert not store.get(HC, namespace, sandbox.plan.name)["metadata"].get("finalizers")
        assert get_or_none(store, STATEFULSETS, f"{namespace}-{sandbox.plan.name}",
                           "etcd") is None
    finally:
        sandbox.set_operator_crashlooping("destination", False)  # the pod restarts
    wait_until(lambda: hc_available(store, namespace, sandbox.plan.name),
               what="HC built after the operator restarted")


def test_deleting_the_hc_tears_its_control_plane_down(sandbox: Sandbox):
    """HyperShift's cleanup on delete, and etcd pods going with their namespace."""
    namespace = "crashloop"  # built by the previous test
    hcp_namespace = f"{namespace}-{sandbox.plan.name}"
    etcd = wait_until(lambda: sandbox.etcd_of("destination", hcp_namespace), what="etcd")
    pods = [member.pod for member in etcd.members]
    with kube(sandbox.management["destination"].cluster) as api:
        client.CustomObjectsApi(api).delete_namespaced_custom_object(
            "hypershift.openshift.io", "v1beta1", namespace, "hostedclusters",
            sandbox.plan.name)
    store = sandbox.management["destination"].cluster.store
    wait_until(lambda: get_or_none(store, HC, namespace, sandbox.plan.name) is None,
               what="HC finalized by the operator")
    wait_until(lambda: sandbox.etcd_of("destination", hcp_namespace) is None, what="etcd gone")
    assert not any(pod.root.exists() for pod in pods)
    assert sandbox.etcd_final_state("destination", hcp_namespace) is not None


def _failed_pod(store: object, namespace: str) -> dict | None:
    pod = get_or_none(store, PODS, namespace, "etcd-0")
    return pod if condition(pod, "Ready").get("reason") == "InitContainerFailed" else None


def _never_available(store: object, namespace: str, name: str) -> None:
    deadline = time.monotonic() + NEVER_AVAILABLE_SECONDS
    while time.monotonic() < deadline:
        assert not hc_available(store, namespace, name)
        time.sleep(0.1)
