"""The hosted cluster's API and nodes across a migration done by hand with real clients.

The guest API answers only while the management cluster that its hostname points to serves
the control plane; nodes stay Ready throughout, and each follows the destination only after
its OVN pod was deleted (and recreated by the DaemonSet) while the destination serves.
Tests run in file order: they walk one migration from start to teardown.
"""

from __future__ import annotations

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from sandbox.environment import Sandbox
from sandbox.scenario.guest_cluster import OVN_NAMESPACE
from sandbox.scenario.management_cluster import router_hostname
from tests.contract.migration_sandbox.world import (
    HC,
    HCP,
    NODEPOOLS,
    PODS,
    ROUTES,
    Snapshot,
    create_on_destination,
    etcd_pids,
    get_or_none,
    hc_available,
    kube,
    presigned_get,
    restored_hc_body,
    scale,
    take_backup,
    wait_until,
)


def _guest_nodes_via_api(sandbox: Sandbox) -> list[str]:
    with kube(sandbox.hosted.guest) as api:
        return [n.metadata.name for n in client.CoreV1Api(api).list_node().items]


def _guest_status(sandbox: Sandbox) -> int:
    try:
        _guest_nodes_via_api(sandbox)
    except ApiException as error:
        return error.status
    return 200


@pytest.fixture(scope="module")
def snapshot(sandbox: Sandbox) -> Snapshot:
    return take_backup(sandbox)


def test_guest_api_is_served_by_the_source(sandbox: Sandbox):
    assert sandbox.serving_control_plane() == "source"
    assert sorted(_guest_nodes_via_api(sandbox)) == sorted(n.name for n in sandbox.guest_nodes())
    nodes = sandbox.guest_nodes()
    assert len(nodes) == sandbox.plan.nodepool_replicas
    assert all(n.ready and n.control_plane == "source" for n in nodes)


def test_guest_api_answers_503_while_no_control_plane_serves(sandbox: Sandbox):
    source = sandbox.management["source"].cluster
    scale(source, sandbox.plan.hcp_namespace, "kube-apiserver", 0)
    try:
        assert _guest_status(sandbox) == 503
        assert sandbox.serving_control_plane() is None
        assert all(n.ready for n in sandbox.guest_nodes())  # kubelets run on
    finally:
        scale(source, sandbox.plan.hcp_namespace, "kube-apiserver", 1)
    assert _guest_status(sandbox) == 200


def test_destination_serves_once_dns_points_at_it(sandbox: Sandbox, snapshot: Snapshot):
    plan = sandbox.plan
    create_on_destination(sandbox, restored_hc_body(sandbox, presigned_get(sandbox,
                                                                           snapshot.key)))
    destination = sandbox.management["destination"].cluster.store
    wait_until(lambda: hc_available(destination, plan.namespace, plan.name), what="Available")
    # The destination's Routes exist, but the source's ExternalDNS owns the names: DNS, and
    # so the guest API, still point at the source.
    assert {r["spec"]["host"] for r in destination.list(ROUTES, plan.hcp_namespace)} == set(
        plan.route_hostnames())
    assert set(sandbox.dns_records().values()) == {router_hostname("source")}
    assert sandbox.serving_control_plane() == "source"
    # Migration step 6: the source's Routes go, ExternalDNS removes their records, and the
    # destination's ExternalDNS (on its next sync) publishes its own.
    with kube(sandbox.management["source"].cluster) as api:
        custom = client.CustomObjectsApi(api)
        for route in custom.list_namespaced_custom_object(
                "route.openshift.io", "v1", plan.hcp_namespace, "routes")["items"]:
            custom.delete_namespaced_custom_object("route.openshift.io", "v1",
                                                   plan.hcp_namespace, "routes",
                                                   route["metadata"]["name"])
    wait_until(lambda: all(sandbox.dns_records().get(h) == router_hostname("destination")
                           for h in plan.route_hostnames()), what="DNS at the destination")
    assert sandbox.serving_control_plane() == "destination"
    assert _guest_status(sandbox) == 200


def test_nodes_follow_only_after_their_ovn_pod_restarts(sandbox: Sandbox):
    assert {n.control_plane for n in sandbox.guest_nodes()} == {"source"}
    guest = sandbox.hosted.guest.store
    first, *others = sorted(guest.list(PODS, OVN_NAMESPACE), key=lambda p: p["metadata"]["name"])
    node = first["spec"]["nodeName"]
    with kube(sandbox.hosted.guest) as api:
        client.CoreV1Api(api).delete_namespaced_pod(first["metadata"]["name"], OVN_NAMESPACE)

    def replacement() -> dict | None:
        for pod in guest.list(PODS, OVN_NAMESPACE):
            if pod["spec"]["nodeName"] == node and pod["metadata"]["name"] != first[
                    "metadata"]["name"]:
                return pod
        return None

    wait_until(replacement, what="OVN pod recreated by its DaemonSet")
    wait_until(lambda: {n.name: n.control_plane for n in sandbox.guest_nodes()}[node]
               == "destination", what="node reconnected")
    moved = {n.name: n.control_plane for n in sandbox.guest_nodes()}
    assert all(moved[p["spec"]["nodeName"]] == "source" for p in others)
    with kube(sandbox.hosted.guest) as api:
        client.CoreV1Api(api).delete_collection_namespaced_pod(OVN_NAMESPACE)
    wait_until(lambda: {n.control_plane for n in sandbox.guest_nodes()} == {"destination"},
               what="every node reconnected")
    assert all(n.ready for n in sandbox.guest_nodes())
    assert len(guest.list(PODS, OVN_NAMESPACE)) == sandbox.plan.nodepool_replicas


def test_source_teardown_stops_its_etcd_and_keeps_its_final_keys(sandbox: Sandbox,
                                                                 snapshot: Snapshot):
    """DOMAIN step 9 by hand: operator to 0, finalizers off, HCP namespace and HC deleted."""
    plan = sandbox.plan
    source = sandbox.management["source"].cluster
    etcd = sandbox.etcd_of("source", plan.hcp_namespace)
    assert etcd is not None
    ips = [member.pod.ip for member in etcd.members]
    assert etcd_pids(ips)
    scale(source, "hypershift", "operator", 0)
    wait_until(lambda: not sandbox.operator("source").running, what="operator stopped")
    with kube(source) as api:
        client.AppsV1Api(api).patch_namespaced_stateful_set_scale(
            "etcd", plan.hcp_namespace, {"spec": {"replicas": 0}})
    wait_until(lambda: get_or_none(source.store, PODS, plan.hcp_namespace, "etcd-0") is None,
               what="etcd pod gone with the scale-down")
    assert not etcd_pids(ips)
    assert all(member.has_data for member in etcd.members)  # PVs stay with a scale-down
    with kube(source) as api:
        custom = client.CustomObjectsApi(api)
        for group, version, plural, namespace, name in (
                (*HCP, plan.hcp_namespace, plan.name),
                (*NODEPOOLS, plan.namespace, plan.nodepool_name),
                (*HC, plan.namespace, plan.name)):
            custom.patch_namespaced_custom_object(group, version, namespace, plural, name,
                                                  {"metadata": {"finalizers": None}})
        client.CoreV1Api(api).delete_namespace(plan.hcp_namespace)
        for group, version, plural, namespace, name in (
                (*NODEPOOLS, plan.namespace, plan.nodepool_name),
                (*HC, plan.namespace, plan.name)):
            custom.delete_namespaced_custom_object(group, version, namespace, plural, name)
    wait_until(lambda: sandbox.etcd_of("source", plan.hcp_namespace) is None, what="etcd gone")
    assert not any(member.pod.root.exists() for member in etcd.members)
    assert get_or_none(source.store, HC, plan.namespace, plan.name) is None
    scale(source, "hypershift", "operator", 2)
    final = sandbox.etcd_final_state("source", plan.hcp_namespace)
    restored = sandbox.etcd_of("destination", plan.hcp_namespace)
    assert final is not None and restored is not None
    assert final.revision == snapshot.revision  # nothing was written after the snapshot
    with restored.client() as destination:
        assert destination.dump() == final.dump
    # The hosted cluster carries on, served by the destination.
    assert sandbox.serving_control_plane() == "destination"
    assert _guest_status(sandbox) == 200
    assert all(n.ready and n.control_plane == "destination" for n in sandbox.guest_nodes())
